import * as pulumi from "@pulumi/pulumi";
import { asFile, readSecretFiles, type Target } from "../targets/contract";
import type { DatabaseConnection, ObjectStoreConnection } from "./connections";
import { mcHost } from "./minio";
import { waitForPostgres } from "./postgres";

export interface PostgresBackupArgs {
    target: Target;
    database: DatabaseConnection;
    objectStore: ObjectStoreConnection;
    /** The Postgres image (its pg_dump matches the server). */
    postgresImage: string;
    clientImage: string;
    schedule: string;
    /** Bucket with its own expiry rule (the retention). */
    bucket: string;
}

/** The dump step: custom format (compressed, restorable with pg_restore), as the backup role (its password from a file where the target mounts one). */
export const DUMP_SCRIPT = [
    "set -eu",
    ...readSecretFiles(["PGPASSWORD"]),
    // A new pod, like the roles task's: its connections may be refused until the network policy admits it.
    ...waitForPostgres(),
    "pg_dump --format=custom --no-owner --file=/backup/postgres.dump",
].join("\n");

/**
 * The upload step: the dump lands at `postgres/<UTC timestamp>.dump` in the backup bucket. A
 * plain streamed PUT (`mc pipe`): the job's MinIO user may put objects there and nothing else.
 */
export const UPLOAD_SCRIPT = [
    "set -eu",
    ...readSecretFiles(["MINIO_ACCESS_KEY", "MINIO_SECRET_KEY"]),
    mcHost("q"),
    'mc pipe --quiet "q/$BACKUP_BUCKET/postgres/$(date -u +%Y%m%dT%H%M%SZ).dump" < /backup/postgres.dump',
].join("\n");

/**
 * Scheduled `pg_dump` of the database into MinIO's backup bucket, whose
 * lifecycle rule is the retention. On a target that runs scheduled tasks
 * (a CronJob with its own network policy on Kubernetes); on Docker,
 * `npm run backup:docker` does the same.
 */
export class PostgresBackup extends pulumi.ComponentResource {
    constructor(name: string, args: PostgresBackupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("quorvex:platform:PostgresBackup", name, {}, opts);
        const { database: db, objectStore: store } = args;
        const small = { cpu: { request: 100, limit: 1000 }, memory: { request: 128, limit: 512 } };
        // Validation refuses `backup.enabled` on a target without the `scheduledTasks` capability.
        if (!args.target.scheduledTask) throw new Error(`PostgresBackup ${name}: this target runs no scheduled task`);
        args.target.scheduledTask(
            {
                role: name,
                component: "backup",
                schedule: args.schedule,
                workDir: "/backup",
                user: { uid: 70, gid: 70 },
                writablePaths: ["/tmp"],
                connectsTo: [db.service, store.service],
                steps: [
                    {
                        name: "dump",
                        image: args.postgresImage,
                        command: ["sh", "-c", DUMP_SCRIPT],
                        env: {
                            PGHOST: db.host,
                            PGPORT: String(db.port),
                            PGUSER: db.user,
                            PGDATABASE: db.database,
                            PGPASSWORD: asFile(db.password),
                        },
                        resources: small,
                    },
                    {
                        name: "upload",
                        image: args.clientImage,
                        command: ["sh", "-c", UPLOAD_SCRIPT],
                        env: {
                            MINIO_ENDPOINT: store.endpoint,
                            MINIO_ACCESS_KEY: asFile(store.accessKey),
                            MINIO_SECRET_KEY: asFile(store.secretKey),
                            BACKUP_BUCKET: args.bucket,
                            MC_CONFIG_DIR: "/tmp/.mc",
                        },
                        resources: small,
                    },
                ],
            },
            { parent: this },
        );
        this.registerOutputs({ schedule: args.schedule, bucket: args.bucket });
    }
}
