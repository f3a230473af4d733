/**
 * The Postgres start script, run for real against Debian's PostgreSQL: a
 * rotated password in the environment replaces the role's old one, and a
 * stop signal shuts Postgres down cleanly. (The script calls the image's
 * `docker-entrypoint.sh`; here a stand-in starts the same server binary.)
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { POSTGRES_START } from "../components/postgres";

const PG_BIN = fs.existsSync("/usr/lib/postgresql") ? fs.readdirSync("/usr/lib/postgresql").map((v) => `/usr/lib/postgresql/${v}/bin`)[0] : undefined;
const isRoot = process.getuid?.() === 0;
// CI installs Debian's postgresql (see .ci/run) and runs as root; elsewhere this needs the same.
const runnable = PG_BIN !== undefined && isRoot && fs.existsSync("/usr/bin/setpriv");
const needed = process.env.CI === "true" || runnable;
const PORT = "55432";

const asPostgres = (cmd: string[], env: Record<string, string> = {}) =>
    spawnSync("setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "env", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...cmd], {
        encoding: "utf8",
    });

function canLogIn(password: string): boolean {
    const r = spawnSync("psql", ["-h", "127.0.0.1", "-p", PORT, "-U", "quorvex", "-d", "postgres", "-tAc", "select 1"], {
        env: { ...process.env, PGPASSWORD: password },
        encoding: "utf8",
    });
    return r.status === 0 && r.stdout.trim() === "1";
}

describe.runIf(needed)("the Postgres start script", () => {
    it("applies a rotated password from the environment, then stops fast and cleanly on TERM with a client still connected", async () => {
        if (!runnable) throw new Error("needs root, setpriv and Debian's postgresql (apt-get install postgresql; the CI script does)");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "quorvex-pg-"));
        fs.chmodSync(dir, 0o777);
        const data = path.join(dir, "data");
        const pwfile = path.join(dir, "old");
        fs.writeFileSync(pwfile, "old-password\n", { mode: 0o644 });
        const init = asPostgres([`${PG_BIN}/initdb`, "-D", data, "-U", "quorvex", "--auth-local=trust", "--auth-host=scram-sha-256", `--pwfile=${pwfile}`]);
        expect(init.status, init.stderr).toBe(0);
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        fs.writeFileSync(
            path.join(bin, "docker-entrypoint.sh"),
            `#!/bin/sh\nexec ${PG_BIN}/postgres -D "$PGDATA" -p "$PGPORT" -k /var/run/postgresql -c listen_addresses=127.0.0.1\n`,
            { mode: 0o755 },
        );

        const env = {
            PATH: `${bin}:${process.env.PATH}`,
            PGDATA: data,
            PGPORT: PORT,
            POSTGRES_USER: "quorvex",
            POSTGRES_DB: "postgres",
            POSTGRES_PASSWORD: "new-password",
        };
        const child = spawn(
            "setpriv",
            ["--reuid=postgres", "--regid=postgres", "--init-groups", "env", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), "sh", "-c", POSTGRES_START],
            {
                stdio: "ignore",
            },
        );
        const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
        // An idle pooled connection, as the backend keeps: a smart shutdown would wait for it forever.
        let client: ReturnType<typeof spawn> | undefined;
        try {
            const deadline = Date.now() + 30_000;
            while (!canLogIn("new-password") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
            expect(canLogIn("new-password")).toBe(true);
            expect(canLogIn("old-password")).toBe(false);
            client = spawn("psql", ["-h", "127.0.0.1", "-p", PORT, "-U", "quorvex", "-d", "postgres"], {
                env: { ...process.env, PGPASSWORD: "new-password" },
                stdio: ["pipe", "ignore", "ignore"],
            });
            await new Promise((r) => setTimeout(r, 1000));
        } finally {
            child.kill("SIGTERM");
        }
        const stopped = await Promise.race([exited, new Promise<"still running">((r) => setTimeout(() => r("still running"), 10_000))]);
        client?.kill("SIGKILL");
        if (stopped === "still running") child.kill("SIGKILL");
        expect(stopped).toBe(0);
        expect(fs.existsSync(path.join(data, "postmaster.pid"))).toBe(false);
    });
});
