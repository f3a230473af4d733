/**
 * The Postgres start script, run for real against Debian's PostgreSQL: a
 * rotated password in the environment replaces the role's old one, and a
 * stop signal shuts Postgres down cleanly. (The script calls the image's
 * `docker-entrypoint.sh`; here a stand-in starts the same server binary.)
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { POSTGRES_START } from "../components/postgres";
import { asPostgresArgs, initdb, PG_BIN, POSTGRES_MISSING, POSTGRES_NEEDED, POSTGRES_RUNNABLE, psql } from "./real-postgres";
import { tempFolders } from "./temp";

const PORT = "55432";
const tmp = tempFolders();

function canLogIn(password: string): boolean {
    return psql(PORT, "quorvex", password, "postgres", "select 1").out === "1";
}

describe.runIf(POSTGRES_NEEDED)("the Postgres start script", () => {
    it.each([
        ["the environment (Docker)", "env"],
        ["a file (Kubernetes: POSTGRES_PASSWORD_FILE)", "file"],
    ])("applies a rotated password from %s, then stops fast and cleanly on TERM with a client still connected", async (_from, form) => {
        if (!POSTGRES_RUNNABLE) throw new Error(POSTGRES_MISSING);
        const { dir, data } = initdb(tmp("quorvex-pg-"), "quorvex", "old-password");
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
            ...(form === "env" ? { POSTGRES_PASSWORD: "new-password" } : { POSTGRES_PASSWORD_FILE: path.join(dir, "password") }),
        };
        fs.writeFileSync(path.join(dir, "password"), "new-password", { mode: 0o644 });
        const child = spawn("setpriv", asPostgresArgs(["sh", "-c", POSTGRES_START], env), { stdio: "ignore" });
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
