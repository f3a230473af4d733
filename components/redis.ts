import * as pulumi from "@pulumi/pulumi";
import { Consumers, type QueueConnection } from "./connections";
import { generatedSecret } from "./credentials";
import {
    asFile,
    ENTRYPOINT_DROPS_TO_USER,
    readSecretFiles,
    type Target,
    type ResourceBudget,
    type SecretHandle,
    type ServiceHandle,
} from "../targets/contract";

export interface RedisArgs {
    target: Target;
    image: string;
    resources: ResourceBudget;
    storage: { sizeMiB: number; storageClass: string | null };
    /** `maxmemory` as a share of the memory limit, so Redis refuses writes before the kernel kills it. */
    maxmemoryPercent: number;
    /** One ACL user per consumer. */
    users: RedisUser[];
    protection: { protect: boolean; retainOnDelete: boolean };
    /** Change to generate new passwords (the admin's and every user's). @default "0" */
    passwordRotation?: string;
}

export const REDIS_PORT = 6379;

/** The admin user: the root credential, held by the Redis container alone (its health check). */
export const REDIS_ADMIN = "admin";

/**
 * A Redis ACL user: its name, the consumer it is for, and its rules (key patterns, channels,
 * commands) in Redis's own ACL syntax. Passwords are generated; the rules are ours.
 */
export interface RedisUser {
    consumer: string;
    name: string;
    rules: string;
}

/** ACL rules for the platform's kinds of consumer (the image contract for key names: docs/images.md). */
export const REDIS_ACCESS = {
    /** Every key and channel, every command but the dangerous ones (FLUSHALL, CONFIG, KEYS, SHUTDOWN, ACL, DEBUG...). */
    application: () => "resetkeys ~* resetchannels &* -@all +@all -@dangerous",
    /** The queue list and keys under `<queue>:`, plus `extraKeys`: reads, writes, blocking pops, MULTI; nothing dangerous. */
    queueWorker: (queue: string, extraKeys: string[] = []) =>
        [
            "resetkeys",
            `~${queue}`,
            `~${queue}:*`,
            ...extraKeys.map((k) => `~${k}`),
            "resetchannels",
            "-@all +@read +@write +@connection +@transaction -@dangerous",
        ].join(" "),
    /**
     * The length of one list and nothing else: KEDA's scaler, which pings at connect and then
     * reads the length in a Lua script (EVAL) that asks the key's TYPE, then LLEN (KEDA 2.21,
     * `pkg/scalers/redis_scaler.go`). A script's own calls are checked against these rules too.
     */
    listLength: (queue: string) => `resetkeys ~${queue} resetchannels -@all +ping +eval +type +llen`,
    /**
     * The server's statistics and the lengths of these lists, nothing else: the metrics exporter
     * (oliver006/redis_exporter 1.82), which runs INFO, then SELECT, TYPE and LLEN for each list it
     * is told (`components/exporters.ts` turns off its CONFIG GET, CLIENT SETNAME and LATENCY; the
     * SLOWLOG and MEMORY USAGE it still sends are refused, and it carries on without them).
     */
    metrics: (...queues: string[]) => ["resetkeys", ...queues.map((q) => `~${q}`), "resetchannels -@all +info +select +type +llen"].join(" "),
    /** Reads of the queues' keys (other teams): every pool's. */
    queueReader: (...queues: string[]) =>
        ["resetkeys", ...queues.flatMap((q) => [`~${q}`, `~${q}:*`]), "resetchannels -@all +@read +@connection -@dangerous"].join(" "),
} as const;

/** The env var the server reads a user's password from. */
export const userPasswordVar = (user: Pick<RedisUser, "consumer">) => `USER_PASSWORD_${user.consumer.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;

/** The ACL file the server loads: the default user off, the admin, then one line per user (passwords as SHA-256). */
export const ACL_FILE = "/tmp/users.acl";

/**
 * The Redis start: writes the ACL file from the passwords in the environment (hashed by the
 * shell, never on a command line), then starts the server on it: AOF on the volume, a memory
 * ceiling below the container limit and `noeviction`. The file lives on the container's own
 * scratch space and is rewritten at every start, so a rotated password takes effect there.
 */
export function redisServe(maxmemoryMiB: number, users: RedisUser[] = [], aclFile = ACL_FILE): string {
    const line = (name: string, variable: string, rules: string) => `    echo "user ${name} on #$(sha "$${variable}") ${rules}"`;
    return [
        "set -eu",
        ...readSecretFiles(["REDIS_PASSWORD", ...users.map(userPasswordVar)]),
        "umask 077",
        "sha() { printf '%s' \"$1\" | sha256sum | cut -d' ' -f1; }",
        "{",
        '    echo "user default off resetkeys resetchannels -@all"',
        line(REDIS_ADMIN, "REDIS_PASSWORD", "~* &* +@all"),
        ...users.map((u) => line(u.name, userPasswordVar(u), u.rules)),
        `} > ${aclFile}`,
        // Started as root (Docker), the image's entrypoint drops to the redis user, which must read the file.
        `if [ "$(id -u)" = 0 ]; then chown redis:redis ${aclFile}; fi`,
        [
            // Through the image's entrypoint, which drops to the redis user when started as root.
            "exec docker-entrypoint.sh redis-server",
            "--appendonly yes",
            "--appendfsync everysec",
            "--dir /data",
            `--maxmemory ${maxmemoryMiB}mb`,
            "--maxmemory-policy noeviction",
            `--aclfile ${aclFile}`,
        ].join(" "),
    ].join("\n");
}

/**
 * Redis as a job queue: append-only file on a persistent volume, and
 * `noeviction` so a full Redis refuses new jobs instead of silently dropping
 * queued ones. Access is by ACL user, one per consumer; the default user is off,
 * and the admin (the root credential) is the Redis container's own.
 */
export class Redis extends pulumi.ComponentResource {
    public readonly service: ServiceHandle;
    /** The admin password (root). */
    public readonly credentials: SecretHandle;
    public readonly host: string;
    public readonly port = REDIS_PORT;
    /** The `maxmemory` Redis runs with, in MiB. */
    public readonly maxmemoryMiB: number;
    /** Who holds a connection (and so its credential). */
    public readonly consumers = new Consumers();
    private readonly users: Map<string, { user: RedisUser; secret: SecretHandle }>;

    constructor(name: string, args: RedisArgs, opts?: pulumi.ComponentResourceOptions) {
        super("quorvex:platform:Redis", name, {}, opts);
        const { target } = args;
        const rotation = args.passwordRotation ?? "0";
        const host = target.serviceHost(name);
        const admin = generatedSecret(`${name}-password`, 32, args.passwordRotation, this);
        this.credentials = target.secret(name, { REDIS_PASSWORD: admin }, { parent: this, version: rotation, root: true });
        this.users = new Map(
            args.users.map((user) => {
                const pw = generatedSecret(`${name}-${user.consumer}-password`, 32, args.passwordRotation, this);
                const url = pulumi.secret(pulumi.interpolate`redis://${user.name}:${pw}@${host}:${REDIS_PORT}/0`);
                const secret = target.secret(
                    `${name}-${user.consumer}`,
                    { REDIS_USERNAME: user.name, REDIS_PASSWORD: pw, REDIS_URL: url },
                    { parent: this, version: rotation },
                );
                return [user.consumer, { user, secret }];
            }),
        );
        this.maxmemoryMiB = Math.floor((args.resources.memory.limit * args.maxmemoryPercent) / 100);

        const serve = redisServe(this.maxmemoryMiB, args.users);
        const ping = [
            "sh",
            "-c",
            `${readSecretFiles(["REDIS_PASSWORD"])[0]}; REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli --user ${REDIS_ADMIN} -h 127.0.0.1 ping | grep -q PONG`,
        ];
        this.service = target.statefulService(
            {
                role: name,
                component: "redis",
                image: args.image,
                command: ["sh", "-c", serve],
                env: {
                    REDIS_PASSWORD: asFile({ secret: this.credentials, key: "REDIS_PASSWORD" }),
                    ...Object.fromEntries(
                        [...this.users.values()].map(({ user, secret }) => [userPasswordVar(user), asFile({ secret, key: "REDIS_PASSWORD" })]),
                    ),
                },
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
        this.registerOutputs({ host: this.host, port: this.port, maxmemoryMiB: this.maxmemoryMiB, users: args.users.map((u) => u.name) });
    }

    /** Where the queue is and `consumer`'s own ACL user (declared in `users`; never the admin). */
    connectionFor(consumer: string): QueueConnection {
        const u = this.users.get(consumer);
        if (!u) throw new Error(`Redis: no user for ${consumer} (declare it, with its rules, in the component's users)`);
        return this.consumers.hand(consumer, {
            service: this.service,
            host: this.host,
            port: this.port,
            portName: "redis",
            user: u.user.name,
            username: { secret: u.secret, key: "REDIS_USERNAME" },
            password: { secret: u.secret, key: "REDIS_PASSWORD" },
            url: { secret: u.secret, key: "REDIS_URL" },
        });
    }

    /** A user's URL (the stack outputs hand one to other teams). */
    userUrl(consumer: string): pulumi.Output<string> {
        const u = this.users.get(consumer);
        if (!u) throw new Error(`Redis: no user for ${consumer}`);
        return u.secret.values.REDIS_URL;
    }
}
