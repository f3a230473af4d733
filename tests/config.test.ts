/**
 * Config: every invalid value stops the program before any resource is
 * registered, with a message naming the full key, the value and the rule.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { defaultsFor } from "../config/schema";
import { ConfigError, resolveConfig } from "../config/load";
import { ProgramFailed } from "../tools/harness";
import { runStack } from "./helpers";

const K8S = { target: "kubernetes" };
const WORKERS = { mode: "workers" };

/** [config, key the message must name, words of the rule] */
const INVALID: [string, Record<string, unknown>, string, RegExp][] = [
    ["unknown target", { target: "ecs" }, "quorvex:target", /docker or kubernetes/],
    ["unknown mode", { mode: "turbo" }, "quorvex:mode", /standard or workers/],
    ["standard mode on kubernetes", { ...K8S, mode: "standard" }, "quorvex:mode", /quorvex:mode = "standard": must be workers on the kubernetes target/],
    ["a typo in a top-level key", { workerz: { replicas: 3 } }, "quorvex:workerz", /unknown key \(did you mean `workers`\?\)/],
    ["a typo in a nested key", { workers: { replcas: 3 } }, "quorvex:workers.replcas", /unknown key \(did you mean `replicas`\?\)/],
    ["a typo deep down", { postgres: { resources: { memory: { limt: "1Gi" } } } }, "quorvex:postgres.resources.memory.limt", /unknown key/],
    ["replicas not a number", { ...WORKERS, workers: { replicas: "many" } }, "quorvex:workers.replicas", /integer from 0 to 1000/],
    ["negative replicas", { ...WORKERS, workers: { replicas: -1 } }, "quorvex:workers.replicas", /integer from 0 to 1000/],
    ["fractional replicas", { ...WORKERS, workers: { replicas: 2.5 } }, "quorvex:workers.replicas", /integer/],
    ["workers mode with no worker", { ...WORKERS, workers: { replicas: 0 } }, "quorvex:workers.replicas", /at least 1 in workers mode/],
    ["min above max", { ...K8S, workers: { min: 10, max: 5 } }, "quorvex:workers.min", /must not exceed workers.max \(5\)/],
    [
        "autoscaler on docker",
        { workers: { autoscaler: "hpa" } },
        "quorvex:workers.autoscaler",
        /must be none on the docker target \(one Docker host\), which has no other autoscaler/,
    ],
    ["unknown autoscaler", { ...K8S, workers: { autoscaler: "vpa" } }, "quorvex:workers.autoscaler", /none, hpa, keda or keda-job/],
    ["cpu target above 100%", { ...K8S, workers: { targetCpuPercent: 150 } }, "quorvex:workers.targetCpuPercent", /integer from 1 to 100/],
    [
        "a memory size without unit",
        { workers: { resources: { memory: { limit: "2GB" } } } },
        "quorvex:workers.resources.memory.limit",
        /memory size such as 512Mi/,
    ],
    ["a CPU amount that is not one", { backend: { resources: { cpu: { limit: "lots" } } } }, "quorvex:backend.resources.cpu.limit", /CPU amount/],
    ["request above limit", { postgres: { resources: { memory: { request: "8Gi" } } } }, "quorvex:postgres.resources.memory.request", /must not exceed/],
    ["cpu request above limit", { redis: { resources: { cpu: { request: "4" } } } }, "quorvex:redis.resources.cpu.request", /must not exceed/],
    ["worker shm eating the headroom", { ...WORKERS, workers: { shm: "1536Mi" } }, "quorvex:workers.resources.memory.limit", /headroom.*\/dev\/shm/],
    [
        "worker limit equal to shm",
        { ...K8S, workers: { resources: { memory: { limit: "1Gi", request: "1Gi" } } } },
        "quorvex:workers.resources.memory.limit",
        /headroom/,
    ],
    ["standard backend shm eating its memory", { backend: { shm: "24Gi" } }, "quorvex:backend.resources.memory.limit", /above backend.shm/],
    ["image tagged latest", { images: { backend: "ghcr.io/quorvex/quorvex-backend:latest" } }, "quorvex:images.backend", /other than `latest`/],
    ["image without a tag", { images: { postgres: "postgres" } }, "quorvex:images.postgres", /explicit tag/],
    ["image with uppercase name", { images: { redis: "Redis:7" } }, "quorvex:images.redis", /image reference/],
    ["unknown image key", { images: { grafana: "grafana/grafana:11.0.0" } }, "quorvex:images.grafana", /unknown key/],
    ["total days not above hot days", { archive: { hotDays: 30, totalDays: 10 } }, "quorvex:archive.totalDays", /greater than archive.hotDays \(30\)/],
    ["equal archive days", { archive: { hotDays: 30, totalDays: 30 } }, "quorvex:archive.totalDays", /greater than/],
    ["zero hot days", { archive: { hotDays: 0 } }, "quorvex:archive.hotDays", /integer from 1/],
    ["workers mode without Redis", { ...WORKERS, redis: { enabled: false } }, "quorvex:redis.enabled", /workers mode/],
    ["workers beside standard without Redis", { workers: { replicas: 2 }, redis: { enabled: false } }, "quorvex:redis.enabled", /fed by the Redis job queue/],
    ["keda without Redis", { ...K8S, workers: { autoscaler: "keda" }, redis: { enabled: false } }, "quorvex:redis.enabled", /must be true/],
    ["an ingress host that is not a host", { ingress: { host: "https://quorvex.example.com/" } }, "quorvex:ingress.host", /DNS host name/],
    [
        "cert-manager without issuer",
        { ...K8S, ingress: { tls: { mode: "certManager", clusterIssuer: null } } },
        "quorvex:ingress.tls.clusterIssuer",
        /required/,
    ],
    ["tls secret mode without secret", { ...K8S, ingress: { tls: { mode: "secret" } } }, "quorvex:ingress.tls.secretName", /required/],
    [
        "cert-manager on docker",
        { ingress: { tls: { mode: "certManager", clusterIssuer: "x" } } },
        "quorvex:ingress.tls.mode",
        /selfSigned, provided or none on the docker target/,
    ],
    ["a bind address that is not one", { ingress: { bindAddress: "localhost" } }, "quorvex:ingress.bindAddress", /IPv4/],
    ["same http and https ports", { ingress: { httpPort: 8443, httpsPort: 8443 } }, "quorvex:ingress.httpsPort", /must differ/],
    ["a port out of range", { backend: { port: 70000 } }, "quorvex:backend.port", /integer from 1 to 65535/],
    ["a namespace that is not a DNS label", { ...K8S, kubernetes: { namespace: "Playwright_Agent" } }, "quorvex:kubernetes.namespace", /DNS-1123 label/],
    ["a storage class that is not one", { postgres: { storageClass: "fast ssd" } }, "quorvex:postgres.storageClass", /DNS-1123/],
    ["protection not a boolean", { protection: { protect: "yes" } }, "quorvex:protection.protect", /true or false/],
    ["a bucket name S3 refuses", { minio: { bucket: "Artifacts_Bucket" } }, "quorvex:minio.bucket", /S3 bucket name/],
    ["a database name that is not an identifier", { postgres: { database: "quorvex-db" } }, "quorvex:postgres.database", /SQL identifier/],
    ["redis maxmemory share too high", { redis: { maxmemoryPercent: 100 } }, "quorvex:redis.maxmemoryPercent", /integer from 10 to 95/],
    [
        "a superuser name its roles would stretch past 63 characters",
        { postgres: { user: "q".repeat(56) } },
        "quorvex:postgres.user",
        /at most 55 characters \(the roles add a suffix\)/,
    ],
    [
        "a worker key pattern with a space (it would start another ACL rule)",
        { redis: { workerExtraKeys: ["locks:* +@all"] } },
        "quorvex:redis.workerExtraKeys[0]",
        /Redis key pattern/,
    ],
    [
        "a worker key pattern that matches every key",
        { redis: { workerExtraKeys: ["locks:*", "**"] } },
        "quorvex:redis.workerExtraKeys[1]",
        /must not match every key/,
    ],
    ["worker artifact access that deletes", { workers: { artifactAccess: "full" } }, "quorvex:workers.artifactAccess", /write or readWrite/],
];

describe("invalid config", () => {
    it("has at least 30 cases", () => expect(INVALID.length).toBeGreaterThanOrEqual(30));

    for (const [title, config, key, rule] of INVALID) {
        it(`rejects ${title}, naming ${key}, before any resource`, async () => {
            const error = await runStack({ stack: "bad", config }).then(
                (run) => new ProgramFailed(`accepted; registered ${run.resources.length} resources`, run.resources.length, null),
                (err: ProgramFailed) => err,
            );
            expect(error).toBeInstanceOf(ProgramFailed);
            expect(error.message).toContain(`${key} = `);
            expect(error.message).toMatch(rule);
            expect(error.registered).toBe(0);
        });
    }

    it("names the value it refused", () => {
        expect(() => resolveConfig({ workers: { replicas: "many" } })).toThrow(/quorvex:workers.replicas = "many": must be an integer/);
    });

    it("lists every problem at once, one line each", () => {
        try {
            resolveConfig({ archive: { hotDays: 0 }, images: { backend: "x:latest" }, target: "nomad" });
            expect.unreachable();
        } catch (err) {
            expect((err as ConfigError).problems).toHaveLength(3);
        }
    });
});

describe("valid config", () => {
    it("fills every default from the sizing tables for the docker standard host", () => {
        const { config } = resolveConfig({});
        expect(config.target).toBe("docker");
        expect(config.mode).toBe("standard");
        expect(config.backend.resources.memory.limit).toBe(24 * 1024);
        expect(config.backend.shm).toBe(2048);
        expect(config.postgres.resources.memory.limit).toBe(4096);
        expect(config.redis.resources.memory.limit).toBe(1536);
        expect(config.minio.resources.memory.limit).toBe(1536);
        expect(config.archive).toEqual({ hotDays: 30, totalDays: 90 });
    });

    it("sizes Docker workers mode as the seed: slim backend 4GB, workers 2GB with 1GB shm", () => {
        const { config } = resolveConfig({ mode: "workers" });
        expect(config.backend.resources.memory.limit).toBe(4096);
        expect(config.workers.resources.memory.limit).toBe(2048);
        expect(config.workers.shm).toBe(1024);
        expect(config.workers.replicas).toBe(2);
    });

    it("sizes Kubernetes as the seed: backend 1/1Gi..4/4Gi, worker 1/1Gi..2/3Gi + 1Gi shm, Postgres 256Mi/1Gi, Redis 64Mi/256Mi", () => {
        const { config } = resolveConfig({ target: "kubernetes" });
        expect(config.mode).toBe("workers");
        expect(config.backend.resources).toEqual({ cpu: { request: 1000, limit: 4000 }, memory: { request: 1024, limit: 4096 } });
        expect(config.workers.resources).toEqual({ cpu: { request: 1000, limit: 2000 }, memory: { request: 1024, limit: 3072 } });
        expect(config.workers).toMatchObject({ shm: 1024, min: 2, max: 20, targetCpuPercent: 70, autoscaler: "hpa" });
        expect(config.postgres.resources.memory).toEqual({ request: 256, limit: 1024 });
        expect(config.redis.resources.memory).toEqual({ request: 64, limit: 256 });
        expect(config.kubernetes.namespace).toBe("playwright-agent");
    });

    it("accepts numbers given as strings by `pulumi config set` without --path", () => {
        expect(resolveConfig({ mode: "workers", workers: { replicas: "3" } }).config.workers.replicas).toBe(3);
    });

    it("warns, rather than refuses, above the seed's 8 workers per Docker host", () => {
        const { warnings } = resolveConfig({ mode: "workers", workers: { replicas: 500 } });
        expect(warnings.join("\n")).toMatch(/quorvex:workers.replicas = 500/);
    });

    it("declares in Pulumi.yaml the same defaults as the schema", () => {
        const project = parse(fs.readFileSync(path.join(__dirname, "..", "Pulumi.yaml"), "utf8"));
        expect(project.name).toBe("quorvex");
        expect(project.config["quorvex:target"].default).toBe(defaultsFor("docker", "standard").target);
    });

    for (const file of ["Pulumi.dev.yaml", "Pulumi.prod.yaml"]) {
        it(`accepts the checked-in ${file}`, () => {
            const raw = parse(fs.readFileSync(path.join(__dirname, "..", file), "utf8")).config as Record<string, unknown>;
            const nested = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k.replace(/^quorvex:/, ""), v]));
            expect(() => resolveConfig(nested)).not.toThrow();
        });
    }
});
