/**
 * The Redis start script and the ACL users the composition declares for prod
 * (with KEDA and the exporters), run for real against Debian's redis-server: each consumer can do
 * its job and nothing else, and nobody gets in without a user. (The script
 * calls the image's `docker-entrypoint.sh`; here a stand-in starts the same
 * server binary.)
 */
import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REDIS_ADMIN, redisServe, userPasswordVar } from "../components/redis";
import { grants } from "../stacks/compose";
import { resolveConfig } from "../config/load";
import { merge, PROD_KEDA } from "./helpers";
import { tempFolders } from "./temp";

/** Every temporary folder of this file's tests, removed after them. */
const tmp = tempFolders();

const REDIS_SERVER = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].find((p) => fs.existsSync(p));
const REDIS_CLI = ["/usr/bin/redis-cli", "/usr/local/bin/redis-cli"].find((p) => fs.existsSync(p));
const needed = process.env.CI === "true" || (REDIS_SERVER !== undefined && REDIS_CLI !== undefined);
const PORT = "56379";
const config = resolveConfig(merge(PROD_KEDA, { exporters: { enabled: true } })).config;
const QUEUE = config.workers.queue.listName;
const users = grants(config).redis;
const ADMIN_PASSWORD = "admin-password";
const passwordOf = (name: string, generation: string) => `${name}-password-${generation}`;

/** One command as `user` (or nobody): what redis-cli prints. */
function cli(user: string | undefined, generation: string, ...command: string[]): string {
    const auth = user === undefined ? [] : ["--user", user];
    const password = user === REDIS_ADMIN ? ADMIN_PASSWORD : user === undefined ? "" : passwordOf(user, generation);
    const r = spawnSync(REDIS_CLI!, ["--no-auth-warning", "-h", "127.0.0.1", "-p", PORT, ...auth, ...command], {
        env: { PATH: process.env.PATH, ...(user === undefined ? {} : { REDISCLI_AUTH: password }) },
        encoding: "utf8",
    });
    return `${r.stdout}${r.stderr}`.trim();
}

const NOPERM = /NOPERM/;
/** What Redis answers when a script's own call is refused (the key's or the command's rule). */
const SCRIPT_DENIED = /NOPERM|can't run this command|can't access at least one of the keys/;

describe.runIf(needed)("Redis ACL users", () => {
    let server: ChildProcess | undefined;
    let dir = "";

    async function start(generation: string): Promise<ChildProcess> {
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin, { recursive: true });
        // The image's entrypoint, played by the server itself: the script's own options, its data dir
        // (the volume's /data) moved to a temporary one, then this machine's port.
        const entrypoint = [
            "#!/bin/sh",
            "shift",
            "prev=",
            'for a; do shift; if [ "$prev" = --dir ]; then set -- "$@" ' + dir + '; else set -- "$@" "$a"; fi; prev=$a; done',
            `exec ${REDIS_SERVER} "$@" --port ${PORT} --bind 127.0.0.1`,
        ];
        fs.writeFileSync(path.join(bin, "docker-entrypoint.sh"), `${entrypoint.join("\n")}\n`, { mode: 0o755 });
        // Generation 1 takes its passwords from the environment (Docker), later ones from files (Kubernetes: `<NAME>_FILE`).
        const secrets: Record<string, string> = {
            REDIS_PASSWORD: ADMIN_PASSWORD,
            ...Object.fromEntries(users.map((u) => [userPasswordVar(u), passwordOf(u.name, generation)])),
        };
        const asFiles = Object.fromEntries(
            Object.entries(secrets).map(([name, value]) => {
                fs.writeFileSync(path.join(dir, name), value);
                return [`${name}_FILE`, path.join(dir, name)];
            }),
        );
        const env = { PATH: `${bin}:${process.env.PATH}`, ...(generation === "1" ? secrets : asFiles) };
        const child = spawn("sh", ["-c", redisServe(64, users, path.join(dir, "users.acl"))], { env, stdio: "ignore" });
        const deadline = Date.now() + 15_000;
        while (cli(REDIS_ADMIN, generation, "ping") !== "PONG") {
            if (Date.now() > deadline) throw new Error("redis-server did not start within 15 s");
            await new Promise((r) => setTimeout(r, 100));
        }
        return child;
    }

    async function stop(child: ChildProcess | undefined) {
        if (!child || child.exitCode !== null) return;
        const exited = new Promise((r) => child.on("exit", r));
        child.kill("SIGTERM");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    }

    beforeAll(async () => {
        if (!REDIS_SERVER || !REDIS_CLI) throw new Error("needs Debian's redis-server (apt-get install redis-server; the CI script does)");
        dir = tmp("quorvex-redis-");
        server = await start("1");
        expect(cli(REDIS_ADMIN, "1", "set", "ratelimit:login:1.2.3.4", "3")).toBe("OK");
    }, 30_000);

    afterAll(async () => stop(server));

    it("lets nobody in without a user: the default user is off", () => {
        expect(cli(undefined, "1", "ping")).toMatch(/NOAUTH/);
        expect(cli(undefined, "1", "get", "ratelimit:login:1.2.3.4")).toMatch(/NOAUTH/);
    });

    it("declares exactly the backend, the workers, KEDA's scaler, other teams' reader and the metrics exporter", () => {
        expect(users.map((u) => u.name)).toEqual(["backend", "workers", "scaler", "reader", "exporter"]);
    });

    it("lets the backend use any key, and run no dangerous command", () => {
        expect(cli("backend", "1", "lpush", QUEUE, "job-1")).toBe("1");
        expect(cli("backend", "1", "incr", "ratelimit:login:1.2.3.4")).toBe("4");
        for (const c of [["flushall"], ["config", "get", "requirepass"], ["keys", "*"], ["acl", "list"], ["shutdown"], ["debug", "sleep", "0"]]) {
            expect(cli("backend", "1", ...c), c.join(" ")).toMatch(/NOPERM|DEBUG command not allowed/);
        }
    });

    it("lets a worker take jobs and write its results under the queue's keys, and nothing else", () => {
        expect(cli("workers", "1", "lpush", QUEUE, "job-2")).toBe("2");
        expect(cli("workers", "1", "rpop", QUEUE)).toBe("job-1");
        expect(cli("workers", "1", "brpop", QUEUE, "1")).toContain("job-2");
        expect(cli("workers", "1", "set", `${QUEUE}:result:job-2`, "passed")).toBe("OK");
        expect(cli("workers", "1", "get", "ratelimit:login:1.2.3.4")).toMatch(NOPERM);
        expect(cli("workers", "1", "del", "ratelimit:login:1.2.3.4")).toMatch(NOPERM);
        for (const c of [["flushall"], ["flushdb"], ["config", "set", "dir", "/tmp"], ["keys", "*"], ["acl", "list"], ["shutdown"]]) {
            expect(cli("workers", "1", ...c), c.join(" ")).toMatch(NOPERM);
        }
        expect(cli(REDIS_ADMIN, "1", "get", "ratelimit:login:1.2.3.4")).toBe("4");
    });

    it("lets KEDA's scaler read the queue's length and nothing else, not even the queue's items", () => {
        expect(cli("scaler", "1", "llen", QUEUE)).toBe("0");
        // As KEDA's scaler reads it: a script that asks the key's type, then its length.
        const lengthScript =
            "if redis.call('type', KEYS[1]).ok == 'list' or redis.call('type', KEYS[1]).ok == 'none' then return redis.call('llen', KEYS[1]) end";
        expect(cli("scaler", "1", "eval", lengthScript, "1", QUEUE)).toBe("0");
        // A script's own calls are held to the same rules.
        expect(cli("scaler", "1", "eval", "return redis.call('lrange', KEYS[1], 0, -1)", "1", QUEUE)).toMatch(SCRIPT_DENIED);
        expect(cli("scaler", "1", "eval", "return redis.call('flushall')", "0")).toMatch(SCRIPT_DENIED);
        expect(cli("scaler", "1", "eval", lengthScript, "1", "ratelimit:login:1.2.3.4")).toMatch(SCRIPT_DENIED);
        expect(cli("scaler", "1", "lrange", QUEUE, "0", "-1")).toMatch(NOPERM);
        expect(cli("scaler", "1", "llen", "ratelimit:login:1.2.3.4")).toMatch(NOPERM);
        expect(cli("scaler", "1", "rpop", QUEUE)).toMatch(NOPERM);
    });

    it("lets the metrics exporter run INFO and read each queue's type and length, and nothing else", () => {
        // What redis_exporter 1.82 sends, as `components/exporters.ts` configures it.
        expect(cli("exporter", "1", "info", "memory")).toMatch(/^maxmemory:\d+/m);
        expect(cli("exporter", "1", "select", "0")).toBe("OK");
        expect(cli("exporter", "1", "type", QUEUE)).toMatch(/^(list|none)$/);
        expect(cli("exporter", "1", "llen", QUEUE)).toMatch(/^\d+$/);
        // Not the jobs themselves, no other key, no write, nothing that shows other clients or the config.
        for (const c of [
            ["lrange", QUEUE, "0", "-1"],
            ["llen", "ratelimit:login:1.2.3.4"],
            ["get", `${QUEUE}:result:job-2`],
            ["lpush", QUEUE, "job-4"],
            ["config", "get", "maxmemory"],
            ["client", "list"],
            ["slowlog", "get", "1"],
            ["memory", "usage", QUEUE],
            ["keys", "*"],
            ["scan", "0"],
        ]) {
            expect(cli("exporter", "1", ...c), c.join(" ")).toMatch(NOPERM);
        }
    });

    it("lets other teams read the queue's keys and write nothing", () => {
        expect(cli("reader", "1", "get", `${QUEUE}:result:job-2`)).toBe("passed");
        expect(cli("reader", "1", "lpush", QUEUE, "job-3")).toMatch(NOPERM);
        expect(cli("reader", "1", "get", "ratelimit:login:1.2.3.4")).toMatch(NOPERM);
    });

    it("keeps every password off the server's command line and out of its ACL file (SHA-256 only, mode 600)", () => {
        const pid = spawnSync("pgrep", ["-f", `redis-server.*${PORT}`], { encoding: "utf8" })
            .stdout.trim()
            .split("\n")[0];
        const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
        expect(cli(REDIS_ADMIN, "1", "config", "get", "aclfile")).toContain(path.join(dir, "users.acl"));
        for (const secret of [ADMIN_PASSWORD, ...users.map((u) => passwordOf(u.name, "1"))]) expect(cmdline).not.toContain(secret);
        const acl = fs.readFileSync(path.join(dir, "users.acl"), "utf8");
        for (const secret of [ADMIN_PASSWORD, ...users.map((u) => passwordOf(u.name, "1"))]) expect(acl).not.toContain(secret);
        expect(fs.statSync(path.join(dir, "users.acl")).mode & 0o077).toBe(0);
    });

    it("takes rotated passwords, from files, at its next start: the old ones stop working, the queue survives", async () => {
        expect(cli("backend", "1", "lpush", QUEUE, "job-4")).toBe("1");
        await stop(server);
        server = await start("2");
        expect(cli("workers", "2", "llen", QUEUE)).toBe("1");
        expect(cli("workers", "1", "llen", QUEUE)).toMatch(/WRONGPASS|invalid username-password/);
    });
});
