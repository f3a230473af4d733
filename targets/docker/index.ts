/**
 * The Docker target: every part on one Docker host, the `dev` stack. Its config
 * section is `quorvex:docker.*`.
 *
 * Sizing comes from the platform's Docker sizing table (seed
 * `000_e21d9dc3573bf14a.txt`, "Resource Sizing"), for the recommended host
 * ("8-core server with 32GB RAM"):
 *
 * | Docker (workers)  | RAM             |
 * |-------------------|-----------------|
 * | backend-slim      | 4GB             |
 * | browser-worker    | 2GB each, 2–8   |
 * | PostgreSQL        | 4GB             |
 * | Redis, MinIO      | 1.5GB each      |
 *
 * Standard mode bundles API + browsers + VNC into one 24GB container with a
 * 2GB /dev/shm; workers get a 1GB /dev/shm.
 */
import type { TargetPlugin } from "../plugin";
import { exportersOf } from "../../components/exporters";
import { MINIO_PORT } from "../../components/minio";
import { POSTGRES_PORT } from "../../components/postgres";
import { REDIS_PORT } from "../../components/redis";
import { poolsOf } from "../../components/services/workers";
import { DOCKER_HOST_CPUS, DOCKER_HOST_MEMORY, DOCKER_MIN_CPU_LIMIT_MILLI, DOCKER_WORKERS_RECOMMENDED_MAX, section } from "./config";
import { hostWarnings } from "./host";
import { dockerReview } from "./review";

export const docker: TargetPlugin<"docker", typeof section> = {
    name: "docker",
    description: "one Docker host",
    capabilities: {
        modes: ["standard", "workers"],
        // A single host has no autoscaler.
        autoscalers: ["none"],
        // The host has no scheduler: `npm run backup:docker` (docs/operations.md) takes the backup.
        scheduledTasks: false,
        tlsModes: ["selfSigned", "provided", "none"],
        routeKinds: ["ingress"],
        registryCredentials: "auth",
        minCpuLimitMilli: DOCKER_MIN_CPU_LIMIT_MILLI,
        // One host runs no Jobs.
        taskNamespaces: false,
    },
    config: {
        schema: section,
        defaults: {
            host: null,
            hostCpus: DOCKER_HOST_CPUS,
            hostMemory: DOCKER_HOST_MEMORY,
            publishDataPorts: false,
            healthWaitSeconds: 300,
            healthStartInterval: null,
        },
        docs: {
            host: "Docker engine address (unix:///path, tcp://host:port, ssh://user@host[:port], npipe://...); null: DOCKER_HOST or the local socket.",
            hostCpus:
                "CPUs of the Docker host (`docker info`'s CPUs). A CPU limit above it is capped at it, with a warning: Docker refuses a limit above the host's CPU count, and one of all of them is no limit. `npm run deploy:dev` sets it from the engine at the first deploy.",
            hostMemory:
                "Memory of the Docker host (`docker info`'s Total Memory). A memory limit above it is capped at it, with a warning, and the docker-host-memory-budget policy checks the sum. `npm run deploy:dev` sets it from the engine at the first deploy.",
            healthWaitSeconds:
                "How long `pulumi up` waits for a container to become healthy; then the `up` fails and the unhealthy container stays, to be read with `docker logs` (the next `up` replaces it). Postgres and MinIO are waited for by their setup tasks instead, and the backend by the entry check (`ingress.check`) where it is on: sooner, since Docker's first check comes one interval after the start.",
            healthStartInterval:
                "Seconds between health checks while a container starts, so each wait of `up` ends as soon as the service is ready (Docker 25 and later, API 1.44: `start_interval`); null on older engines, which ignore it. `npm run deploy:dev` sets 1 where the engine has it.",
            publishDataPorts:
                "Publish Postgres/Redis/MinIO on 127.0.0.1 (for local tools), through a second network of theirs that is not internal (Docker maps no port on an internal one). Never on other addresses.",
        },
    },
    sizingTable: "singleHost",
    // Its services' lines of the Docker host table are theirs (components/services/).
    sharedDefaults: () => ({}),
    rules: (config, rule) => {
        // Everything the host publishes on loopback must have a port of its own there.
        const redis = config.redis.enabled;
        const e = config.exporters;
        const published = (by: string, services: [string, number, boolean][]) => services.filter(([, , on]) => on).map(([what, port]) => ({ what, port, by }));
        const data = config.docker.publishDataPorts
            ? published("docker.publishDataPorts", [
                  ["Postgres", POSTGRES_PORT, true],
                  ["Redis", REDIS_PORT, redis],
                  ["MinIO", MINIO_PORT, true],
              ])
            : [];
        const run = exportersOf(config);
        const metrics = published("exporters.enabled", [
            ["the Postgres exporter", e.postgres.port, run.postgres !== null],
            ["the Redis exporter", e.redis.port, run.redis !== null],
        ]);
        const check = (path: string[], port: number, among: typeof data) => {
            const taken = among.find((p) => p.port === port);
            if (taken) rule(path, `must differ from ${port}, where ${taken.by} publishes ${taken.what} on 127.0.0.1`);
        };
        if (["127.0.0.1", "0.0.0.0"].includes(config.ingress.bindAddress))
            for (const key of ["httpPort", "httpsPort"] as const) check(["ingress", key], config.ingress[key], [...data, ...metrics]);
        if (e.enabled) for (const name of ["postgres", "redis"] as const) check(["exporters", name, "port"], e[name].port, data);
    },
    warnings: (config, key) => {
        const host = hostWarnings(config, key);
        // Every pool's workers share the one host.
        const [first, ...named] = poolsOf(config.workers, config.images.worker);
        const replicas = first.replicas;
        const others = named.reduce((n, p) => n + p.replicas, 0);
        if (replicas + others <= DOCKER_WORKERS_RECOMMENDED_MAX) return host;
        const count = `${key(["workers", "replicas"])} = ${replicas}${others ? ` with workers.pools' ${others} (${replicas + others} workers)` : ""}`;
        return [
            ...host,
            config.mode === "workers"
                ? `${count}: more than the ${DOCKER_WORKERS_RECOMMENDED_MAX} workers the platform sizes one Docker host for; the docker-host-memory-budget policy checks that the host has the memory`
                : `${count}: more than ${DOCKER_WORKERS_RECOMMENDED_MAX} workers beside the standard backend; check the host's memory`,
        ];
    },
    review: dockerReview,
    create: (stack, config) => {
        // Loaded only for a stack on this target: the Docker provider SDK comes with it.
        const { create } = require("./create") as typeof import("./create");
        return create(stack, config);
    },
};
