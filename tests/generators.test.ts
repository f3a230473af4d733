/**
 * Values that reach another language stay data there. For each generator of a
 * script or config that embeds config values, a property: any value the config
 * schema accepts produces text the real tool takes (the shell, nginx, psql on a
 * real server, redis-server), with the value intact. And the probe that runs in
 * a container's shell takes even a value the schema would refuse as data.
 */
import { spawnSync } from "child_process";
import * as fc from "fast-check";
import * as fs from "fs";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { setupScript, type MinioUser } from "../components/minio";
import { rolesScript, type PostgresRole } from "../components/postgres";
import { redisServe, userPasswordVar, type RedisUser, REDIS_ACCESS } from "../components/redis";
import { bucket, databaseName, hostname, httpPath, redisKeyPattern, roleBase } from "../config/fields";
import { renderNginxConf } from "../targets/docker/nginx";
import { HTTP_PROBE } from "../targets/docker/target";
import { initdb, POSTGRES_NEEDED, psql, startServer } from "./real-postgres";
import { tempFolders } from "./temp";

const scratch = tempFolders();
/** Strings matching `pattern` that the config field accepts as a whole. */
const accepted = (field: z.ZodType, pattern: RegExp) => fc.stringMatching(pattern).filter((v) => field.safeParse(v).success);

/** A folder whose `name` records each call's arguments (NUL-separated, one call a line) and stdin. */
function recorder(name: string): { bin: string; calls: () => string[][]; stdin: () => string[] } {
    const bin = scratch("quorvex-rec-");
    const log = path.join(bin, "calls");
    const input = path.join(bin, "stdin");
    fs.writeFileSync(
        path.join(bin, name),
        `#!/bin/sh\nfor a; do printf '%s\\0' "$a"; done >> "${log}"\necho >> "${log}"\nif [ ! -t 0 ]; then cat >> "${input}"; printf '\\n---\\n' >> "${input}"; fi\n`,
        { mode: 0o755 },
    );
    return {
        bin,
        calls: () =>
            fs.existsSync(log)
                ? fs
                      .readFileSync(log, "utf8")
                      .split("\n")
                      .filter(Boolean)
                      .map((l) => l.split("\0").slice(0, -1))
                : [],
        stdin: () => (fs.existsSync(input) ? fs.readFileSync(input, "utf8").split("\n---\n").slice(0, -1) : []),
    };
}

describe("the Docker health probe, run by the real shell", () => {
    const probe = (url: string) => {
        const curl = recorder("curl");
        const marker = path.join(curl.bin, "pwned");
        const r = spawnSync("sh", ["-c", HTTP_PROBE, "probe", url.replaceAll("MARKER", marker)], { env: { PATH: `${curl.bin}:/usr/bin:/bin` } });
        return { status: r.status, calls: curl.calls(), pwned: fs.existsSync(marker), marker };
    };

    it("hands curl any path the config accepts as one argument, intact", () => {
        fc.assert(
            fc.property(accepted(httpPath, /^\/[A-Za-z0-9._~%/-]{0,40}$/), (p) => {
                const url = `http://127.0.0.1:8000${p}`;
                const r = probe(url);
                expect(r.status).toBe(0);
                expect(r.calls).toEqual([["-fsS", "-o", "/dev/null", url]]);
            }),
            { numRuns: 200 },
        );
    });

    it("keeps even text the config refuses as data: no command in it runs", () => {
        for (const hostile of [
            "/health;touch MARKER",
            "/h$(touch MARKER)",
            "/h`touch MARKER`",
            "/a|touch MARKER",
            "/a' ; touch MARKER; '",
            '/a" ; touch MARKER; "',
        ]) {
            const r = probe(`http://127.0.0.1:8000${hostile}`);
            expect(r.pwned, hostile).toBe(false);
            expect(r.calls[0][3], hostile).toBe(`http://127.0.0.1:8000${hostile.replaceAll("MARKER", r.marker)}`);
        }
    });
});

describe("MinIO's setup script, run by the real shell with mc recorded", () => {
    const users: MinioUser[] = [{ name: "backend", grants: [] }];

    it("creates exactly the buckets the config names, and hands mc policies that are JSON naming them", () => {
        fc.assert(
            fc.property(
                fc.uniqueArray(accepted(bucket, /^[a-z0-9][a-z0-9.-]{1,20}[a-z0-9]$/), { minLength: 1, maxLength: 2 }),
                fc.integer({ min: 1, max: 36500 }),
                (names, days) => {
                    const mc = recorder("mc");
                    const tmp = scratch("quorvex-setup-");
                    const grants: MinioUser[] = [{ name: "backend", grants: names.map((b) => ({ bucket: b, access: "full" as const })) }];
                    const script = setupScript(
                        "quorvex",
                        names.map((name) => ({ name, expireDays: days })),
                        grants.length ? grants : users,
                    );
                    expect(spawnSync("sh", ["-n", "-c", script]).status).toBe(0);
                    const r = spawnSync("sh", ["-c", script], {
                        env: {
                            PATH: `${mc.bin}:/usr/bin:/bin`,
                            TMPDIR: tmp,
                            MINIO_ENDPOINT: "http://minio:9000",
                            MINIO_ACCESS_KEY: "root",
                            MINIO_SECRET_KEY: "rootsecret",
                            USER_SECRET_BACKEND: "s3cr3t",
                        },
                        encoding: "utf8",
                    });
                    expect(r.status, r.stderr).toBe(0);
                    const calls = mc.calls();
                    for (const name of names) expect(calls).toContainEqual(["mb", "--ignore-existing", `quorvex/${name}`]);
                    const policy = JSON.parse(fs.readFileSync(path.join(tmp, "quorvex-backend.json"), "utf8")) as { Statement: { Resource: string[] }[] };
                    const resources = policy.Statement.flatMap((s) => s.Resource);
                    for (const name of names) expect(resources).toContain(`arn:aws:s3:::${name}`);
                    const lifecycle = mc.stdin().filter((s) => s.includes("Rules"));
                    for (const l of lifecycle) expect(JSON.parse(l)).toHaveProperty("Rules");
                },
            ),
            { numRuns: 40 },
        );
    });
});

describe.runIf(POSTGRES_NEEDED)("Postgres's roles task, run by the real shell and psql on a real server", () => {
    const PORT = "55437";
    let stop: () => Promise<void> = async () => undefined;
    beforeAll(async () => {
        const { data } = initdb(scratch("quorvex-pg-"), "quorvex_su", "su-password");
        stop = (await startServer(data, PORT, "quorvex_su", "su-password")).stop;
    });
    afterAll(() => stop());

    it("creates every role under exactly the name the config gives, in the database it names", () => {
        fc.assert(
            fc.property(accepted(databaseName, /^[a-z_][a-z0-9_]{0,20}$/), accepted(roleBase, /^[a-z_][a-z0-9_]{0,20}$/), (database, base) => {
                const create = psql(PORT, "quorvex_su", "su-password", "postgres", `DROP DATABASE IF EXISTS "${database}"; `);
                expect(create.ok, create.err).toBe(true);
                expect(psql(PORT, "quorvex_su", "su-password", "postgres", `CREATE DATABASE "${database}"`).ok).toBe(true);
                const roles: PostgresRole[] = [
                    { consumer: "backend-migrate", name: `${base}_migrate`, access: "owner" },
                    { consumer: "backend", name: `${base}_app`, access: "readWrite" },
                    { consumer: "other-teams", name: `${base}_reader`, access: "read" },
                ];
                const env: Record<string, string> = {
                    PATH: process.env.PATH ?? "",
                    PGHOST: "127.0.0.1",
                    PGPORT: PORT,
                    PGDATABASE: database,
                    PGUSER: "quorvex_su",
                    PGPASSWORD: "su-password",
                    ...Object.fromEntries(roles.map((r) => [`ROLE_PASSWORD_${r.consumer.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`, `pw-${r.name}`])),
                };
                const r = spawnSync("sh", ["-c", rolesScript(database, roles)], { env, encoding: "utf8" });
                expect(r.status, r.stderr).toBe(0);
                for (const role of roles) {
                    const login = psql(PORT, role.name, `pw-${role.name}`, database, "SELECT current_user || '@' || current_database()");
                    expect(login.out, login.err).toBe(`${role.name}@${database}`);
                }
                for (const role of roles) psql(PORT, "quorvex_su", "su-password", "postgres", `REASSIGN OWNED BY "${role.name}" TO quorvex_su`);
                psql(PORT, "quorvex_su", "su-password", "postgres", `DROP DATABASE "${database}"`);
                for (const role of roles) psql(PORT, "quorvex_su", "su-password", "postgres", `DROP ROLE "${role.name}"`);
            }),
            { numRuns: 12 },
        );
    });
});

const REDIS_SERVER = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].find((p) => fs.existsSync(p));
const REDIS_CLI = ["/usr/bin/redis-cli", "/usr/local/bin/redis-cli"].find((p) => fs.existsSync(p));

describe.runIf(process.env.CI === "true" || (REDIS_SERVER && REDIS_CLI))("Redis's start script, with the real redis-server loading its ACL file", () => {
    it("loads any queue name and worker key patterns the config accepts as the rules written", () => {
        fc.assert(
            fc.property(
                accepted(redisKeyPattern, /^[A-Za-z0-9:_.-]{1,30}$/),
                fc.array(accepted(redisKeyPattern, /^[A-Za-z0-9:_.*?-]{1,20}$/), { maxLength: 3 }),
                (queue, extra) => {
                    const dir = scratch("quorvex-redis-");
                    // A socket of its own, not a TCP port: a random one could be any other process's.
                    const socket = path.join(dir, "redis.sock");
                    const users: RedisUser[] = [{ consumer: "workers", name: "workers", rules: REDIS_ACCESS.queueWorker(queue, extra) }];
                    const acl = path.join(dir, "users.acl");
                    // The image's entrypoint, played by the server itself, in the background on this port.
                    fs.writeFileSync(
                        path.join(dir, "docker-entrypoint.sh"),
                        `#!/bin/sh\nshift\nexec ${REDIS_SERVER} "$@" --dir ${dir} --port 0 --unixsocket ${socket} --unixsocketperm 700 --daemonize yes --pidfile ${dir}/pid\n`,
                        { mode: 0o755 },
                    );
                    const script = redisServe(64, users, acl).replace("--dir /data", "");
                    const env = { PATH: `${dir}:/usr/bin:/bin`, REDIS_PASSWORD: "admin-pw", [userPasswordVar(users[0])]: "workers-pw" };
                    const r = spawnSync("sh", ["-c", script], { env, encoding: "utf8" });
                    expect(r.status, r.stderr).toBe(0);
                    try {
                        let list = "";
                        // Up to 10 s for the daemonized server to listen (a busy machine is slow to start it).
                        for (let i = 0; i < 100 && !list.includes("user workers"); i++) {
                            if (i) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
                            list = spawnSync(REDIS_CLI!, ["--no-auth-warning", "-s", socket, "--user", "admin", "-a", "admin-pw", "ACL", "LIST"], {
                                encoding: "utf8",
                            }).stdout;
                        }
                        const line = list.split("\n").find((l) => l.startsWith("user workers"))!;
                        for (const key of [queue, `${queue}:*`, ...extra]) expect(line.split(" ")).toContain(`~${key}`);
                    } finally {
                        spawnSync(REDIS_CLI!, ["--no-auth-warning", "-s", socket, "--user", "admin", "-a", "admin-pw", "SHUTDOWN", "NOSAVE"]);
                    }
                },
            ),
            { numRuns: 10 },
        );
    });
});

const NGINX = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((p) => fs.existsSync(p));

describe.runIf(process.env.CI === "true" || NGINX)("the proxy's nginx.conf, checked by the real nginx", () => {
    it("passes nginx -t for any host, body size and timeout the config accepts, with the host intact", () => {
        fc.assert(
            fc.property(
                accepted(hostname, /^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?){0,3}$/),
                fc.stringMatching(/^\d{1,4}[kmg]?$/),
                fc.integer({ min: 1, max: 86400 }),
                (host, maxBodySize, timeoutSeconds) => {
                    const dir = scratch("quorvex-nginx-prop-");
                    const conf = renderNginxConf({
                        host,
                        upstream: "backend:8000",
                        websockets: [{ path: "/vnc/", upstream: "backend:6080" }],
                        tls: null,
                        maxBodySize,
                        timeoutSeconds,
                        httpPort: 8080,
                        httpsPort: 8443,
                        scratchDir: dir,
                        resolver: "127.0.0.11",
                        publicHttpsPort: 443,
                    });
                    fs.writeFileSync(path.join(dir, "nginx.conf"), conf);
                    const log = path.join(dir, "t.log");
                    const fd = fs.openSync(log, "w");
                    const r = spawnSync(NGINX!, ["-t", "-q", "-c", path.join(dir, "nginx.conf"), "-p", dir], { stdio: ["ignore", fd, fd] });
                    fs.closeSync(fd);
                    expect({ status: r.status, log: fs.readFileSync(log, "utf8") }).toEqual({ status: 0, log: "" });
                    expect(conf).toContain(`server_name ${host};`);
                },
            ),
            { numRuns: 40 },
        );
    });
});
