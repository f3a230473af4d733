/**
 * Engine tier, the Docker rung: the dev stack through the real CLI, the real
 * policy pack and the real Docker, TLS and command providers, on a real Docker
 * engine (Debian's dockerd, in a network namespace of the harness's own), with
 * real containers of the stand-in images (real PostgreSQL, Redis, nginx, MinIO
 * and mc; our backend and worker). Standard mode, workers mode and the switch
 * between them, then the days after: image bumps, a failing migration,
 * rotation, backups, failures, and `destroy`. Each test builds on the state the
 * one before it left.
 *
 * It needs the docker, tls and command plugins installed (they are not on the
 * Go module proxy: docs/engine-tier.md, "Rung 2"); without them it is skipped with
 * the one line that says what is missing.
 */
import * as fs from "fs";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerEngine } from "./docker-engine";
import { DOCKER_RUNG_PLUGINS, dockerRungMissing, LiveStack, mc, psql, redisCli, said, sh } from "./docker-rung";
import { EngineProject, POLICY_PACK, PROGRAM_ENTRIES, ROOT, type RunResult } from "./harness";
import { buildStandins, findGoBinaries } from "./standins";

const missing = dockerRungMissing();
if (missing) console.log(`Docker rung skipped: ${missing}`);

const BACKEND = "ghcr.io/quorvex/quorvex-backend";
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

describe.skipIf(missing !== null)("the dev stack on a real Docker engine, through the real engine", () => {
    let engine: DockerEngine;
    let project: EngineProject;
    let live: LiveStack;
    let host: { cpus: number; memoryMiB: number };
    const settings = new Map<string, string>();
    const configure = (...sets: string[]) => {
        for (const s of sets) settings.set(s.slice(0, s.indexOf("=")), s);
        project.writeConfig([...settings.values()]);
    };
    const up = (extra: string[] = []) => project.up(["--policy-pack", POLICY_PACK, ...extra]);
    const tryUp = (extra: string[] = []) => project.run(["up", "--yes", "--skip-preview", "--stack", project.stack, "--policy-pack", POLICY_PACK, ...extra]);
    const noChanges = () => project.preview(["--expect-no-changes", "--policy-pack", POLICY_PACK, "--diff"]);
    /** The certificate the proxy serves (its own file, read as its user), saved where curl reads it: what a client is told to trust. */
    let certificate = "";
    const caFile = () => path.join(engine.tmp, "proxy-ca.pem");
    const api = async (urlPath: string, extra: string[] = []): Promise<RunResult> => {
        // The proxy's own certificate (a stack made again after `destroy` has a new one).
        const served = await live.exec("ingress", ["cat", "/tmp/tls.crt"], { user: "101" });
        if (served.code === 0 && served.stdout !== certificate) fs.writeFileSync(caFile(), (certificate = served.stdout));
        return live.curl(`https://quorvex.localhost${urlPath}`, ["--cacert", caFile(), ...extra]);
    };
    const json = async <T>(path: string, extra: string[] = []): Promise<T> => {
        const r = await api(path, extra);
        if (r.code !== 0) throw new Error(`GET ${path}: ${said(r)}`);
        return JSON.parse(r.stdout) as T;
    };

    beforeAll(async () => {
        engine = await DockerEngine.start({
            // A host whose daemon.json sets log options of its own (merged into every container's).
            daemonArgs: ["--log-opt", "compress=true"],
        });
        const report = await buildStandins(engine, findGoBinaries()!);
        console.log(`stand-in images: ${report.built.length} built, ${report.reused.length} reused, ${report.seconds} s`);
        const info = (await engine.ok(["info", "--format", "{{.NCPU}} {{.MemTotal}}"])).trim().split(" ").map(Number);
        host = { cpus: info[0], memoryMiB: Math.floor(info[1] / MiB) };
        live = new LiveStack(engine);
        project = await EngineProject.create({
            stack: "dev",
            plugins: DOCKER_RUNG_PLUGINS,
            wrap: ["ip", "netns", "exec", engine.netns],
            env: { DOCKER_HOST: engine.host },
        });
        // What `npm run deploy:dev` records about the host at the first deploy.
        configure(`docker.hostCpus=${host.cpus}`, `docker.hostMemory=${host.memoryMiB}Mi`, "ingress.check.timeoutSeconds=15");
    });
    afterAll(async () => {
        if (engine && project && process.env.QUORVEX_KEEP_ENGINE) return console.log(`kept: ${engine.host} ${engine.netns} ${project.dir}`);
        project?.dispose();
        await engine?.dispose();
    });

    describe("standard mode", () => {
        let firstUp: RunResult;

        it("comes up: every service healthy, every task run to completion, the entry check passed", async () => {
            firstUp = await up();
            expect(firstUp.stdout).toMatch(/ingress-check created .*answers 200/);
            const health = await live.settled();
            for (const role of ["postgres", "redis", "minio", "backend", "ingress"]) expect(health[role], role).toBe("healthy");
            const tasks = Object.entries(health).filter(([role]) => /-(roles|migrate|buckets|data-owner)-[0-9a-f]{8}$/.test(role));
            expect(tasks.map(([role]) => role.replace(/-[0-9a-f]{8}$/, "")).sort()).toEqual([
                "backend-migrate",
                "minio-buckets",
                "minio-data-owner",
                "postgres-roles",
            ]);
            for (const [role, status] of tasks) expect(status, role).toBe("exited (0)");
            certificate = (await live.exec("ingress", ["cat", "/tmp/tls.crt"], { user: "101" })).stdout;
            expect(certificate).toMatch(/^-----BEGIN CERTIFICATE-----/);
            fs.writeFileSync(caFile(), certificate);
        });

        it("runs every container with the limits, users, hardening and networks the program gives it, as the engine and the containers report them", async () => {
            const backend = await live.inspect("backend");
            const cpus = Math.min(8, host.cpus);
            expect(backend.HostConfig.NanoCpus).toBe(cpus * 1e9);
            expect(backend.HostConfig.Memory).toBe(Math.min(24 * 1024, host.memoryMiB) * MiB);
            expect(backend.HostConfig.ShmSize).toBe(2 * GiB);
            // The container's own view: its /dev/shm and its memory cgroup.
            expect((await live.exec("backend", ["df", "-B1", "--output=size", "/dev/shm"])).stdout.trim().split("\n")[1]).toBe(String(2 * GiB));
            expect(Number((await live.exec("backend", ["cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes"])).stdout)).toBe(backend.HostConfig.Memory);
            for (const [role, uid, readOnly] of [
                ["backend", "1000", false],
                ["ingress", "101", true],
                ["minio", "1000", true],
                ["postgres", "70", false],
                ["redis", "999", false],
            ] as const) {
                const c = await live.inspect(role);
                // Postgres and Redis start as root and drop to their users; the server is what runs.
                const ps = await live.exec(role, [
                    "sh",
                    "-c",
                    role === "postgres" ? "ps -o uid= -C postgres | head -n1" : role === "redis" ? "ps -o uid= -C redis-server" : "id -u",
                ]);
                expect(ps.stdout.trim(), role).toBe(uid);
                expect(c.HostConfig.ReadonlyRootfs, role).toBe(readOnly);
                expect(c.HostConfig.CapDrop, role).toEqual(["ALL"]);
                expect(c.HostConfig.SecurityOpt, role).toEqual(["no-new-privileges=true"]);
                expect(c.HostConfig.RestartPolicy.Name, role).toBe("unless-stopped");
                if (readOnly) expect((await live.exec(role, ["touch", "/probe"])).stderr, role).toMatch(/Read-only file system/);
            }
            expect((await live.inspect("postgres")).HostConfig.CapAdd).toEqual([
                "CAP_CHOWN",
                "CAP_DAC_OVERRIDE",
                "CAP_FOWNER",
                "CAP_KILL",
                "CAP_SETGID",
                "CAP_SETUID",
            ]);
            // Only the proxy is published, and only on loopback.
            const published = Object.fromEntries(
                await Promise.all(
                    ["postgres", "redis", "minio", "backend", "ingress"].map(async (r) => [r, (await live.inspect(r)).HostConfig.PortBindings ?? {}]),
                ),
            );
            expect(published.ingress).toEqual({
                "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: "80" }],
                "8443/tcp": [{ HostIp: "127.0.0.1", HostPort: "443" }],
            });
            for (const r of ["postgres", "redis", "minio", "backend"]) expect(published[r], r).toEqual({});
            // The data services sit on the internal network alone; the proxy never reaches them.
            for (const r of ["postgres", "redis", "minio"])
                expect(Object.keys((await live.inspect(r)).NetworkSettings.Networks), r).toEqual(["quorvex-dev-data"]);
            expect(Object.keys((await live.inspect("ingress")).NetworkSettings.Networks)).toEqual(["quorvex-dev-app"]);
            expect((await engine.inspect<{ Internal: boolean }>("quorvex-dev-data")).Internal).toBe(true);
        });

        it("changes nothing on the next preview and up: no replacement, no task run again (the daemon's own log options included)", async () => {
            const before = await live.health();
            const started = (await live.inspect("postgres")).State.StartedAt;
            const preview = await noChanges();
            expect(preview.code, said(preview)).toBe(0);
            const again = await up(["--expect-no-changes"]);
            expect(again.stdout).not.toMatch(/created|replaced|updated/);
            expect(await live.health()).toEqual(before);
            expect((await live.inspect("postgres")).State.StartedAt).toBe(started);
        });

        it("stays unchanged after `pulumi refresh`: what the engine reports is what the program sends", async () => {
            await project.ok(["refresh", "--yes", "--skip-preview", "--stack", "dev"]);
            const preview = await noChanges();
            expect(preview.code, said(preview)).toBe(0);
        });

        it("works through the proxy: TLS for the host, HTTP redirected, the API as its least-privileged roles, VNC upgraded to a WebSocket", async () => {
            expect(await json("/health/ready")).toEqual({ ready: true });
            const http = await live.curl("http://quorvex.localhost/health/ready", ["-o", "/dev/null", "-w", "%{http_code} %{redirect_url}"]);
            expect(http.stdout).toBe("308 https://quorvex.localhost/health/ready");
            const who = await json<Record<string, unknown>>("/whoami");
            expect(who).toMatchObject({ database_user: "quorvex_app", revision: "0001", mode: "standard", uid: 1000 });
            const added = await json<{ id: number }>("/items", ["--data-binary", "written in standard mode"]);
            expect(await json("/items")).toContainEqual({ id: added.id, value: "written in standard mode" });
            // A certificate for another name is refused: the proxy's is for the host.
            const wrongName = await live.curl("https://elsewhere/", ["--cacert", caFile()]);
            expect(wrongName.stderr).toMatch(/does not match target host name|no alternative certificate subject name matches/);
            const ws = await api("/vnc/", [
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "--http1.1",
                "-H",
                "Connection: Upgrade",
                "-H",
                "Upgrade: websocket",
                "-H",
                "Sec-WebSocket-Version: 13",
                "-H",
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                "--max-time",
                "3",
            ]);
            expect(ws.stdout).toBe("101");
        });

        it("stops Postgres with a clean fast shutdown within seconds (not the 60 s grace and a kill)", async () => {
            const started = Date.now();
            await engine.ok(["stop", live.name("postgres")]);
            const seconds = (Date.now() - started) / 1000;
            const c = await live.inspect("postgres");
            expect(c.State.ExitCode).toBe(0);
            expect(seconds).toBeLessThan(10);
            const logs = await engine.docker(["logs", "--tail", "20", live.name("postgres")]);
            expect(logs.stdout + logs.stderr).toMatch(/received fast shutdown request[\s\S]*database system is shut down/);
            await engine.ok(["start", live.name("postgres")]);
            await live.healthy("postgres");
            const logs2 = await engine.docker(["logs", "--tail", "10", live.name("postgres")]);
            expect(logs2.stdout + logs2.stderr).not.toMatch(/not properly shut down|automatic recovery/);
        });
    });

    describe("workers mode, switched to from standard", () => {
        it("keeps Postgres's rows through the switch; the slim backend and two workers come up", async () => {
            configure("mode=workers");
            await up();
            const health = await live.settled();
            for (const role of ["backend", "workers-1", "workers-2", "ingress"]) expect(health[role], role).toBe("healthy");
            expect(await json<{ value: string }[]>("/items")).toContainEqual(expect.objectContaining({ value: "written in standard mode" }));
            expect(await json("/whoami")).toMatchObject({ mode: "workers", revision: "0001", database_user: "quorvex_app", redis_user: "backend" });
            expect((await live.inspect("backend")).Config.Labels["quorvex.io/runs-browsers"]).toBeUndefined();
        });

        it("gives each worker its 1 GiB /dev/shm inside its memory limit and an init process, and routes no VNC", async () => {
            for (const w of ["workers-1", "workers-2"]) {
                const c = await live.engine.inspect<{ HostConfig: { ShmSize: number; Memory: number; Init: boolean } }>(live.name(w));
                expect(c.HostConfig).toMatchObject({ ShmSize: GiB, Memory: 2 * GiB, Init: true });
                expect((await live.exec(w, ["df", "-B1", "--output=size", "/dev/shm"])).stdout.trim().split("\n")[1]).toBe(String(GiB));
            }
            const ws = await api("/vnc/", [
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "-H",
                "Connection: Upgrade",
                "-H",
                "Upgrade: websocket",
                "--max-time",
                "3",
            ]);
            expect(ws.stdout).not.toBe("101");
        });

        it("runs a job: the backend queues it as its Redis user, a worker takes it and stores the artifact as its MinIO user, the backend reads it back", async () => {
            const { id } = await json<{ id: string }>("/jobs", ["--data-binary", "screenshot of example.test"]);
            let report: { worker: string; uid: number; shm_bytes: number; payload: string } | undefined;
            for (let i = 0; i < 60 && !report; i++) {
                const r = await api(`/jobs/${id}`, ["-f"]);
                if (r.code === 0) report = JSON.parse(r.stdout) as typeof report;
                else await new Promise((res) => setTimeout(res, 500));
            }
            expect(report).toMatchObject({ payload: "screenshot of example.test", uid: 1000, shm_bytes: GiB });
            const hostnames = await Promise.all(["workers-1", "workers-2"].map(async (w) => (await live.exec(w, ["hostname"])).stdout.trim()));
            expect(hostnames).toContain(report!.worker);
        });

        it("holds each credential to what grants() gives it, on the live services", async () => {
            const backend = await live.env("backend");
            const worker = await live.env("workers-1");
            const migrate = await live.env((await engine.containers("^quorvex-dev-backend-migrate-"))[0].slice("quorvex-dev-".length));
            const out = (await project.outputs(true)) as Record<string, string>;
            const ok = (r: RunResult) => expect(r.code, said(r)).toBe(0);
            const refused = (r: RunResult, why: RegExp) => expect(r.stdout + r.stderr, said(r)).toMatch(why);
            // Postgres: the app reads and writes rows; the migration owns the schema; other teams read.
            ok(await psql(live, backend.POSTGRES_USER, backend.POSTGRES_PASSWORD, "INSERT INTO items (value) VALUES ('by the app role')"));
            refused(await psql(live, backend.POSTGRES_USER, backend.POSTGRES_PASSWORD, "CREATE TABLE probe (i int)"), /permission denied for schema public/);
            ok(await psql(live, migrate.POSTGRES_USER, migrate.POSTGRES_PASSWORD, "CREATE TABLE probe (i int); DROP TABLE probe"));
            refused(await psql(live, migrate.POSTGRES_USER, migrate.POSTGRES_PASSWORD, "CREATE ROLE intruder"), /permission denied to create role/);
            expect((await psql(live, out.postgresUser, out.postgresPassword, "SELECT count(*) > 0 FROM items")).stdout.trim()).toBe("t");
            refused(await psql(live, out.postgresUser, out.postgresPassword, "DELETE FROM items"), /permission denied for table items/);
            // Redis: no user, no access; the backend runs nothing dangerous; the workers keep to the queue's keys; other teams read.
            refused(await live.exec("redis", ["redis-cli", "-h", "127.0.0.1", "ping"]), /NOAUTH/);
            const userOf = (url: string) => new URL(url);
            const b = userOf(backend.REDIS_URL);
            const w = userOf(worker.REDIS_URL);
            const o = userOf(out.redisUrl);
            expect([b.username, w.username, o.username]).toEqual(["backend", "workers", "reader"]);
            expect((await redisCli(live, b.username, b.password, "SET", "ratelimit:probe", "1")).stdout.trim()).toBe("OK");
            refused(await redisCli(live, b.username, b.password, "FLUSHALL"), /NOPERM/);
            expect((await redisCli(live, w.username, w.password, "LLEN", "browser-jobs")).stdout.trim()).toMatch(/^\d+$/);
            refused(await redisCli(live, w.username, w.password, "GET", "ratelimit:probe"), /NOPERM/);
            expect((await redisCli(live, o.username, o.password, "LLEN", "browser-jobs")).stdout.trim()).toMatch(/^\d+$/);
            refused(await redisCli(live, o.username, o.password, "LPUSH", "browser-jobs", "x"), /NOPERM/);
            // MinIO: the backend does everything in the artifacts; the workers only put; other teams only read.
            ok(await mc(live, backend.MINIO_ACCESS_KEY, backend.MINIO_SECRET_KEY, ["pipe", "s/quorvex-artifacts/probe.txt"], "from the backend"));
            expect((await mc(live, backend.MINIO_ACCESS_KEY, backend.MINIO_SECRET_KEY, ["cat", "s/quorvex-artifacts/probe.txt"])).stdout).toBe(
                "from the backend",
            );
            refused(await mc(live, backend.MINIO_ACCESS_KEY, backend.MINIO_SECRET_KEY, ["ls", "s/quorvex-backups"]), /Access Denied|Insufficient permissions/);
            ok(await mc(live, worker.MINIO_ACCESS_KEY, worker.MINIO_SECRET_KEY, ["pipe", "s/quorvex-artifacts/probe-2.txt"], "from a worker"));
            refused(
                await mc(live, worker.MINIO_ACCESS_KEY, worker.MINIO_SECRET_KEY, ["cat", "s/quorvex-artifacts/probe.txt"]),
                /Access Denied|Insufficient permissions/,
            );
            expect((await mc(live, out.minioAccessKey, out.minioSecretKey, ["cat", "s/quorvex-artifacts/probe-2.txt"])).stdout).toBe("from a worker");
            refused(
                await mc(live, out.minioAccessKey, out.minioSecretKey, ["pipe", "s/quorvex-artifacts/probe-3.txt"], "other teams"),
                /Access Denied|Insufficient permissions/,
            );
        });

        it("changes nothing on the next preview", async () => {
            const preview = await noChanges();
            expect(preview.code, said(preview)).toBe(0);
        });

        it("adds a second pool beside the first: its worker takes a job for it from its own list, as its own Redis user, and the first pool is left alone", async () => {
            const ids = async () => Promise.all(["workers-1", "workers-2", "backend"].map(async (w) => (await live.inspect(w)).Id));
            const before = await ids();
            configure("workers.pools.firefox.replicas=1", "workers.pools.firefox.env.BROWSER_FILTER=firefox");
            await up();
            expect((await live.health())["workers-firefox-1"]).toBe("healthy");
            // Only the backend learns the new list: the first pool's workers stay as they were.
            const after = await ids();
            expect(after.slice(0, 2)).toEqual(before.slice(0, 2));
            expect(after[2]).not.toBe(before[2]);
            const firefox = await live.env("workers-firefox-1");
            expect(firefox).toMatchObject({ BROWSER_JOB_QUEUE: "browser-jobs-firefox", BROWSER_FILTER: "firefox" });
            const { id, queue } = await json<{ id: string; queue: string }>("/pools/firefox/jobs", ["--data-binary", "a job for firefox"]);
            expect(queue).toBe("browser-jobs-firefox");
            let report: { worker: string; payload: string } | undefined;
            for (let i = 0; i < 60 && !report; i++) {
                const r = await api(`/jobs/${id}`, ["-f"]);
                if (r.code === 0) report = JSON.parse(r.stdout) as typeof report;
                else await new Promise((res) => setTimeout(res, 500));
            }
            expect(report?.payload).toBe("a job for firefox");
            expect(report?.worker).toBe((await live.exec("workers-firefox-1", ["hostname"])).stdout.trim());
            // Its Redis user keeps to its own list; the first pool's cannot reach it.
            const own = new URL(firefox.REDIS_URL);
            const first = new URL((await live.env("workers-1")).REDIS_URL);
            expect(own.username).toBe("workers-firefox");
            expect((await redisCli(live, own.username, own.password, "LLEN", "browser-jobs-firefox")).stdout.trim()).toMatch(/^\d+$/);
            expect((await redisCli(live, own.username, own.password, "LLEN", "browser-jobs")).stdout + "").toMatch(/NOPERM/);
            expect((await redisCli(live, first.username, first.password, "LLEN", "browser-jobs-firefox")).stdout + "").toMatch(/NOPERM/);
            const preview = await noChanges();
            expect(preview.code, said(preview)).toBe(0);
        });

        it("removes the second pool again: its container goes, the first pool stays", async () => {
            settings.delete("workers.pools.firefox.replicas");
            settings.delete("workers.pools.firefox.env.BROWSER_FILTER");
            project.writeConfig([...settings.values()]);
            await up();
            const health = await live.health();
            expect(health["workers-firefox-1"]).toBeUndefined();
            for (const role of ["workers-1", "workers-2"]) expect(health[role], role).toBe("healthy");
        });

        it("runs the metrics exporters: published on the host's loopback only, each reading its service as its own user, with no permission refused", async () => {
            const admin = (await live.env("redis")).REDIS_PASSWORD;
            // Redis's log of refused commands, from here on: what the exporter will ask.
            expect((await redisCli(live, "admin", admin, "ACL", "LOG", "RESET")).stdout.trim()).toBe("OK");
            configure("exporters.enabled=true");
            await up();
            const health = await live.health();
            for (const role of ["redis-exporter", "postgres-exporter"]) expect(health[role], role).toBe("healthy");
            // Published on 127.0.0.1 alone.
            expect((await live.inspect("redis-exporter")).HostConfig.PortBindings).toEqual({ "9121/tcp": [{ HostIp: "127.0.0.1", HostPort: "9121" }] });
            expect((await live.inspect("postgres-exporter")).HostConfig.PortBindings).toEqual({ "9187/tcp": [{ HostIp: "127.0.0.1", HostPort: "9187" }] });
            // A list the exporter was not told of, as the admin fills it.
            const queued = await redisCli(live, "admin", admin, "LPUSH", "browser-jobs-exporter-check", "a", "b", "c");
            expect(queued.stdout.trim()).toBe("3");
            const scrape = async (port: number) => {
                const r = await live.curl(`http://127.0.0.1:${port}/metrics`, ["-f"]);
                expect(r.code, said(r)).toBe(0);
                return r.stdout;
            };
            const redis = await scrape(9121);
            expect(redis).toMatch(/^redis_up 1$/m);
            // maxmemory from INFO (75% of the 1536Mi limit), with CONFIG refused to the exporter's user.
            expect(redis).toMatch(/^redis_memory_max_bytes 1\.207959552e\+09$/m);
            expect(redis).toMatch(/^redis_key_size\{db="db0",key="browser-jobs"\} \d+$/m);
            // A list it was not told of is not reported (nor may its user read it).
            expect(redis).not.toContain('key="browser-jobs-exporter-check"');
            const postgres = await scrape(9187);
            expect(postgres).toMatch(/^pg_up 1$/m);
            expect(postgres).toMatch(/^pg_settings_max_connections\{[^}]*\} \d+$/m);
            expect(postgres).toMatch(/^pg_database_size_bytes\{datname="quorvex"[^}]*\} \d/m);
            // What each exporter asked of its service was granted: nothing refused in its log or Redis's ACL log.
            for (const role of ["redis-exporter", "postgres-exporter"]) {
                const logs = await engine.docker(["logs", live.name(role)]);
                expect(logs.stdout + logs.stderr, role).not.toMatch(/NOPERM|permission denied/i);
            }
            // SLOWLOG and MEMORY USAGE, which the exporter sends whatever it is told, are refused and skipped; nothing else is.
            const denied = await redisCli(live, "admin", admin, "ACL", "LOG", "100");
            const refused = [...denied.stdout.matchAll(/^object\n(\S+)$/gm)].map((m) => m[1]);
            expect(refused.length, denied.stdout).toBeGreaterThan(0);
            expect(
                [...new Set(refused)].filter((c) => !["slowlog|len", "slowlog|get", "memory|usage"].includes(c)),
                denied.stdout,
            ).toEqual([]);
            expect(
                [...denied.stdout.matchAll(/^username\n(\S+)$/gm)].every((m) => m[1] === "exporter"),
                denied.stdout,
            ).toBe(true);
            expect((await redisCli(live, "admin", admin, "DEL", "browser-jobs-exporter-check")).stdout.trim()).toBe("1");
            const preview = await noChanges();
            expect(preview.code, said(preview)).toBe(0);
        });

        it("removes the exporters again: their containers go, their ports close", async () => {
            settings.delete("exporters.enabled");
            project.writeConfig([...settings.values()]);
            await up();
            const health = await live.health();
            expect(health["redis-exporter"]).toBeUndefined();
            expect(health["postgres-exporter"]).toBeUndefined();
            expect((await live.curl("http://127.0.0.1:9121/metrics")).code).not.toBe(0);
        });

        it("back in standard mode, keeps every row written in workers mode", async () => {
            configure("mode=standard");
            await up();
            expect((await json<{ value: string }[]>("/items")).map((i) => i.value)).toEqual(
                expect.arrayContaining(["written in standard mode", "by the app role"]),
            );
            expect(await engine.containers("^quorvex-dev-workers-")).toEqual([]);
        });
    });

    describe("the days after", () => {
        it("an image bump runs the migration to completion before the new backend starts", async () => {
            configure(`images.backend=${BACKEND}:1.1.0`);
            await up();
            expect(await json("/whoami")).toMatchObject({ revision: "0002" });
            const migrate = await engine.inspect<{ State: { FinishedAt: string; ExitCode: number } }>(
                (await engine.containers("^quorvex-dev-backend-migrate-"))[0],
            );
            const backend = await live.inspect("backend");
            expect(migrate.State.ExitCode).toBe(0);
            expect(Date.parse(migrate.State.FinishedAt)).toBeLessThan(Date.parse(backend.Created));
        });

        it("a failing migration fails the up and leaves the old backend serving; the next up after the fix succeeds", async () => {
            const serving = (await live.inspect("backend")).Created;
            configure(`images.backend=${BACKEND}:1.2.0`);
            const failed = await tryUp();
            expect(failed.code).not.toBe(0);
            expect(failed.stdout + failed.stderr).toMatch(/task backend-migrate \(container quorvex-dev-backend-migrate-[0-9a-f]{8}\) exited with code 1/);
            expect((await live.inspect("backend")).Created).toBe(serving);
            expect(await json("/whoami")).toMatchObject({ revision: "0002" });
            configure(`images.backend=${BACKEND}:1.1.0`);
            await up();
            expect((await live.inspect("backend")).Created).toBe(serving);
            const preview = await noChanges();
            expect(preview.code, said(preview)).toBe(0);
        });

        it("rotating Redis's credentials rolls exactly Redis and its users, and the old passwords stop working", async () => {
            const old = new URL((await live.env("backend")).REDIS_URL);
            const created = async () =>
                Object.fromEntries(
                    await Promise.all(["postgres", "redis", "minio", "backend", "ingress"].map(async (r) => [r, (await live.inspect(r)).Created])),
                );
            const before = await created();
            configure("secrets.rotation.redis=2026-12");
            await up();
            const after = await created();
            const rolled = Object.keys(before).filter((r) => before[r] !== after[r]);
            expect(rolled.sort()).toEqual(["backend", "redis"]);
            // redis-cli reports the refused AUTH, then the server refuses the command.
            expect((await redisCli(live, old.username, old.password, "PING")).stdout).toMatch(/WRONGPASS|NOAUTH/);
            const fresh = new URL((await live.env("backend")).REDIS_URL);
            expect(fresh.password).not.toBe(old.password);
            expect((await redisCli(live, fresh.username, fresh.password, "PING")).stdout.trim()).toBe("PONG");
            expect(await json("/health/ready")).toEqual({ ready: true });
        });

        it("`npm run backup:docker` and `restore:docker` round-trip the database on the live stack", async () => {
            const env = { ...process.env, DOCKER_HOST: engine.host };
            const backup = await sh("bash scripts/backup-docker.sh --stack dev", { cwd: ROOT, env });
            expect(backup.code, said(backup)).toBe(0);
            const object = /to quorvex-backups\/(postgres\/\d{8}T\d{6}Z\.dump)/.exec(backup.stdout)?.[1];
            expect(object).toBeDefined();
            expect((await sh("bash scripts/backup-docker.sh --stack dev --list", { cwd: ROOT, env })).stdout).toContain(object!.split("/")[1]);
            await json("/items", ["--data-binary", "written after the backup"]);
            const restore = await sh(`bash scripts/restore-docker.sh --stack dev --object ${object} --yes`, { cwd: ROOT, env });
            expect(restore.code, said(restore)).toBe(0);
            await live.healthy("backend");
            const values = (await json<{ value: string }[]>("/items")).map((i) => i.value);
            expect(values).toContain("written in standard mode");
            expect(values).not.toContain("written after the backup");
            // The app's role reads and writes the restored tables as before.
            await json("/items", ["--data-binary", "written after the restore"]);
        });

        it("fails the up when the platform does not answer through the proxy, with the reason; passes again once it does", async () => {
            const check = (await project.exportState()).deployment.resources.find((r) => r.type === "command:local:Command")!.urn;
            await engine.ok(["pause", live.name("ingress")]);
            try {
                const failed = await tryUp(["--replace", check]);
                expect(failed.code).not.toBe(0);
                expect(failed.stdout + failed.stderr).toMatch(
                    /the platform does not answer at https:\/\/quorvex\.localhost\/health\/ready \(checked for 15 s\): .+/,
                );
            } finally {
                await engine.ok(["unpause", live.name("ingress")]);
            }
            const passed = await up(["--replace", check]);
            expect(passed.stdout).toMatch(/answers 200/);
        });

        it("fails the up when a new backend never becomes ready, from the entry check (its wait), naming where to look; the fix's up replaces it", async () => {
            configure("backend.readinessPath=/health/never");
            try {
                const failed = await tryUp();
                expect(failed.code).not.toBe(0);
                expect(failed.stdout + failed.stderr).toMatch(
                    /the platform does not answer at https:\/\/quorvex\.localhost\/health\/never \(checked for 15 s\): it answered HTTP \d+\s+Why: `docker ps -a --filter name=quorvex-dev-` \(each container's health\), `docker logs quorvex-dev-ingress`, `docker logs quorvex-dev-backend`\./,
                );
                // Left: the new, unready container (the old one was deleted first: the names are fixed).
                expect((await live.health()).backend).toMatch(/^(starting|unhealthy)$/);
            } finally {
                configure("backend.readinessPath=/health/ready");
            }
            const fixed = await up();
            expect(fixed.stdout).toMatch(/answers 200/);
            await live.healthy("backend", 15);
        });

        it("with the entry check off, fails the up when a new container never becomes healthy, after docker.healthWaitSeconds; the fix's up replaces it", async () => {
            configure("ingress.check.enabled=false", "docker.healthWaitSeconds=20", "backend.readinessPath=/health/never");
            try {
                const failed = await tryUp();
                expect(failed.code).not.toBe(0);
                expect(failed.stdout + failed.stderr).toMatch(
                    /docker:index:Container backend \*\*creating failed\*\*[\s\S]*container failed to be in healthy state/,
                );
                // Left: the new, unhealthy container (the old one was deleted first: the names are fixed).
                expect((await live.health()).backend).toMatch(/^(starting|unhealthy)$/);
            } finally {
                configure("ingress.check.enabled=true", "docker.healthWaitSeconds=300", "backend.readinessPath=/health/ready");
            }
            await up();
            await live.healthy("backend", 15);
            const preview = await noChanges();
            expect(preview.code, said(preview)).toBe(0);
        });

        it("`pulumi destroy` with protection on fails naming the volumes and keeps them and their data; with retainOnDelete alone it keeps them too", async () => {
            configure("protection.protect=true", "protection.retainOnDelete=true");
            await up();
            const volumes = ["quorvex-dev-minio-data", "quorvex-dev-postgres-data", "quorvex-dev-redis-data"];
            const refused = await project.run(["destroy", "--yes", "--skip-preview", "--stack", "dev"]);
            expect(refused.code).not.toBe(0);
            for (const v of ["minio-data", "postgres-data", "redis-data"])
                expect(refused.stdout + refused.stderr).toMatch(new RegExp(`${v}" cannot be deleted\\s+because it is protected`));
            // The containers go (they hold no data); the volumes stay, and the next up finds the data.
            expect(await engine.volumes()).toEqual(volumes);
            await up();
            expect((await json<{ value: string }[]>("/items")).map((i) => i.value)).toContain("written after the restore");
            configure("protection.protect=false");
            await up();
            await project.ok(["destroy", "--yes", "--skip-preview", "--stack", "dev"]);
            expect(await engine.containers("^quorvex-dev-")).toEqual([]);
            expect(await engine.volumes()).toEqual(volumes);
            configure("protection.retainOnDelete=false");
            await up();
            expect((await json<{ value: string }[]>("/items")).map((i) => i.value)).toContain("written after the restore");
        });

        it("`pulumi destroy` of the dev stack (no protection) leaves nothing: no container, volume or network", async () => {
            await project.ok(["destroy", "--yes", "--skip-preview", "--stack", "dev"]);
            expect(await engine.containers("^quorvex-dev-")).toEqual([]);
            expect(await engine.volumes()).toEqual([]);
            expect((await engine.ok(["network", "ls", "--format", "{{.Name}}"])).split("\n").filter((n) => n.startsWith("quorvex-dev"))).toEqual([]);
        });
    });

    describe("`npm run deploy:dev`, the README's own command, and every follow-up it gives", () => {
        let checkout: string;
        let env: NodeJS.ProcessEnv;
        /** A README command, run as a newcomer runs it: in the checkout, with the engine's DOCKER_HOST, in its namespace. */
        const readme = (command: string) => engine.inNetns("bash", ["-c", command], { cwd: checkout, env });
        const gitStatus = async () => (await sh("git status --porcelain", { cwd: checkout, env })).stdout;

        beforeAll(async () => {
            // Whatever the stack above left (its state is not this checkout's).
            await engine.clean();
            // A clone of what is tracked (the program, the scripts, the stack files), as a git checkout.
            checkout = fs.mkdtempSync(path.join(engine.tmp, "checkout-"));
            for (const entry of [...PROGRAM_ENTRIES, "scripts", "Pulumi.dev.yaml", "Pulumi.prod.yaml", ".gitignore"]) {
                fs.cpSync(path.join(ROOT, entry), path.join(checkout, entry), { recursive: true, filter: (src) => path.basename(src) !== "node_modules" });
            }
            fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(checkout, "node_modules"));
            fs.symlinkSync(path.join(ROOT, "policies", "node_modules"), path.join(checkout, "policies", "node_modules"));
            // The user's own Pulumi home (with its plugins) and CLI; the state is the script's own.
            const base = { ...project.command([]).env };
            delete base.PULUMI_BACKEND_URL;
            env = { ...base, DOCKER_HOST: engine.host, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" };
            const init = await sh("git init -q && git add -A && git commit -qm checkout", { cwd: checkout, env });
            expect(init.code, said(init)).toBe(0);
        });

        it("deploys the dev stack without a terminal, with this host's size, and leaves the checkout clean", async () => {
            const r = await readme("npm run -s deploy:dev");
            expect(r.code, said(r)).toBe(0);
            expect(r.stdout).toMatch(new RegExp(`this Docker host: ${host.cpus} CPUs`));
            expect(r.stdout).toMatch(/answers 200/);
            const health = await live.settled();
            for (const role of ["postgres", "redis", "minio", "backend", "ingress"]) expect(health[role], role).toBe("healthy");
            expect(await gitStatus()).toBe("");
        });

        it("takes every later README command as written: preview, config set and a re-run, outputs", async () => {
            const preview = await readme("npm run -s pulumi:dev -- preview --expect-no-changes");
            expect(preview.code, said(preview)).toBe(0);
            const set = await readme("npm run -s pulumi:dev -- config set --path quorvex:ingress.check.timeoutSeconds 20");
            expect(set.code, said(set)).toBe(0);
            const rerun = await readme("npm run -s deploy:dev");
            expect(rerun.code, said(rerun)).toBe(0);
            // The check's environment changed: it runs again.
            expect(rerun.stdout).toMatch(/ingress-check updated .*answers 200/);
            const host = await readme("npm run -s pulumi:dev -- stack output ingressHost");
            expect(host.stdout.trim()).toBe("quorvex.localhost");
            expect(await gitStatus()).toBe("");
        });

        it("removes everything with `destroy` and `stack rm`, and keeps the tracked stack file", async () => {
            const destroy = await readme("npm run -s pulumi:dev -- destroy --yes");
            expect(destroy.code, said(destroy)).toBe(0);
            expect(await engine.containers("^quorvex-dev-")).toEqual([]);
            expect(await engine.volumes()).toEqual([]);
            const rm = await readme("npm run -s pulumi:dev -- stack rm --yes");
            expect(rm.code, said(rm)).toBe(0);
            expect(fs.existsSync(path.join(checkout, ".pulumi-state", "Pulumi.dev.yaml"))).toBe(false);
            expect(await gitStatus()).toBe("");
        });

        it("deploys from a terminal too (`-- --yes` answers its question), and a re-run after `stack rm` starts afresh", async () => {
            const r = await readme("script -qec 'npm run -s deploy:dev -- --yes' /dev/null");
            expect(r.code, said(r)).toBe(0);
            expect((await live.settled()).backend).toBe("healthy");
            const destroy = await readme("npm run -s pulumi:dev -- destroy --yes && npm run -s pulumi:dev -- stack rm --yes");
            expect(destroy.code, said(destroy)).toBe(0);
            expect(await engine.containers("^quorvex-dev-")).toEqual([]);
            expect(await gitStatus()).toBe("");
        });
    });
});
