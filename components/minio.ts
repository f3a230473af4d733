import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { Consumers, type ObjectStoreConnection } from "./connections";
import { generatedSecret } from "./credentials";
import type { Target, ResourceBudget, SecretHandle, ServiceHandle, TaskHandle } from "../targets/contract";

export interface BucketSpec {
    name: string;
    /** Objects expire this many days after they were written. */
    expireDays: number;
}

export interface MinIOArgs {
    target: Target;
    image: string;
    /** The MinIO client image that creates buckets and lifecycle rules. */
    clientImage: string;
    resources: ResourceBudget;
    storage: { sizeMiB: number; storageClass: string | null };
    buckets: BucketSpec[];
    protection: { protect: boolean; retainOnDelete: boolean };
    /** Change to generate a new secret key. @default "0" */
    secretKeyRotation?: string;
}

export const MINIO_PORT = 9000;

/** The lifecycle document `mc ilm import` takes for one bucket. */
export function lifecycleRules(bucket: BucketSpec): string {
    return JSON.stringify({
        Rules: [{ ID: `expire-after-${bucket.expireDays}d`, Status: "Enabled", Filter: { Prefix: "" }, Expiration: { Days: bucket.expireDays } }],
    });
}

/**
 * The shell line that points `mc` alias `alias` at $MINIO_ENDPOINT with the
 * credentials in $MINIO_ACCESS_KEY and $MINIO_SECRET_KEY. Through mc's
 * MC_HOST_<alias> variable (the shell's own `export`, no new process): `mc alias
 * set` would put the secret on a command line, where `ps` on the host shows it.
 * The generated credentials are letters and digits, safe in the URL.
 */
export function mcHost(alias: string): string {
    return `export MC_HOST_${alias}="\${MINIO_ENDPOINT%%://*}://\${MINIO_ACCESS_KEY}:\${MINIO_SECRET_KEY}@\${MINIO_ENDPOINT#*://}"`;
}

/** The script the one-shot client task runs: idempotent bucket creation and lifecycle rules. */
export function bucketScript(alias: string, buckets: BucketSpec[]): string {
    const lines = [
        "set -eu",
        mcHost(alias),
        ...buckets.flatMap((b) => [`mc mb --ignore-existing ${alias}/${b.name}`, `echo '${lifecycleRules(b)}' | mc ilm import ${alias}/${b.name}`]),
    ];
    return lines.join("\n");
}

/**
 * MinIO, the warm artifact tier: a persistent volume, generated credentials,
 * and a one-shot task that creates the buckets and their expiry rules. The
 * task runs again whenever a bucket or its expiry days change.
 */
export class MinIO extends pulumi.ComponentResource {
    public readonly service: ServiceHandle;
    public readonly credentials: SecretHandle;
    public readonly buckets: TaskHandle;
    public readonly host: string;
    public readonly port = MINIO_PORT;
    /** `http://host:9000` */
    public readonly endpoint: string;
    public readonly accessKey: pulumi.Output<string>;
    public readonly secretKey: pulumi.Output<string>;
    /** Who holds a connection (and so its credential). */
    public readonly consumers = new Consumers();

    constructor(name: string, args: MinIOArgs, opts?: pulumi.ComponentResourceOptions) {
        super("quorvex:platform:MinIO", name, {}, opts);
        const { target } = args;
        // Secret too, in the state and in outputs: half of the root credential is still half of it.
        const accessKey = new random.RandomString(
            `${name}-access-key`,
            { length: 20, special: false, upper: false },
            { parent: this, additionalSecretOutputs: ["result"] },
        );
        const secretKey = generatedSecret(`${name}-secret-key`, 40, args.secretKeyRotation, this);
        this.accessKey = pulumi.secret(accessKey.result);
        this.secretKey = secretKey;
        this.host = target.serviceHost(name);
        this.endpoint = `http://${this.host}:${MINIO_PORT}`;
        this.credentials = target.secret(
            name,
            { MINIO_ROOT_USER: this.accessKey, MINIO_ROOT_PASSWORD: this.secretKey },
            { parent: this, version: args.secretKeyRotation ?? "0" },
        );
        const creds = {
            MINIO_ROOT_USER: { secret: this.credentials, key: "MINIO_ROOT_USER" },
            MINIO_ROOT_PASSWORD: { secret: this.credentials, key: "MINIO_ROOT_PASSWORD" },
        };
        // The image ships `mc`, which probes MinIO from inside the container.
        this.service = target.statefulService(
            {
                role: name,
                component: "minio",
                image: args.image,
                // --certs-dir: MinIO creates it at start; the root filesystem is read-only.
                command: ["minio", "server", "/data", "--address", `:${MINIO_PORT}`, "--certs-dir", "/tmp/.minio/certs"],
                env: { ...creds, MINIO_BROWSER: "off", MC_CONFIG_DIR: "/tmp/.mc" },
                resources: args.resources,
                user: { uid: 1000, gid: 1000 },
                writablePaths: ["/tmp"],
                ports: [{ name: "s3", port: MINIO_PORT }],
                health: {
                    readiness: { http: { path: "/minio/health/ready", port: MINIO_PORT } },
                    liveness: { http: { path: "/minio/health/live", port: MINIO_PORT } },
                    command: ["mc", "ready", "local"],
                    startupSeconds: 20,
                },
                volume: { mountPath: "/data", sizeMiB: args.storage.sizeMiB, storageClass: args.storage.storageClass, data: "minio" },
                // On Docker MinIO runs as the image's user, root, which owns /data: it needs no capability.
                entrypointCapabilities: [],
                terminationGracePeriodSeconds: 30,
            },
            { parent: this, protection: args.protection },
        );
        this.buckets = target.task(
            {
                role: `${name}-buckets`,
                component: "minio",
                image: args.clientImage,
                command: ["sh", "-c", bucketScript("quorvex", args.buckets)],
                env: {
                    MINIO_ENDPOINT: this.endpoint,
                    MINIO_ACCESS_KEY: { secret: this.credentials, key: "MINIO_ROOT_USER" },
                    MINIO_SECRET_KEY: { secret: this.credentials, key: "MINIO_ROOT_PASSWORD" },
                    MC_CONFIG_DIR: "/tmp/.mc",
                },
                resources: { cpu: { request: 100, limit: 500 }, memory: { request: 64, limit: 256 } },
                user: { uid: 1000, gid: 1000 },
                writablePaths: ["/tmp"],
                connectsTo: [this.service],
                waitFor: [this.service],
                runKey: JSON.stringify(args.buckets),
            },
            { parent: this },
        );
        this.registerOutputs({ endpoint: this.endpoint, buckets: args.buckets.map((b) => b.name) });
    }

    /** Where the store is and the credential `consumer` connects with (today every consumer holds the root credential). */
    connectionFor(consumer: string): ObjectStoreConnection {
        return this.consumers.hand(consumer, {
            service: this.service,
            host: this.host,
            port: this.port,
            endpoint: this.endpoint,
            accessKey: { secret: this.credentials, key: "MINIO_ROOT_USER" },
            secretKey: { secret: this.credentials, key: "MINIO_ROOT_PASSWORD" },
            setup: [this.buckets],
        });
    }
}
