/**
 * The Postgres roles task, run for real against Debian's PostgreSQL, with the
 * roles the composition declares for prod (with the exporters): on a database an earlier version
 * filled as the superuser, it leaves each consumer exactly its access.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DUMP_SCRIPT } from "../components/backup";
import { rolePasswordVar, rolesScript, type PostgresRole } from "../components/postgres";
import { grants } from "../stacks/compose";
import { resolveConfig } from "../config/load";
import { merge, PROD } from "./helpers";
import { initdb, POSTGRES_MISSING, POSTGRES_NEEDED, POSTGRES_RUNNABLE, psql, startServer } from "./real-postgres";
import { tempFolders } from "./temp";

/** Every temporary folder of this file's tests, removed after them. */
const tmp = tempFolders();

const PORT = "55433";
const SUPERUSER = "quorvex";
const ROOT_PASSWORD = "root-password";
const DB = "quorvex";
const roles = grants(resolveConfig(merge(PROD, { exporters: { enabled: true } })).config).postgres;
const role = (access: PostgresRole["access"]) => roles.find((r) => r.access === access)!;
const passwords = (generation: string) => Object.fromEntries(roles.map((r) => [rolePasswordVar(r), `${r.name}-${generation}`]));

/**
 * The roles task as its container runs it: the script, the superuser over TCP, the passwords in
 * env (Docker) or as files, `<NAME>_FILE` (Kubernetes).
 */
function runRolesTask(generation: string, form: "env" | "file" = "env") {
    let secrets: Record<string, string> = { PGPASSWORD: ROOT_PASSWORD, ...passwords(generation) };
    if (form === "file") {
        const dir = tmp("quorvex-secrets-");
        secrets = Object.fromEntries(
            Object.entries(secrets).map(([name, value]) => {
                fs.writeFileSync(path.join(dir, name), value);
                return [`${name}_FILE`, path.join(dir, name)];
            }),
        );
    }
    return spawnSync("sh", ["-c", rolesScript(DB, roles)], {
        env: { PATH: process.env.PATH, PGHOST: "127.0.0.1", PGPORT: PORT, PGUSER: SUPERUSER, PGDATABASE: DB, ...secrets },
        encoding: "utf8",
    });
}

/** `sql` as the role with `access`, in `database`. */
const as = (access: PostgresRole["access"], sql: string, database = DB, generation = "1") =>
    psql(PORT, role(access).name, `${role(access).name}-${generation}`, database, sql);

describe.runIf(POSTGRES_NEEDED)("the Postgres roles task", () => {
    let server: { stop: () => Promise<void> } | undefined;

    beforeAll(async () => {
        if (!POSTGRES_RUNNABLE) throw new Error(POSTGRES_MISSING);
        const { data } = initdb(tmp("quorvex-pg-"), SUPERUSER, ROOT_PASSWORD);
        server = await startServer(data, PORT, SUPERUSER, ROOT_PASSWORD);
        const su = (sql: string, database = DB) => psql(PORT, SUPERUSER, ROOT_PASSWORD, database, sql);
        expect(su(`CREATE DATABASE ${DB}`, "postgres").err).toBe("");
        // What a 1.x stack left: the migration ran as the superuser, which owns everything.
        const before = su(
            "CREATE TYPE run_state AS ENUM ('queued', 'done'); CREATE TABLE runs (id serial PRIMARY KEY, state run_state NOT NULL); " +
                "CREATE VIEW done_runs AS SELECT * FROM runs WHERE state = 'done'; CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY); " +
                "INSERT INTO runs (state) VALUES ('done');",
        );
        expect(before.err).toBe("");
        const run = runRolesTask("1");
        expect(run.stderr).toBe("");
        expect(run.status).toBe(0);
    }, 60_000);

    afterAll(async () => server?.stop());

    it("is idempotent: a second run succeeds and changes nothing", () => {
        const again = runRolesTask("1");
        expect(again.stderr).toBe("");
        expect(again.status).toBe(0);
        expect(as("owner", "SELECT count(*) FROM runs").out).toBe("1");
    });

    it("gives no role superuser, role creation or database creation", () => {
        const flags = psql(
            PORT,
            SUPERUSER,
            ROOT_PASSWORD,
            DB,
            `SELECT bool_or(rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls OR rolreplication) FROM pg_roles WHERE rolname IN (${roles.map((r) => `'${r.name}'`).join(", ")})`,
        );
        expect(flags.out).toBe("f");
        for (const r of roles) {
            expect(as(r.access, "CREATE ROLE intruder LOGIN").err, r.name).toMatch(/permission denied to create role/);
            expect(as(r.access, "CREATE DATABASE other").err, r.name).toMatch(/permission denied/);
        }
    });

    it("hands the owner (the migration) what the superuser made before, so it can alter the schema", () => {
        const owned = psql(
            PORT,
            SUPERUSER,
            ROOT_PASSWORD,
            DB,
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = current_user",
        );
        expect(owned.out).toBe("0");
        expect(
            as(
                "owner",
                "ALTER TABLE runs ADD COLUMN started_at timestamptz; ALTER TYPE run_state ADD VALUE 'failed'; CREATE TABLE artifacts (id serial PRIMARY KEY, run_id int REFERENCES runs(id)); UPDATE alembic_version SET version_num = '002'",
            ).err,
        ).toBe("");
    });

    it("lets the migration change its own database only", () => {
        expect(as("owner", "CREATE TABLE elsewhere (id int)", "postgres").err).toMatch(/permission denied for schema public/);
        expect(as("owner", "ALTER DATABASE postgres SET work_mem = '1GB'").err).toMatch(/must be owner of database postgres/);
        expect(as("owner", "COPY runs TO PROGRAM 'id'").err).toMatch(/permission denied|must be superuser|pg_execute_server_program/);
    });

    it("lets the application read and write rows, in tables the migration made before and after it ran, and nothing more", () => {
        // `artifacts` was created by the owner after the roles task: its default privileges reach it.
        expect(as("readWrite", "INSERT INTO runs (state) VALUES ('queued') RETURNING id").err).toBe("");
        expect(as("readWrite", "INSERT INTO artifacts (run_id) VALUES (1); UPDATE runs SET state = 'done' WHERE id = 2; DELETE FROM artifacts").err).toBe("");
        expect(as("readWrite", "SELECT count(*) FROM done_runs").out).toBe("2"); // views count as tables
        expect(as("readWrite", "CREATE TABLE mine (id int)").err).toMatch(/permission denied for schema public/);
        expect(as("readWrite", "DROP TABLE runs").err).toMatch(/must be owner of table runs/);
        expect(as("readWrite", "ALTER TABLE runs ADD COLUMN x int").err).toMatch(/must be owner of table runs/);
        expect(as("readWrite", "COPY runs TO PROGRAM 'id'").err).toMatch(/permission denied|must be superuser|pg_execute_server_program/);
        expect(as("readWrite", "SELECT pg_read_file('/etc/passwd')").err).toMatch(/permission denied/);
    });

    it("lets other teams' role read and never write", () => {
        expect(as("read", "SELECT count(*) FROM runs").out).not.toBe("");
        expect(as("read", "INSERT INTO runs (state) VALUES ('queued')").err).toMatch(/permission denied for table runs/);
    });

    it("lets the exporter's role read the server's statistics, other sessions' included, and no table's rows", () => {
        // What postgres_exporter 0.19's default collectors read.
        expect(as("monitor", "SELECT setting FROM pg_settings WHERE name = 'max_connections'").out).toMatch(/^\d+$/);
        expect(as("monitor", `SELECT pg_database_size('${DB}') > 0`).out).toBe("t");
        expect(as("monitor", "SELECT count(*) > 0 FROM pg_ls_waldir()").out).toBe("t");
        expect(as("monitor", "SELECT count(*) FROM pg_stat_activity WHERE usename IS NOT NULL AND state IS NOT NULL").err).toBe("");
        expect(as("monitor", "SELECT count(*) FROM runs").err).toMatch(/permission denied for table runs/);
        expect(as("monitor", "INSERT INTO runs (state) VALUES ('queued')").err).toMatch(/permission denied for table runs/);
        expect(as("monitor", "CREATE TABLE spy (x int)").err).toMatch(/permission denied for schema public/);
    });

    const dumpFile = path.join(tmp("quorvex-dump-"), "db.dump");

    it("lets the backup role dump the whole database (the backup job's DUMP_SCRIPT), and write nothing", () => {
        const dump = spawnSync("sh", ["-c", DUMP_SCRIPT.replace("/backup/postgres.dump", dumpFile)], {
            env: { ...process.env, PGHOST: "127.0.0.1", PGPORT: PORT, PGUSER: role("dump").name, PGDATABASE: DB, PGPASSWORD: `${role("dump").name}-1` },
            encoding: "utf8",
        });
        expect(dump.stderr).toBe("");
        expect(dump.status).toBe(0);
        expect(as("dump", "DELETE FROM runs").err).toMatch(/permission denied for table runs/);
    });

    it("restores that dump as the migration's role (the README's restore), and every role keeps its access", () => {
        expect(as("readWrite", "INSERT INTO runs (state) VALUES ('queued')").err).toBe(""); // after the dump: the restore drops it
        const restore = spawnSync(
            "pg_restore",
            ["--clean", "--if-exists", "--no-owner", "--single-transaction", "-h", "127.0.0.1", "-p", PORT, "-U", role("owner").name, "-d", DB, dumpFile],
            { env: { ...process.env, PGPASSWORD: `${role("owner").name}-1` }, encoding: "utf8" },
        );
        expect(restore.stderr).toBe("");
        expect(restore.status).toBe(0);
        expect(as("read", "SELECT count(*) FROM runs").out).toBe("2");
        expect(as("readWrite", "INSERT INTO artifacts (run_id) VALUES (1)").err).toBe("");
        expect(as("readWrite", "CREATE TABLE mine (id int)").err).toMatch(/permission denied for schema public/);
    });

    it("applies rotated passwords on its next run, read from files as on Kubernetes: the old ones stop working", () => {
        const run = runRolesTask("2", "file");
        expect(run.stderr).toBe("");
        expect(run.status).toBe(0);
        expect(as("readWrite", "SELECT 1", DB, "2").out).toBe("1");
        expect(as("readWrite", "SELECT 1", DB, "1").err).toMatch(/password authentication failed/);
    });
});

/**
 * A task's pod is new, and a cluster's NetworkPolicy implementation admits it only once it has
 * seen it (kube-router on the node rung refused the roles Job's first connection, every retry
 * too): the task waits, bounded, for Postgres to accept connections before its first statement.
 */
describe.runIf(POSTGRES_NEEDED)("the roles task before Postgres accepts connections", () => {
    const LATE_PORT = "55434";
    // The database initdb makes (the image's entrypoint would make the stack's before it listens on TCP).
    const LATE_DB = "postgres";
    const env = {
        PATH: process.env.PATH,
        PGHOST: "127.0.0.1",
        PGPORT: LATE_PORT,
        PGUSER: SUPERUSER,
        PGDATABASE: LATE_DB,
        PGPASSWORD: ROOT_PASSWORD,
        ...passwords("1"),
    };
    const runAsync = (waitSeconds: number) =>
        new Promise<{ status: number | null; stderr: string }>((resolve) => {
            const child = spawn("sh", ["-c", rolesScript(LATE_DB, roles, waitSeconds)], { env });
            let stderr = "";
            child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
            child.on("close", (status) => resolve({ status, stderr }));
        });

    /** The task ran to its end without a word, and the application's role logs in with what it set. */
    const succeeds = async (run: ReturnType<typeof runAsync>) => {
        const done = await run;
        expect(done.stderr).toBe("");
        expect(done.status).toBe(0);
        expect(psql(LATE_PORT, role("readWrite").name, `${role("readWrite").name}-1`, LATE_DB, "SELECT 1").out).toBe("1");
    };

    it("waits for a server that starts listening after it, then does its work", async () => {
        if (!POSTGRES_RUNNABLE) throw new Error(POSTGRES_MISSING);
        const run = runAsync(60);
        await new Promise((r) => setTimeout(r, 3000));
        const { data } = initdb(tmp("quorvex-pg-"), SUPERUSER, ROOT_PASSWORD);
        const server = await startServer(data, LATE_PORT, SUPERUSER, ROOT_PASSWORD);
        try {
            await succeeds(run);
        } finally {
            await server.stop();
        }
    }, 90_000);

    it("waits until the server takes its password, not only until it listens (the start script applies a rotated one just after)", async () => {
        if (!POSTGRES_RUNNABLE) throw new Error(POSTGRES_MISSING);
        // The server listens with the superuser's old password, as a Postgres whose stack made new ones does for a moment.
        const { data } = initdb(tmp("quorvex-pg-"), SUPERUSER, "the-old-password");
        const server = await startServer(data, LATE_PORT, SUPERUSER, "the-old-password");
        try {
            const run = runAsync(60);
            await new Promise((r) => setTimeout(r, 3000));
            expect(psql(LATE_PORT, SUPERUSER, "the-old-password", LATE_DB, `ALTER ROLE ${SUPERUSER} PASSWORD '${ROOT_PASSWORD}'`).err).toBe("");
            await succeeds(run);
        } finally {
            await server.stop();
        }
    }, 90_000);

    it("gives up at its deadline, naming the server it waited for and psql's last reason", async () => {
        const done = await runAsync(2);
        expect(done.status).toBe(1);
        expect(done.stderr.trim()).toMatch(
            new RegExp(
                `^quorvex: Postgres at 127\\.0\\.0\\.1:${LATE_PORT} did not take a connection as ${SUPERUSER} within 2 s: psql: error: connection to server at "127\\.0\\.0\\.1", port ${LATE_PORT} failed: Connection refused`,
            ),
        );
        expect(done.stderr).not.toContain(ROOT_PASSWORD);
    }, 30_000);
});
