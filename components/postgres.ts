import * as pulumi from "@pulumi/pulumi";
import {
    asFile,
    ENTRYPOINT_DROPS_TO_USER,
    readSecretFiles,
    type Target,
    type ResourceBudget,
    type SecretHandle,
    type ServiceHandle,
    type TaskHandle,
} from "../targets/contract";
import { Consumers, type DatabaseConnection } from "./connections";
import { generatedSecret } from "./credentials";
import { setupTask, waitUntil } from "./setup";

export interface PostgresArgs {
    target: Target;
    image: string;
    resources: ResourceBudget;
    /** Data volume size in MiB and storage class (null: the cluster default). */
    storage: { sizeMiB: number; storageClass: string | null };
    database: string;
    /** The bootstrap superuser (`POSTGRES_USER`): used by the server's start script and the roles task only. */
    superuser: string;
    /** One role per consumer, with what it may do in the database. */
    roles: PostgresRole[];
    /** Keep the data through `pulumi destroy` and replacements. */
    protection: { protect: boolean; retainOnDelete: boolean };
    /** Change to generate new passwords, the superuser's and every role's (and roll every workload that uses one). @default "0" */
    passwordRotation?: string;
}

export const POSTGRES_PORT = 5432;
/** The image's data folder (its `VOLUME`); the cluster lives in `pgdata` under it. */
const POSTGRES_DATA = "/var/lib/postgresql/data";

/**
 * Starts Postgres through the image's entrypoint, then makes the role's
 * password the one in the secret: Postgres reads POSTGRES_PASSWORD only when
 * it creates the database, so without this a rotated password would never
 * reach an existing one. It waits for TCP (the entrypoint's first-run
 * server listens on the socket only), then talks over the trusted local
 * socket; the password travels through the environment, never argv.
 */
export const POSTGRES_START = [
    "docker-entrypoint.sh postgres &",
    "pid=$!",
    // Stop: a *fast* shutdown (SIGINT, the image's own stop signal), then wait for it before this
    // shell (PID 1) exits. SIGTERM would be a smart shutdown, which waits for every pooled client.
    'trap \'kill -INT "$pid"; wait "$pid"; exit $?\' TERM INT',
    'until pg_isready -q -h 127.0.0.1 -U "$POSTGRES_USER" -d "$POSTGRES_DB"; do',
    '    kill -0 "$pid" 2>/dev/null || break',
    "    sleep 1",
    "done",
    'if kill -0 "$pid" 2>/dev/null; then',
    // The password from the secret, as an env value (Docker) or a file (Kubernetes: POSTGRES_PASSWORD_FILE, which the entrypoint reads too).
    '    printf \'%s\\n\' "\\\\set pw \\`if [ -n \\"\\${POSTGRES_PASSWORD_FILE:-}\\" ]; then cat \\"\\$POSTGRES_PASSWORD_FILE\\"; else printenv POSTGRES_PASSWORD; fi\\`" "ALTER ROLE CURRENT_USER PASSWORD :\'pw\';" |',
    '        psql -q -v ON_ERROR_STOP=1 -h /var/run/postgresql -U "$POSTGRES_USER" -d "$POSTGRES_DB" >/dev/null ||',
    '        echo "quorvex: could not apply the password from the secret" >&2',
    "fi",
    'wait "$pid"',
].join("\n");

/** What a role may do in the application database. None is a superuser or may create roles or databases. */
export const DATABASE_ACCESS = {
    owner: "owns the database and its schema: changes the schema, nothing outside this database",
    readWrite: "reads and writes the rows of every table the owner made; cannot create, alter or drop one",
    read: "reads the rows of every table the owner made; writes nothing",
    dump: "reads everything, as `pg_dump` needs (`pg_read_all_data`); writes nothing",
    monitor: "reads the server's statistics (`pg_monitor`): connections, sizes, settings; no table's rows",
} as const;
export type DatabaseAccess = keyof typeof DATABASE_ACCESS;

export interface PostgresRole {
    /** The consumer that connects as this role. */
    consumer: string;
    /** The role's name (a lowercase SQL identifier). */
    name: string;
    access: DatabaseAccess;
}

/** The env var the roles task reads a role's password from. */
export const rolePasswordVar = (role: PostgresRole) => `ROLE_PASSWORD_${role.consumer.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;

const TABLE_PRIVILEGES: Partial<Record<DatabaseAccess, { tables: string; sequences: string }>> = {
    readWrite: { tables: "SELECT, INSERT, UPDATE, DELETE", sequences: "USAGE, SELECT, UPDATE" },
    read: { tables: "SELECT", sequences: "SELECT" },
};

/**
 * The SQL the roles task runs as the superuser, in the application database (psql, with its
 * variables): idempotent, so a re-run only re-applies passwords and grants. Passwords come from
 * the environment, never a command line. Objects an earlier version made as the superuser are
 * handed to the owner, so the migration can alter them.
 */
export function rolesSql(database: string, roles: PostgresRole[]): string {
    const owner = roles.find((r) => r.access === "owner");
    if (!owner) throw new Error("Postgres: one role must own the database (the migration's)");
    const lines = ["\\set ON_ERROR_STOP on", "SET client_min_messages = warning;"];
    for (const r of roles) {
        lines.push(
            `\\set pw \`printenv ${rolePasswordVar(r)}\``,
            `SELECT 'CREATE ROLE "${r.name}"' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${r.name}') \\gexec`,
            `ALTER ROLE "${r.name}" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT PASSWORD :'pw';`,
        );
    }
    lines.push(
        "\\unset pw",
        `ALTER DATABASE "${database}" OWNER TO "${owner.name}";`,
        `REVOKE ALL ON DATABASE "${database}" FROM PUBLIC;`,
        `REVOKE CREATE ON SCHEMA public FROM PUBLIC;`,
        // What the superuser made here before (tables, views, sequences not owned by a column, types, routines) goes to the owner.
        `SELECT format('ALTER %s %s OWNER TO "${owner.name}"', CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, c.oid::regclass)`,
        "  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace",
        "  WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)",
        "    AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i', 'e')) \\gexec",
        `SELECT format('ALTER TYPE %s OWNER TO "${owner.name}"', t.oid::regtype) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace`,
        "  WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd') AND t.typowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)",
        "    AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e') \\gexec",
        `SELECT format('ALTER ROUTINE %s OWNER TO "${owner.name}"', p.oid::regprocedure) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace`,
        "  WHERE n.nspname = 'public' AND p.proowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)",
        "    AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e') \\gexec",
    );
    for (const r of roles) {
        if (r.access === "owner") continue;
        lines.push(`GRANT CONNECT ON DATABASE "${database}" TO "${r.name}";`);
        if (r.access === "dump" || r.access === "monitor") {
            lines.push(`GRANT ${r.access === "dump" ? "pg_read_all_data" : "pg_monitor"} TO "${r.name}";`);
            continue;
        }
        const p = TABLE_PRIVILEGES[r.access]!;
        if (r.access === "readWrite") lines.push(`GRANT TEMPORARY ON DATABASE "${database}" TO "${r.name}";`);
        lines.push(
            `GRANT USAGE ON SCHEMA public TO "${r.name}";`,
            `GRANT ${p.tables} ON ALL TABLES IN SCHEMA public TO "${r.name}";`,
            `GRANT ${p.sequences} ON ALL SEQUENCES IN SCHEMA public TO "${r.name}";`,
            `ALTER DEFAULT PRIVILEGES FOR ROLE "${owner.name}" IN SCHEMA public GRANT ${p.tables} ON TABLES TO "${r.name}";`,
            `ALTER DEFAULT PRIVILEGES FOR ROLE "${owner.name}" IN SCHEMA public GRANT ${p.sequences} ON SEQUENCES TO "${r.name}";`,
        );
    }
    return lines.join("\n");
}

/** How long a task waits for Postgres to accept its connections before it fails. */
export const POSTGRES_WAIT_SECONDS = 120;

/**
 * Shell lines that wait, at most `seconds`, until the Postgres at PGHOST/PGPORT takes a
 * connection as the task's own role (PGUSER, PGPASSWORD), tried every second. Listening is not
 * enough: the server's start script applies a rotated password just after Postgres listens
 * (POSTGRES_START), and on Docker, where `up` no longer waits for Postgres's health, a roles
 * task that connected in between was refused its password (exit 2). A task runs in a new pod,
 * too, and a cluster's NetworkPolicy implementation admits a new pod's traffic only once it
 * has seen the pod: on a real node (kube-router) a task that connected at once was refused,
 * every retry in a new pod again, and the roles Job failed the `up`. On failure it says the
 * last reason psql gave (never a password: psql does not print one).
 */
export function waitForPostgres(seconds = POSTGRES_WAIT_SECONDS): string[] {
    return waitUntil(
        "reason=$(PGCONNECT_TIMEOUT=2 psql -X -q -t -c 'SELECT 1' 2>&1 >/dev/null)",
        `quorvex: Postgres at \${PGHOST:-localhost}:\${PGPORT:-5432} did not take a connection as \${PGUSER:-postgres} within ${seconds} s: $reason`,
        seconds,
    );
}

/**
 * The roles task's command: once Postgres accepts its connections, the SQL above through psql, as
 * the superuser over TCP (its password in PGPASSWORD, or a file).
 */
export function rolesScript(database: string, roles: PostgresRole[], waitSeconds = POSTGRES_WAIT_SECONDS): string {
    const secrets = readSecretFiles(["PGPASSWORD", ...roles.map(rolePasswordVar)]);
    return ["set -eu", ...secrets, ...waitForPostgres(waitSeconds), "psql -q -X -v ON_ERROR_STOP=1 <<'SQL'", rolesSql(database, roles), "SQL"].join("\n");
}

/** /dev/shm of Postgres, for parallel hash joins and sorts. */
export const POSTGRES_SHM_MIB = 256;

/**
 * PostgreSQL with a persistent volume, a generated superuser password that only
 * the server and its roles task hold, and one role per consumer: a one-shot
 * task creates them (and re-applies their passwords and grants when they or
 * the rotation change).
 */
export class Postgres extends pulumi.ComponentResource {
    public readonly service: ServiceHandle;
    /** The superuser's password (root). */
    public readonly credentials: SecretHandle;
    /** The roles task: every consumer connects after it. */
    public readonly setup: TaskHandle;
    public readonly host: string;
    public readonly port = POSTGRES_PORT;
    public readonly database: string;
    /** Who holds a connection (and so its credential). */
    public readonly consumers = new Consumers();
    private readonly roles: Map<string, { role: PostgresRole; secret: SecretHandle }>;

    constructor(name: string, args: PostgresArgs, opts?: pulumi.ComponentResourceOptions) {
        super("quorvex:platform:Postgres", name, {}, opts);
        const { target } = args;
        const rotation = args.passwordRotation ?? "0";
        const password = generatedSecret(`${name}-password`, 32, args.passwordRotation, this);
        this.database = args.database;
        const host = target.serviceHost(name);
        this.credentials = target.secret(name, { POSTGRES_PASSWORD: password }, { parent: this, version: rotation, root: true });
        this.roles = new Map(
            args.roles.map((role) => {
                const pw = generatedSecret(`${name}-${role.consumer}-password`, 32, args.passwordRotation, this);
                const url = pulumi.secret(pulumi.interpolate`postgresql://${role.name}:${pw}@${host}:${POSTGRES_PORT}/${args.database}`);
                const secret = target.secret(`${name}-${role.consumer}`, { PASSWORD: pw, DATABASE_URL: url }, { parent: this, version: rotation });
                return [role.consumer, { role, secret }];
            }),
        );

        const pgIsReady = ["pg_isready", "-h", "127.0.0.1", "-U", args.superuser, "-d", args.database];
        this.service = target.statefulService(
            {
                role: name,
                component: "postgres",
                image: args.image,
                command: ["sh", "-c", POSTGRES_START],
                env: {
                    POSTGRES_DB: args.database,
                    POSTGRES_USER: args.superuser,
                    POSTGRES_PASSWORD: asFile({ secret: this.credentials, key: "POSTGRES_PASSWORD" }),
                    PGDATA: `${POSTGRES_DATA}/pgdata`,
                },
                resources: args.resources,
                user: { uid: 70, gid: 70 },
                writablePaths: ["/var/run/postgresql", "/tmp"],
                ports: [{ name: "postgres", port: POSTGRES_PORT }],
                health: { readiness: { exec: pgIsReady }, liveness: { exec: pgIsReady }, startupSeconds: 30 },
                volume: { mountPath: POSTGRES_DATA, sizeMiB: args.storage.sizeMiB, storageClass: args.storage.storageClass, data: "postgres" },
                // Its roles task waits for it (waitForPostgres), and the migration and the backend come
                // after that task; its exporter reports the database down until it answers.
                awaitedByConsumers: true,
                // The entrypoint prepares the data directory as root, then drops to the postgres user.
                // The start script stays root (Docker) and stops the server, which runs as postgres,
                // with SIGINT: signalling another user's process takes KILL, without which the kernel
                // refuses and Docker kills the database after its grace period (a real engine showed it).
                entrypointCapabilities: [...ENTRYPOINT_DROPS_TO_USER, "KILL"],
                // Parallel queries keep their segments in /dev/shm: the runtime's 64 MiB fails them.
                shmMiB: POSTGRES_SHM_MIB,
                terminationGracePeriodSeconds: 60,
            },
            { parent: this, protection: args.protection },
        );
        this.host = this.service.host;
        // Runs again when a role, its access or the rotation change.
        this.setup = setupTask(
            target,
            this.service,
            {
                role: `${name}-roles`,
                component: "postgres",
                image: args.image,
                command: ["sh", "-c", rolesScript(args.database, args.roles)],
                env: {
                    PGHOST: this.host,
                    PGPORT: String(POSTGRES_PORT),
                    PGDATABASE: args.database,
                    PGUSER: args.superuser,
                    PGPASSWORD: asFile({ secret: this.credentials, key: "POSTGRES_PASSWORD" }),
                    ...Object.fromEntries([...this.roles.values()].map(({ role, secret }) => [rolePasswordVar(role), asFile({ secret, key: "PASSWORD" })])),
                },
                user: { uid: 70, gid: 70 },
                // The image's data folder, which the task never touches (no anonymous volume per run).
                imageVolumes: [POSTGRES_DATA],
                runKey: JSON.stringify({ database: args.database, roles: args.roles, rotation }),
            },
            this,
        );
        this.registerOutputs({ host: this.host, port: this.port, database: this.database, roles: args.roles.map((r) => r.name) });
    }

    /** Where the database is and `consumer`'s own role (declared in `roles`; never the superuser). */
    connectionFor(consumer: string): DatabaseConnection {
        const r = this.roles.get(consumer);
        if (!r) throw new Error(`Postgres: no role for ${consumer} (declare it, with its access, in the component's roles)`);
        return this.consumers.hand(consumer, {
            service: this.service,
            host: this.host,
            port: this.port,
            database: this.database,
            user: r.role.name,
            password: { secret: r.secret, key: "PASSWORD" },
            url: { secret: r.secret, key: "DATABASE_URL" },
            setup: [this.setup],
        });
    }

    /** A role's credential values (the stack outputs hand one to other teams). */
    roleCredential(consumer: string): { user: string; password: pulumi.Output<string>; url: pulumi.Output<string> } {
        const r = this.roles.get(consumer);
        if (!r) throw new Error(`Postgres: no role for ${consumer}`);
        return { user: r.role.name, password: r.secret.values.PASSWORD, url: r.secret.values.DATABASE_URL };
    }
}
