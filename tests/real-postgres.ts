/**
 * Debian's PostgreSQL, run for real by the tests that need a server: initdb as
 * the `postgres` user (through setpriv: initdb refuses root), a server on
 * 127.0.0.1, and psql as any role. CI installs the package (see .ci/run).
 */
import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";

export const PG_BIN = fs.existsSync("/usr/lib/postgresql") ? fs.readdirSync("/usr/lib/postgresql").map((v) => `/usr/lib/postgresql/${v}/bin`)[0] : undefined;
const isRoot = process.getuid?.() === 0;
/** Whether this machine can run the server: root, setpriv and Debian's postgresql. */
export const POSTGRES_RUNNABLE = PG_BIN !== undefined && isRoot && fs.existsSync("/usr/bin/setpriv");
/** In CI the server tests must run; elsewhere they run where they can. */
export const POSTGRES_NEEDED = process.env.CI === "true" || POSTGRES_RUNNABLE;
export const POSTGRES_MISSING = "needs root, setpriv and Debian's postgresql (apt-get install postgresql; the CI script does)";

/** `env K=V ... cmd` as the postgres user. */
export function asPostgresArgs(cmd: string[], env: Record<string, string> = {}): string[] {
    return ["--reuid=postgres", "--regid=postgres", "--init-groups", "env", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...cmd];
}

export const asPostgres = (cmd: string[], env: Record<string, string> = {}) => spawnSync("setpriv", asPostgresArgs(cmd, env), { encoding: "utf8" });

/**
 * A fresh data directory in `dir` (an empty folder the caller removes: `tempFolders()`) whose
 * bootstrap superuser is `superuser` with `password` (local socket: trust; TCP: scram).
 */
export function initdb(dir: string, superuser: string, password: string): { dir: string; data: string } {
    fs.chmodSync(dir, 0o777);
    const data = path.join(dir, "data");
    const pwfile = path.join(dir, "pw");
    fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o644 });
    const init = asPostgres([`${PG_BIN}/initdb`, "-D", data, "-U", superuser, "--auth-local=trust", "--auth-host=scram-sha-256", `--pwfile=${pwfile}`]);
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
    return { dir, data };
}

/** psql as `user` over TCP: its status, output and error. */
export function psql(port: string, user: string, password: string, database: string, sql: string) {
    const r = spawnSync("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", port, "-U", user, "-d", database, "-tAc", sql], {
        env: { ...process.env, PGPASSWORD: password },
        encoding: "utf8",
    });
    return { ok: r.status === 0, out: r.stdout.trim(), err: r.stderr.trim() };
}

/** A running server on 127.0.0.1:`port` over `data`, stopped with `stop()`. */
export async function startServer(data: string, port: string, superuser: string, password: string): Promise<{ stop: () => Promise<void> }> {
    const child: ChildProcess = spawn(
        "setpriv",
        asPostgresArgs([`${PG_BIN}/postgres`, "-D", data, "-p", port, "-k", path.dirname(data), "-c", "listen_addresses=127.0.0.1"]),
        { stdio: "ignore" },
    );
    const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    const deadline = Date.now() + 30_000;
    while (!psql(port, superuser, password, "postgres", "select 1").ok) {
        if (Date.now() > deadline) {
            child.kill("SIGKILL");
            throw new Error("postgres did not start within 30 s");
        }
        await new Promise((r) => setTimeout(r, 250));
    }
    return {
        stop: async () => {
            child.kill("SIGINT");
            await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
            child.kill("SIGKILL");
        },
    };
}
