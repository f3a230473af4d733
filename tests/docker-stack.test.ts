/**
 * The dev stack on one Docker host, standard and workers mode: what runs,
 * with which limits, on which network, in which order, wired to what.
 */
import { describe, expect, it } from "vitest";
import { readBack } from "./docker-provider-model";
import { all, DEV, DEV_WORKERS, envOf, inputs, labelsOf, merge, one, stack, T } from "./helpers";
import { isSecretWrapper } from "../tools/harness";

const COMPONENTS = ["Backend", "BrowserWorkerPool", "Postgres", "Redis", "MinIO", "Ingress"].map((c) => `quorvex:platform:${c}`);

describe("dev stack, standard mode", async () => {
    const run = await stack("dev", DEV);
    const containers = all(run, T.container);
    const backend = one(run, T.container, "backend");

    it("holds the six components, each with its Docker children", () => {
        for (const type of COMPONENTS)
            expect(
                run.resources.filter((r) => r.type === type),
                type,
            ).toHaveLength(1);
        for (const parent of ["Postgres::postgres", "Redis::redis", "MinIO::minio", "Backend::backend", "Ingress::ingress"]) {
            expect(
                containers.some((c) => c.parent === `quorvex:platform:${parent}`),
                parent,
            ).toBe(true);
        }
    });

    it("gives every container a memory limit in MB, a healthcheck or a run-to-completion, restart policy, log rotation and labels", () => {
        for (const c of containers) {
            const i = inputs(c);
            expect(i.memory, c.name).toBeGreaterThan(0);
            expect(i.logDriver).toBe("json-file");
            expect(i.logOpts).toEqual({ "max-size": "10m", "max-file": "5" });
            expect(labelsOf(c)["app.kubernetes.io/part-of"]).toBe("quorvex");
            if (i.attach) {
                expect(i.restart, c.name).toBe("no");
            } else {
                expect(i.restart, c.name).toBe("unless-stopped");
                expect(i.healthcheck.tests.length, c.name).toBeGreaterThan(1);
                // What comes after the backend, Postgres and MinIO waits for them itself (see below).
                expect(i.wait, `${c.name} waits for healthy`).toBe(!["backend", "postgres", "minio"].includes(c.name));
            }
        }
    });

    it("runs the standard backend with browsers: 24GB, shm 2048 MB, marked for the policy pack", () => {
        const i = inputs(backend);
        expect(i.memory).toBe(24 * 1024);
        expect(i.shmSize).toBe(2048);
        expect(labelsOf(backend)["quorvex.io/runs-browsers"]).toBe("true");
        expect(envOf(backend).EXECUTION_MODE).toBe("standard");
    });

    it("never publishes the VNC port: only the proxy reaches it, over the app network", () => {
        expect(inputs(backend).ports).toEqual([]);
        const proxy = one(run, T.container, "ingress");
        const conf = envOf(proxy).NGINX_CONF;
        expect(conf).toContain("location /vnc/");
        expect(conf).toContain("set $ws_upstream http://backend:6080;");
        expect(conf).toContain("proxy_set_header Upgrade $http_upgrade;");
    });

    it("publishes only the proxy, on 127.0.0.1 by default", () => {
        const published = containers.filter((c) => (inputs(c).ports ?? []).length > 0);
        expect(published.map((c) => c.name)).toEqual(["ingress"]);
        expect(inputs(published[0]).ports).toEqual([
            { internal: 8080, external: 80, ip: "127.0.0.1" },
            { internal: 8443, external: 443, ip: "127.0.0.1" },
        ]);
    });

    it("keeps the data services on the internal data network only", () => {
        const data = one(run, T.network, "quorvex-dev-data");
        expect(inputs(data).internal).toBe(true);
        expect(inputs(one(run, T.network, "quorvex-dev-app")).internal).toBeUndefined();
        for (const name of ["postgres", "redis", "minio"]) {
            expect((inputs(one(run, T.container, name)).networksAdvanced as { name: string }[]).map((n) => n.name)).toEqual(["quorvex-dev-data"]);
        }
        expect((inputs(backend).networksAdvanced as { name: string }[]).map((n) => n.name)).toEqual(["quorvex-dev-data", "quorvex-dev-app"]);
        expect((inputs(one(run, T.container, "ingress")).networksAdvanced as { name: string }[]).map((n) => n.name)).toEqual(["quorvex-dev-app"]);
    });

    it("stores Postgres, Redis and MinIO data on named volumes", () => {
        for (const name of ["postgres", "redis", "minio"]) {
            const volume = one(run, T.volume, `${name}-data`);
            const mounts = inputs(one(run, T.container, name)).volumes as { volumeName: string; containerPath: string }[];
            expect(mounts).toHaveLength(1);
            expect(mounts[0].volumeName).toBe(inputs(volume).name);
        }
    });

    it("configures Redis as a queue that neither evicts nor loses jobs", () => {
        const cmd = (inputs(one(run, T.container, "redis")).entrypoints as string[]).join(" ");
        expect(cmd).toContain("--appendonly yes");
        expect(cmd).toContain("--maxmemory-policy noeviction");
        expect(cmd).toMatch(/--maxmemory 1152mb/); // 75% of 1.5GB, below the container limit
        expect(cmd).not.toMatch(/--requirepass pw/); // the password is expanded inside the container
        expect(cmd).toContain("exec docker-entrypoint.sh redis-server"); // which drops root for the redis user
    });

    it("starts the backend after Postgres, Redis and MinIO are healthy and the migration succeeded", () => {
        expect(backend.options.dependsOn).toEqual(
            expect.arrayContaining([
                `${T.container}::postgres`,
                `${T.container}::redis`,
                `${T.container}::minio`,
                `${T.container}::backend-migrate`,
                `${T.container}::minio-buckets`,
            ]),
        );
        // Through dependencies only: no input of the backend is fed by a task's outcome, so re-running
        // a task never makes the engine delete the running backend first.
        expect(Object.keys(labelsOf(backend)).filter((l) => l.startsWith("quorvex.io/after"))).toEqual([]);
        expect(JSON.stringify(inputs(backend))).not.toMatch(/succeeded/);
    });

    it("lets the entry check wait for the backend's readiness (every 2 s), not Docker's first health check one interval after its start", async () => {
        expect(inputs(backend)).toMatchObject({ wait: false, restart: "unless-stopped" });
        expect(inputs(one(run, "command:local:Command", "ingress-check")).environment.CHECK_URL).toBe("https://quorvex.localhost/health/ready");
        // The failure names where to look, since no container wait reported it.
        expect(inputs(one(run, "command:local:Command", "ingress-check")).environment.CHECK_HINT).toBe(
            "Why: `docker ps -a --filter name=quorvex-dev-` (each container's health), `docker logs quorvex-dev-ingress`, `docker logs quorvex-dev-backend`.",
        );
        // Without the check, `up` waits for the backend's health as for every service.
        const unchecked = await stack("dev", merge(DEV, { ingress: { check: { enabled: false } } }));
        expect(inputs(one(unchecked, T.container, "backend"))).toMatchObject({ wait: true, waitTimeout: 300 });
    });

    it("creates Postgres and MinIO without waiting for their health: their setup tasks wait for them each second, and every other user of them but the exporter comes after those tasks", async () => {
        for (const config of [DEV, merge(DEV_WORKERS, { exporters: { enabled: true } })]) {
            const plan = await stack("dev", config);
            const setup = { postgres: "postgres-roles", minio: "minio-buckets" } as const;
            for (const [service, task] of Object.entries(setup)) {
                expect(inputs(one(plan, T.container, service)).wait, service).toBe(false);
                const users = all(plan, T.container).filter((c) => c.options.dependsOn?.includes(`${T.container}::${service}`));
                expect(users.map((c) => c.name)).toContain(task);
                for (const c of users.filter((u) => u.name !== task && !u.name.endsWith("-exporter")))
                    expect(c.options.dependsOn, `${c.name} uses ${service}`).toContain(`${T.container}::${task}`);
            }
            expect(inputs(one(plan, T.container, "minio-buckets")).entrypoints[2]).toMatch(/until mc admin info quorvex >\/dev\/null 2>&1; do/);
            expect(inputs(one(plan, T.container, "postgres-roles")).entrypoints[2]).toMatch(
                /until reason=\$\(PGCONNECT_TIMEOUT=2 psql -X -q -t -c 'SELECT 1' 2>&1 >\/dev\/null\); do/,
            );
        }
    });

    it("starts the proxy beside the backend, not after its health: nginx resolves the backend at each request; the entry check waits for both", () => {
        const proxy = one(run, T.container, "ingress");
        expect(proxy.options.dependsOn).not.toContain(`${T.container}::backend`);
        expect(envOf(proxy).NGINX_CONF).toContain("resolver 127.0.0.11 valid=10s ipv6=off;");
        expect(envOf(proxy).NGINX_CONF).toContain("proxy_pass $api_upstream;");
        const check = one(run, "command:local:Command", "ingress-check");
        expect(check.options.dependsOn).toContain(`${T.container}::ingress`);
        expect(inputs(check).triggers).toEqual(["ingress-id,backend-id"]); // the mocks' ids: a new proxy or backend runs it again
    });

    it("replaces the image's entrypoint with a spec's command, as Kubernetes does (minio/mc's entrypoint is mc)", () => {
        const task = inputs(one(run, T.container, "minio-buckets"));
        expect(task.entrypoints.slice(0, 2)).toEqual(["sh", "-c"]);
        expect(task.command).toBeUndefined();
        expect(inputs(backend).entrypoints).toBeUndefined(); // the backend runs its image's own
    });

    it("runs `alembic upgrade head` with the backend image, once per image", () => {
        const migrate = inputs(one(run, T.container, "backend-migrate"));
        expect(migrate.entrypoints).toEqual(["alembic", "upgrade", "head"]);
        expect(migrate.image).toBe(inputs(backend).image);
        expect(migrate).toMatchObject({ attach: true, mustRun: false, restart: "no" });
        expect(migrate.name).toMatch(/^quorvex-dev-backend-migrate-[0-9a-f]{8}$/);
    });

    it("gives the backend the archive days and a MinIO lifecycle of totalDays - hotDays", () => {
        expect(envOf(backend)).toMatchObject({ ARCHIVE_HOT_DAYS: "30", ARCHIVE_TOTAL_DAYS: "90" });
        const script = (inputs(one(run, T.container, "minio-buckets")).entrypoints as string[])[2];
        expect(script).toContain("mc mb --ignore-existing quorvex/quorvex-artifacts");
        expect(script).toContain('"Expiration":{"Days":60}');
    });

    it("wires the backend to the services it depends on, each with the backend's own credential, never a root one", () => {
        const env = envOf(backend);
        const pg = one(run, T.container, "postgres");
        const pgEnv = envOf(pg);
        const roles = envOf(all(run, T.container).find((c) => c.name.startsWith("postgres-roles"))!);
        const pgAlias = (inputs(pg).networksAdvanced as { aliases: string[] }[])[0].aliases[0];
        expect(env.POSTGRES_HOST).toBe(pgAlias);
        expect(env.POSTGRES_USER).toBe("quorvex_app");
        // The password the roles task gives the backend's role, not the superuser's.
        expect(env.POSTGRES_PASSWORD).toBe(roles.ROLE_PASSWORD_BACKEND);
        expect(env.POSTGRES_PASSWORD).not.toBe(pgEnv.POSTGRES_PASSWORD);
        expect(env.DATABASE_URL).toBe(`postgresql://quorvex_app:${env.POSTGRES_PASSWORD}@${pgAlias}:5432/${pgEnv.POSTGRES_DB}`);
        const redisEnv = envOf(one(run, T.container, "redis"));
        expect(env.REDIS_URL).toBe(`redis://backend:${redisEnv.USER_PASSWORD_BACKEND}@redis:6379/0`);
        expect(env.REDIS_URL).not.toContain(redisEnv.REDIS_PASSWORD);
        const minioEnv = envOf(one(run, T.container, "minio"));
        const setup = envOf(all(run, T.container).find((c) => c.name.startsWith("minio-buckets"))!);
        expect(env.MINIO_ACCESS_KEY).toBe("backend");
        expect(env.MINIO_SECRET_KEY).toBe(setup.USER_SECRET_BACKEND);
        expect(env.MINIO_SECRET_KEY).not.toBe(minioEnv.MINIO_ROOT_PASSWORD);
        expect(env.MINIO_ENDPOINT).toBe("http://minio:9000");
    });

    it("keeps every generated password secret in env vars and outputs", () => {
        for (const c of containers) {
            const envs = c.inputs.envs as unknown;
            const hasSecret = Object.values(envOf(c)).some((v) => run.generatedSecrets.some((s) => v.includes(s)));
            if (hasSecret) expect(JSON.stringify(envs)).toContain("1b47061264138c4ac30d75fd1eb44270");
        }
        for (const name of ["postgresPassword", "databaseUrl", "redisUrl", "minioSecretKey"]) expect(run.outputs[name].secret, name).toBe(true);
    });

    it("has an empty worker pool unless workers are asked to run beside the backend", () => {
        expect(containers.filter((c) => c.parent === "quorvex:platform:BrowserWorkerPool::workers")).toHaveLength(0);
        expect(run.outputs.workerPoolMaxReplicas.value).toBe(0);
    });

    it("does not protect a laptop's volumes, so `pulumi destroy` cleans up", () => {
        for (const v of all(run, T.volume)) expect(v.options).toMatchObject({ protect: false, retainOnDelete: false });
    });
});

describe("dev stack, workers mode", async () => {
    const run = await stack("dev", DEV_WORKERS);
    const workers = all(run, T.container).filter((c) => c.parent === "quorvex:platform:BrowserWorkerPool::workers");

    it("runs N browser workers of 2048 MB with 1024 MB of shm, beside a 4GB slim backend", () => {
        expect(workers.map((w) => w.name)).toEqual(["workers-1", "workers-2", "workers-3", "workers-4"]);
        for (const w of workers) {
            expect(inputs(w)).toMatchObject({ memory: 2048, shmSize: 1024, cpus: "2.0", init: true });
            expect(labelsOf(w)["quorvex.io/runs-browsers"]).toBe("true");
        }
        const backend = inputs(one(run, T.container, "backend"));
        expect(backend.memory).toBe(4096);
        expect(backend.shmSize).toBeUndefined();
        expect(backend.image).toBe("ghcr.io/quorvex/quorvex-backend-slim:1.0.0");
    });

    it("feeds the workers from the same Redis queue the backend writes to, as their own user", () => {
        const backendEnv = envOf(one(run, T.container, "backend"));
        const redisEnv = envOf(one(run, T.container, "redis"));
        for (const w of workers) {
            const env = envOf(w);
            // The same Redis and queue, as the workers' own ACL user.
            expect(env.REDIS_URL).toBe(`redis://workers:${redisEnv.USER_PASSWORD_WORKERS}@redis:6379/0`);
            expect(env.BROWSER_JOB_QUEUE).toBe(backendEnv.BROWSER_JOB_QUEUE);
            expect(env.BACKEND_URL).toBe("http://backend:8000");
            expect(env.DATABASE_URL).toBeUndefined(); // least privilege: workers never see the database
        }
    });

    it("does not route VNC in workers mode", () => {
        expect(envOf(one(run, T.container, "ingress")).NGINX_CONF).not.toContain("/vnc/");
    });
});

describe("dev stack variants", () => {
    it("publishes the data services only on 127.0.0.1 when asked", async () => {
        const run = await stack("dev", merge(DEV, { docker: { publishDataPorts: true } }));
        const pg = inputs(one(run, T.container, "postgres"));
        expect(pg.ports).toEqual([{ internal: 5432, external: 5432, ip: "127.0.0.1" }]);
        // Docker maps no port of an endpoint on an internal network: the data services get a second,
        // non-internal network for the mapping, and keep their internal one for traffic.
        const nets = Object.fromEntries(all(run, T.network).map((n) => [inputs(n).name, inputs(n)]));
        const attached = (pg.networksAdvanced as { name: string }[]).map((n) => n.name);
        expect(attached).toEqual(["quorvex-dev-data", "quorvex-dev-publish"]);
        expect(nets["quorvex-dev-data"].internal).toBe(true);
        expect(nets["quorvex-dev-publish"].internal).toBeUndefined();
        expect((inputs(one(run, T.container, "backend")).networksAdvanced as { name: string }[]).map((n) => n.name)).not.toContain("quorvex-dev-publish");
        const off = await stack("dev", DEV);
        expect(all(off, T.network).map((n) => inputs(n).name)).toEqual(["quorvex-dev-data", "quorvex-dev-app"]);
    });

    it("renames the migration container when the backend image changes, so the migration runs again", async () => {
        const a = await stack("dev", DEV);
        const b = await stack("dev", merge(DEV, { images: { backend: "ghcr.io/quorvex/quorvex-backend:1.0.1" } }));
        expect(inputs(one(a, T.container, "backend-migrate")).name).not.toBe(inputs(one(b, T.container, "backend-migrate")).name);
        expect(inputs(one(a, T.container, "minio-buckets")).name).toBe(inputs(one(b, T.container, "minio-buckets")).name);
    });

    it("re-applies the MinIO lifecycle when the archive days change", async () => {
        const a = await stack("dev", DEV);
        const b = await stack("dev", merge(DEV, { archive: { hotDays: 14, totalDays: 60 } }));
        const task = (r: typeof a) => inputs(one(r, T.container, "minio-buckets"));
        expect(task(a).name).not.toBe(task(b).name);
        expect(task(b).entrypoints[2]).toContain('"Expiration":{"Days":46}');
    });
});

describe("dev stack on every later `pulumi up`", () => {
    const modes = [
        { mode: "standard", config: DEV },
        { mode: "workers", config: DEV_WORKERS },
        { mode: "standard with TLS", config: merge(DEV, { ingress: { tls: { mode: "selfSigned" } } }) },
    ];

    it.each(modes)("sends every container in the form the provider reads back, so a no-change up replaces nothing ($mode)", async ({ config }) => {
        const run = await stack("dev", config);
        for (const c of all(run, T.container)) {
            const sent = inputs(c);
            const stored = readBack(sent);
            const compared = (x: typeof sent) => ({ cpus: x.cpus, healthcheck: x.healthcheck, capabilities: x.capabilities });
            expect(compared(sent), c.name).toEqual(compared(stored));
        }
    });

    it("pulls only images a container runs: no browser-worker image in standard mode", async () => {
        const run = await stack("dev", DEV);
        const used = new Set(all(run, T.container).map((c) => inputs(c).image));
        expect(
            all(run, T.remoteImage)
                .map((i) => inputs(i).name)
                .filter((n) => !used.has(n)),
        ).toEqual([]);
        expect(all(run, T.remoteImage).length).toBe(used.size);
    });

    it("keeps task output out of the state, and tells how to re-run a failed task", async () => {
        const run = await stack("dev", DEV);
        for (const t of all(run, T.container).filter((c) => inputs(c).attach)) expect(inputs(t).logs, t.name).toBe(false);
    });

    it("drops every capability but those the data services' entrypoints need to drop to their users, named as Docker reports them", async () => {
        const run = await stack("dev", DEV);
        const caps = Object.fromEntries(all(run, T.container).map((c) => [c.name, inputs(c).capabilities]));
        const entrypoint = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_SETGID", "CAP_SETUID"];
        // Postgres's start script (root) stops the server (the postgres user) with SIGINT: that takes KILL.
        expect(caps.postgres).toEqual({ drops: ["ALL"], adds: [...entrypoint, "CAP_KILL"] });
        expect(caps.redis).toEqual({ drops: ["ALL"], adds: entrypoint });
        expect(caps.minio).toEqual({ drops: ["ALL"] });
        for (const name of ["backend", "ingress", "backend-migrate", "minio-buckets"]) expect(caps[name], name).toEqual({ drops: ["ALL"] });
    });

    it("never replaces a container for the log options a daemon adds to it (its daemon.json's), which the provider reads back", async () => {
        const run = await stack("dev", DEV_WORKERS);
        for (const c of all(run, T.container)) {
            expect(inputs(c).logOpts, c.name).toEqual({ "max-size": "10m", "max-file": "5" });
            // A real engine started with `--log-opt compress=true` replaced every container on every up.
            expect(c.options.ignoreChanges, c.name).toContain("logOpts");
        }
    });

    it("checks starting containers at docker.healthStartInterval only where the stack says the engine has it", async () => {
        const plain = await stack("dev", DEV);
        for (const c of all(plain, T.container).filter((x) => inputs(x).healthcheck)) expect(inputs(c).healthcheck.startInterval, c.name).toBeUndefined();
        const quick = await stack("dev", merge(DEV, { docker: { healthStartInterval: 1 } }));
        for (const c of all(quick, T.container).filter((x) => inputs(x).healthcheck)) {
            expect(inputs(c).healthcheck).toMatchObject({ interval: "10s", startInterval: "1s" });
        }
    });

    it("replaces a service's container when its healthcheck changes: Docker cannot change a live one, and the provider's update did nothing", async () => {
        const run = await stack("dev", DEV_WORKERS);
        for (const c of all(run, T.container).filter((x) => inputs(x).healthcheck)) {
            expect(c.options.replaceOnChanges, c.name).toEqual(["healthcheck"]);
            // The engine replaces create-first unless told: the new container's name was still taken.
            expect(c.options.deleteBeforeReplace, c.name).toBe(true);
        }
    });

    it("caps every limit above the host's at the host's (docker.hostCpus, hostMemory), and says so naming the key", async () => {
        const { resolveConfig } = await import("../config/load");
        const small = merge(DEV, { docker: { hostCpus: 2, hostMemory: "16Gi" } });
        const { warnings } = resolveConfig(small);
        expect(warnings).toContain(
            "quorvex:backend.resources.cpu.limit = 8: above the Docker host's 2 CPUs (quorvex:docker.hostCpus); its containers get 2, the whole host (Docker refuses more)",
        );
        expect(warnings).toContain(
            "quorvex:backend.resources.memory.limit = 24576Mi: above the Docker host's 16384Mi (quorvex:docker.hostMemory); its containers get 16384Mi, the whole host",
        );
        expect(warnings.filter((w) => w.includes("docker.hostCpus"))).toHaveLength(1); // postgres (2), the rest fit
        const run = await stack("dev", small);
        const backend = inputs(one(run, T.container, "backend"));
        // A real 2-CPU engine refused "8.0" after 40 resources existed ("Range of CPUs is from 0.01 to 2.00").
        expect(backend).toMatchObject({ cpus: "2.0", memory: 16384, memorySwap: 16384, memoryReservation: 4096 });
        expect(inputs(one(run, T.container, "postgres")).cpus).toBe("2.0");
        // The seed's recommended host (8 CPUs, 32Gi) holds every default as it is.
        expect(resolveConfig(DEV).warnings).toEqual([]);
        expect(inputs(one(await stack("dev", DEV), T.container, "backend")).cpus).toBe("8.0");
    });

    it("runs MinIO as its own user on a read-only root, after a root task with CHOWN alone has handed it the volume", async () => {
        const run = await stack("dev", DEV);
        const minio = one(run, T.container, "minio");
        const owner = one(run, T.container, "minio-data-owner");
        // The image has no USER and its entrypoint does not drop: it would run as root.
        expect(inputs(minio)).toMatchObject({ user: "1000:1000", readOnly: true, tmpfs: { "/tmp": "rw,noexec,nosuid,size=256m" } });
        expect(inputs(owner)).toMatchObject({
            user: "0:0",
            entrypoints: ["chown", "-R", "1000:1000", "/data"],
            capabilities: { drops: ["ALL"], adds: ["CAP_CHOWN", "CAP_DAC_READ_SEARCH"] },
            attach: true,
        });
        expect(inputs(owner).volumes).toEqual(inputs(minio).volumes);
        expect(minio.options.dependsOn).toContain(`docker:index/container:Container::minio-data-owner`);
        // It talks to nothing, so it joins no network (and waits for none: it runs while they are made).
        expect(inputs(owner).networkMode).toBe("none");
        expect(inputs(owner).networksAdvanced).toBeUndefined();
        // Postgres and Redis start as root through entrypoints that drop to their users.
        for (const name of ["postgres", "redis"]) expect(inputs(one(run, T.container, name)).user, name).toBeUndefined();
    });

    it("keeps the Postgres image's data folder in memory for the roles task: no anonymous volume per run", async () => {
        const run = await stack("dev", DEV);
        expect(inputs(one(run, T.container, "postgres-roles")).tmpfs).toMatchObject({ "/var/lib/postgresql/data": "rw,noexec,nosuid,size=256m" });
    });

    it("weights CPU under contention by request, and gives Postgres a /dev/shm for parallel queries", async () => {
        const run = await stack("dev", DEV);
        const pg = inputs(one(run, T.container, "postgres"));
        expect(pg.shmSize).toBe(256);
        expect(pg.cpuShares).toBe(512); // 500m requested
        for (const c of all(run, T.container)) expect(inputs(c).cpuShares, c.name).toBeGreaterThanOrEqual(2);
    });

    it("hands the proxy its key as a secret env value and uploads nothing: its root filesystem is read-only", async () => {
        const run = await stack("dev", merge(DEV, { ingress: { tls: { mode: "selfSigned" } } }));
        const proxy = one(run, T.container, "ingress");
        // No upload: the Docker provider of 5.1 and before has no upload owner, so an uploaded key
        // was root's and unreadable by nginx's user (a real engine showed the proxy restart-looping).
        expect(inputs(proxy).uploads).toBeUndefined();
        expect(inputs(proxy).readOnly).toBe(true);
        expect(inputs(proxy).user).toBe("101:101");
        expect(inputs(proxy).tmpfs).toEqual({ "/tmp": "rw,noexec,nosuid,size=256m" });
        const envs = proxy.inputs.envs;
        expect(isSecretWrapper(envs) || (envs as unknown[]).some((e) => isSecretWrapper(e) && String(e.value).startsWith("TLS_KEY="))).toBe(true);
        expect(envOf(proxy).TLS_KEY).toMatch(/^-----BEGIN/);
        expect(envOf(proxy).TLS_CERT).toMatch(/^-----BEGIN CERTIFICATE/);
    });

    it("always talks to Docker through one explicit provider, so setting docker.host later changes no resource's provider", async () => {
        const ambient = await stack("dev", DEV);
        const remote = await stack("dev", merge(DEV, { docker: { host: "ssh://deploy@build-1" } }));
        const providerOf = (r: typeof ambient) => r.resources.filter((x) => x.type === "pulumi:providers:docker").map((x) => x.name);
        expect(providerOf(ambient)).toEqual(["quorvex-dev-provider"]);
        expect(providerOf(remote)).toEqual(providerOf(ambient));
        for (const n of all(ambient, T.network)) expect(n.options.deleteBeforeReplace, n.name).toBe(true);
    });

    it("labels each container with a hash of its plain config, so a PR preview shows why a container changes", async () => {
        const a = await stack("dev", DEV);
        const b = await stack("dev", merge(DEV, { archive: { hotDays: 14, totalDays: 60 } }));
        const c = await stack("dev", merge(DEV, { ingress: { maxBodySize: "1g" } }));
        const hash = (r: typeof a, name: string) => labelsOf(one(r, T.container, name))["quorvex.io/config-hash"];
        expect(hash(a, "backend")).toMatch(/^[0-9a-f]{8}$/);
        expect(hash(b, "backend")).not.toBe(hash(a, "backend")); // ARCHIVE_HOT_DAYS changed
        expect(hash(b, "postgres")).toBe(hash(a, "postgres"));
        expect(hash(c, "ingress")).not.toBe(hash(a, "ingress")); // nginx.conf changed
        expect(hash(c, "backend")).toBe(hash(a, "backend"));
    });
});
