import * as pulumi from "@pulumi/pulumi";
import { Consumers, type QueueConnection } from "./connections";
import { generatedSecret } from "./credentials";
import { ENTRYPOINT_DROPS_TO_USER, type Target, type ResourceBudget, type SecretHandle, type ServiceHandle } from "../targets/contract";

export interface RedisArgs {
    target: Target;
    image: string;
    resources: ResourceBudget;
    storage: { sizeMiB: number; storageClass: string | null };
    /** `maxmemory` as a share of the memory limit, so Redis refuses writes before the kernel kills it. */
    maxmemoryPercent: number;
    protection: { protect: boolean; retainOnDelete: boolean };
    /** Change to generate a new password. @default "0" */
    passwordRotation?: string;
}

export const REDIS_PORT = 6379;

/**
 * The Redis command line: AOF on the volume, a memory ceiling below the
 * container limit and `noeviction`. The password is expanded by the shell
 * inside the container, so it never appears in the command stored by Docker
 * or Kubernetes.
 */
export function redisServe(maxmemoryMiB: number): string {
    return [
        // Through the image's entrypoint, which drops to the redis user when started as root.
        "exec docker-entrypoint.sh redis-server",
        "--appendonly yes",
        "--appendfsync everysec",
        "--dir /data",
        `--maxmemory ${maxmemoryMiB}mb`,
        "--maxmemory-policy noeviction",
        '--requirepass "$REDIS_PASSWORD"',
    ].join(" ");
}

/**
 * Redis as a job queue: append-only file on a persistent volume, and
 * `noeviction` so a full Redis refuses new jobs instead of silently dropping
 * queued ones.
 */
export class Redis extends pulumi.ComponentResource {
    public readonly service: ServiceHandle;
    public readonly credentials: SecretHandle;
    public readonly host: string;
    public readonly port = REDIS_PORT;
    public readonly password: pulumi.Output<string>;
    /** `redis://:password@host:6379/0`, secret. */
    public readonly url: pulumi.Output<string>;
    /** The `maxmemory` Redis runs with, in MiB. */
    public readonly maxmemoryMiB: number;
    /** Who holds a connection (and so its credential). */
    public readonly consumers = new Consumers();

    constructor(name: string, args: RedisArgs, opts?: pulumi.ComponentResourceOptions) {
        super("quorvex:platform:Redis", name, {}, opts);
        const { target } = args;
        this.password = generatedSecret(`${name}-password`, 32, args.passwordRotation, this);
        this.url = pulumi.secret(pulumi.interpolate`redis://:${this.password}@${target.serviceHost(name)}:${REDIS_PORT}/0`);
        this.credentials = target.secret(name, { REDIS_PASSWORD: this.password, REDIS_URL: this.url }, { parent: this, version: args.passwordRotation ?? "0" });
        this.maxmemoryMiB = Math.floor((args.resources.memory.limit * args.maxmemoryPercent) / 100);

        const serve = redisServe(this.maxmemoryMiB);
        const ping = ["sh", "-c", 'REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -h 127.0.0.1 ping | grep -q PONG'];
        this.service = target.statefulService(
            {
                role: name,
                component: "redis",
                image: args.image,
                command: ["sh", "-c", serve],
                env: { REDIS_PASSWORD: { secret: this.credentials, key: "REDIS_PASSWORD" } },
                resources: args.resources,
                user: { uid: 999, gid: 1000 },
                writablePaths: ["/tmp"],
                ports: [{ name: "redis", port: REDIS_PORT }],
                health: { readiness: { exec: ping }, liveness: { exec: ping }, startupSeconds: 10 },
                volume: { mountPath: "/data", sizeMiB: args.storage.sizeMiB, storageClass: args.storage.storageClass, data: "redis" },
                // The entrypoint fixes /data's owner as root, then drops to the redis user.
                entrypointCapabilities: ENTRYPOINT_DROPS_TO_USER,
                terminationGracePeriodSeconds: 30,
            },
            { parent: this, protection: args.protection },
        );
        this.host = this.service.host;
        this.registerOutputs({ host: this.host, port: this.port, maxmemoryMiB: this.maxmemoryMiB });
    }

    /** Where the queue is and the credential `consumer` connects with. */
    connectionFor(consumer: string): QueueConnection {
        return this.consumers.hand(consumer, {
            service: this.service,
            host: this.host,
            port: this.port,
            portName: "redis",
            password: { secret: this.credentials, key: "REDIS_PASSWORD" },
            url: { secret: this.credentials, key: "REDIS_URL" },
        });
    }
}
