import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { Consumers, type ObjectStoreConnection } from "./connections";
import { generatedSecret } from "./credentials";
import { setupTask, waitUntil } from "./setup";
import { asFile, readSecretFiles, type Target, type ResourceBudget, type SecretHandle, type ServiceHandle, type TaskHandle } from "../targets/contract";

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
    /** One user per consumer, with its grants: the root credential goes to nobody but the server and its setup task. */
    users: MinioUser[];
    protection: { protect: boolean; retainOnDelete: boolean };
    /** Change to generate a new root secret key and new user secret keys. @default "0" */
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

/**
 * What a user may do in one bucket. None deletes but `full`; none but `full` and `read` lists
 * (a writer cannot learn the names of what others wrote).
 */
export const BUCKET_ACCESS = {
    read: "gets and lists objects",
    write: "puts objects (multipart too), nothing else: no get, list or delete",
    readWrite: "gets and puts objects; no list, no delete",
    full: "everything on objects, listing and deleting included",
} as const;
export type BucketAccess = keyof typeof BUCKET_ACCESS;

export interface MinioUser {
    /** The access key (not secret: a name), and the consumer that asks for it. */
    name: string;
    grants: { bucket: string; access: BucketAccess }[];
}

const OBJECT_ACTIONS: Record<BucketAccess, string[]> = {
    read: ["s3:GetObject"],
    write: ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
    readWrite: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
    full: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
};
const BUCKET_ACTIONS: Record<BucketAccess, string[]> = {
    read: ["s3:GetBucketLocation", "s3:ListBucket"],
    write: ["s3:GetBucketLocation"],
    readWrite: ["s3:GetBucketLocation"],
    full: ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
};

/** The IAM policy document of one user: its grants, and nothing on any other bucket. */
export function userPolicy(user: MinioUser): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: user.grants.flatMap((g) => [
            { Effect: "Allow", Action: BUCKET_ACTIONS[g.access], Resource: [`arn:aws:s3:::${g.bucket}`] },
            { Effect: "Allow", Action: OBJECT_ACTIONS[g.access], Resource: [`arn:aws:s3:::${g.bucket}/*`] },
        ]),
    });
}

/** The policy a user is attached to. */
export const policyName = (user: MinioUser) => `quorvex-${user.name}`;
/** The env var the setup task reads a user's secret key from. */
export const userSecretVar = (user: MinioUser) => `USER_SECRET_${user.name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;

/** How long the setup task waits for MinIO to answer before it fails. */
export const MINIO_WAIT_SECONDS = 120;

/**
 * Shell lines that wait, at most `seconds`, until MinIO at `alias` answers an admin call (which it
 * refuses until it is initialized; measured: buckets, policies and users succeed at once after).
 * Polled every second: `mc ready` retries every 5 s, and `up` no longer waits for MinIO's own
 * health on Docker, whose first check comes 10 s after the start (`awaitedByConsumers`).
 */
export function waitForMinio(alias: string, seconds = MINIO_WAIT_SECONDS): string[] {
    return waitUntil(`mc admin info ${alias} >/dev/null 2>&1`, `quorvex: MinIO at $MINIO_ENDPOINT did not answer within ${seconds} s`, seconds);
}

/**
 * The script the one-shot setup task runs, with the root credential (the only workload that
 * holds it): idempotent bucket creation and lifecycle rules, then one user per consumer with its
 * own policy. A user's secret key reaches `mc` on stdin, never on its command line; a re-run
 * sets the same (or a rotated) key and finds the policy already attached.
 */
export function setupScript(alias: string, buckets: BucketSpec[], users: MinioUser[]): string {
    const lines = [
        "set -eu",
        ...readSecretFiles(["MINIO_ACCESS_KEY", "MINIO_SECRET_KEY", ...users.map(userSecretVar)]),
        mcHost(alias),
        ...waitForMinio(alias),
        ...buckets.flatMap((b) => [`mc mb --ignore-existing ${alias}/${b.name}`, `echo '${lifecycleRules(b)}' | mc ilm import ${alias}/${b.name}`]),
        "umask 077",
        ...users.flatMap((u) => [
            `echo '${userPolicy(u)}' > "\${TMPDIR:-/tmp}/${policyName(u)}.json"`,
            `mc admin policy create ${alias} ${policyName(u)} "\${TMPDIR:-/tmp}/${policyName(u)}.json"`,
            `printenv ${userSecretVar(u)} | mc admin user add ${alias} ${u.name}`,
            // Attaching a policy that is already attached is refused: then it must show in the user's info.
            `mc admin policy attach ${alias} ${policyName(u)} --user ${u.name} >/dev/null 2>&1 || mc admin user info ${alias} ${u.name} | grep -qw ${policyName(u)}`,
        ]),
    ];
    return lines.join("\n");
}

/**
 * MinIO, the warm artifact tier: a persistent volume, a generated root
 * credential, and a one-shot setup task, the only other holder of that root,
 * that creates the buckets, their expiry rules, and one user per consumer with
 * a bucket-scoped policy. The task runs again whenever a bucket, its expiry
 * days, a user's grants or the rotation change.
 */
export class MinIO extends pulumi.ComponentResource {
    public readonly service: ServiceHandle;
    public readonly credentials: SecretHandle;
    /** The setup task: buckets, lifecycle rules, users and their policies. */
    public readonly setup: TaskHandle;
    public readonly host: string;
    public readonly port = MINIO_PORT;
    /** `http://host:9000` */
    public readonly endpoint: string;
    public readonly accessKey: pulumi.Output<string>;
    public readonly secretKey: pulumi.Output<string>;
    /** Who holds a connection (and so its credential). */
    public readonly consumers = new Consumers();
    private readonly userCredentials: Map<string, SecretHandle>;

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
        const rotation = args.secretKeyRotation ?? "0";
        this.credentials = target.secret(
            name,
            { MINIO_ROOT_USER: this.accessKey, MINIO_ROOT_PASSWORD: this.secretKey },
            { parent: this, version: rotation, root: true },
        );
        // MinIO reads MINIO_ROOT_USER_FILE and MINIO_ROOT_PASSWORD_FILE itself.
        const creds = {
            MINIO_ROOT_USER: asFile({ secret: this.credentials, key: "MINIO_ROOT_USER" }),
            MINIO_ROOT_PASSWORD: asFile({ secret: this.credentials, key: "MINIO_ROOT_PASSWORD" }),
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
                // Its setup task waits for it (waitForMinio), and every consumer comes after that task.
                awaitedByConsumers: true,
                // On Docker MinIO runs as the image's user, root, which owns /data: it needs no capability.
                entrypointCapabilities: [],
                terminationGracePeriodSeconds: 30,
            },
            { parent: this, protection: args.protection },
        );
        // One credential per user, each its own secret (its readers roll when it rotates).
        this.userCredentials = new Map(
            args.users.map((u) => {
                const secretKey = generatedSecret(`${name}-${u.name}-secret-key`, 40, args.secretKeyRotation, this);
                const handle = target.secret(
                    `${name}-${u.name}`,
                    { MINIO_ACCESS_KEY: u.name, MINIO_SECRET_KEY: secretKey },
                    { parent: this, version: rotation },
                );
                return [u.name, handle];
            }),
        );
        const userSecrets = Object.fromEntries(
            args.users.map((u) => [userSecretVar(u), asFile({ secret: this.userCredentials.get(u.name)!, key: "MINIO_SECRET_KEY" })]),
        );
        // Runs again when a bucket, a user's grants or the credentials' rotation change.
        this.setup = setupTask(
            target,
            this.service,
            {
                role: `${name}-buckets`,
                component: "minio",
                image: args.clientImage,
                command: ["sh", "-c", setupScript("quorvex", args.buckets, args.users)],
                env: {
                    MINIO_ENDPOINT: this.endpoint,
                    MINIO_ACCESS_KEY: asFile({ secret: this.credentials, key: "MINIO_ROOT_USER" }),
                    MINIO_SECRET_KEY: asFile({ secret: this.credentials, key: "MINIO_ROOT_PASSWORD" }),
                    ...userSecrets,
                    MC_CONFIG_DIR: "/tmp/.mc",
                },
                user: { uid: 1000, gid: 1000 },
                // Each of mc's admin calls that carries a secret (a user's key, a policy attached) derives
                // its key with Argon2id (64 MiB, about 0.4 s of CPU, most of it page faults): at half a
                // core three users took 7 s, at one core 3.5 s (measured, one `mc` at a time).
                cpuLimit: 1000,
                runKey: JSON.stringify({ buckets: args.buckets, users: args.users, rotation }),
            },
            this,
        );
        this.registerOutputs({ endpoint: this.endpoint, buckets: args.buckets.map((b) => b.name) });
    }

    /** Where the store is and `consumer`'s own user (declared in `users`; never the root credential). */
    connectionFor(consumer: string): ObjectStoreConnection {
        const user = this.userCredentials.get(consumer);
        if (!user) throw new Error(`MinIO: no user for ${consumer} (declare it, with its grants, in the component's users)`);
        return this.consumers.hand(consumer, {
            service: this.service,
            host: this.host,
            port: this.port,
            endpoint: this.endpoint,
            accessKey: { secret: user, key: "MINIO_ACCESS_KEY" },
            secretKey: { secret: user, key: "MINIO_SECRET_KEY" },
            setup: [this.setup],
        });
    }

    /** A user's credential values (the stack outputs hand one to other teams). */
    userCredential(consumer: string): { accessKey: pulumi.Output<string>; secretKey: pulumi.Output<string> } {
        const user = this.userCredentials.get(consumer);
        if (!user) throw new Error(`MinIO: no user for ${consumer}`);
        return { accessKey: user.values.MINIO_ACCESS_KEY, secretKey: user.values.MINIO_SECRET_KEY };
    }
}
