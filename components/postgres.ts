import * as pulumi from "@pulumi/pulumi";
import { ENTRYPOINT_DROPS_TO_USER, type Target, type ResourceBudget, type SecretHandle, type ServiceHandle } from "../targets/contract";
import { Consumers, type DatabaseConnection } from "./connections";
import { generatedSecret } from "./credentials";

export interface PostgresArgs {
    target: Target;
    image: string;
    resources: ResourceBudget;
    /** Data volume size in MiB and storage class (null: the cluster default). */
    storage: { sizeMiB: number; storageClass: string | null };
    database: string;
    user: string;
    /** Keep the data through `pulumi destroy` and replacements. */
    protection: { protect: boolean; retainOnDelete: boolean };
    /** Change to generate a new password (and roll every workload that uses it). @default "0" */
    passwordRotation?: string;
}

export const POSTGRES_PORT = 5432;

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
    "    printf '%s\\n' \"\\\\set pw \\`printenv POSTGRES_PASSWORD\\`\" \"ALTER ROLE CURRENT_USER PASSWORD :'pw';\" |",
    '        psql -q -v ON_ERROR_STOP=1 -h /var/run/postgresql -U "$POSTGRES_USER" -d "$POSTGRES_DB" >/dev/null ||',
    '        echo "quorvex: could not apply the password from the secret" >&2',
    "fi",
    'wait "$pid"',
].join("\n");

/** /dev/shm of Postgres, for parallel hash joins and sorts. */
export const POSTGRES_SHM_MIB = 256;

/** PostgreSQL with a persistent volume and a generated password. */
export class Postgres extends pulumi.ComponentResource {
    public readonly service: ServiceHandle;
    public readonly credentials: SecretHandle;
    public readonly host: string;
    public readonly port = POSTGRES_PORT;
    public readonly database: string;
    public readonly user: string;
    public readonly password: pulumi.Output<string>;
    /** `postgresql://user:password@host:5432/db`, secret. */
    public readonly url: pulumi.Output<string>;
    /** Who holds a connection (and so its credential). */
    public readonly consumers = new Consumers();

    constructor(name: string, args: PostgresArgs, opts?: pulumi.ComponentResourceOptions) {
        super("quorvex:platform:Postgres", name, {}, opts);
        const { target } = args;
        this.password = generatedSecret(`${name}-password`, 32, args.passwordRotation, this);
        this.database = args.database;
        this.user = args.user;
        const host = target.serviceHost(name);
        this.url = pulumi.secret(pulumi.interpolate`postgresql://${args.user}:${this.password}@${host}:${POSTGRES_PORT}/${args.database}`);
        const rotation = args.passwordRotation ?? "0";
        this.credentials = target.secret(name, { POSTGRES_PASSWORD: this.password, DATABASE_URL: this.url }, { parent: this, version: rotation });

        const pgIsReady = ["pg_isready", "-h", "127.0.0.1", "-U", args.user, "-d", args.database];
        this.service = target.statefulService(
            {
                role: name,
                component: "postgres",
                image: args.image,
                command: ["sh", "-c", POSTGRES_START],
                env: {
                    POSTGRES_DB: args.database,
                    POSTGRES_USER: args.user,
                    POSTGRES_PASSWORD: { secret: this.credentials, key: "POSTGRES_PASSWORD" },
                    PGDATA: "/var/lib/postgresql/data/pgdata",
                },
                resources: args.resources,
                user: { uid: 70, gid: 70 },
                writablePaths: ["/var/run/postgresql", "/tmp"],
                ports: [{ name: "postgres", port: POSTGRES_PORT }],
                health: { readiness: { exec: pgIsReady }, liveness: { exec: pgIsReady }, startupSeconds: 30 },
                volume: { mountPath: "/var/lib/postgresql/data", sizeMiB: args.storage.sizeMiB, storageClass: args.storage.storageClass, data: "postgres" },
                // The entrypoint prepares the data directory as root, then drops to the postgres user.
                entrypointCapabilities: ENTRYPOINT_DROPS_TO_USER,
                // Parallel queries keep their segments in /dev/shm: the runtime's 64 MiB fails them.
                shmMiB: POSTGRES_SHM_MIB,
                terminationGracePeriodSeconds: 60,
            },
            { parent: this, protection: args.protection },
        );
        this.host = this.service.host;
        this.registerOutputs({ host: this.host, port: this.port, database: this.database, user: this.user });
    }

    /** Where the database is and the credential `consumer` connects with. */
    connectionFor(consumer: string): DatabaseConnection {
        return this.consumers.hand(consumer, {
            service: this.service,
            host: this.host,
            port: this.port,
            database: this.database,
            user: this.user,
            password: { secret: this.credentials, key: "POSTGRES_PASSWORD" },
            url: { secret: this.credentials, key: "DATABASE_URL" },
        });
    }
}
