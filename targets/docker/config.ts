/** The Docker target's own config section, and what the target reads of a stack config. */
import { z } from "zod";
import { bool, int, memory } from "../../config/fields";
import type { ConfigView } from "../plugin";

/** The recommended single Docker host (seed: "8-core server with 32GB RAM"). */
export const DOCKER_HOST_MEMORY = "32Gi";
export const DOCKER_HOST_CPUS = 8;
/** Above this many workers on one Docker host the seed's sizing no longer holds: warn. */
export const DOCKER_WORKERS_RECOMMENDED_MAX = 8;
/** The smallest CPU limit the Docker provider reads back as it was sent (below, 50m comes back as "0.1"). */
export const DOCKER_MIN_CPU_LIMIT_MILLI = 100;

/** How the Docker provider reaches an engine. */
const dockerHost = z
    .string()
    .max(512, { error: "must be at most 512 characters" })
    .regex(/^(unix:\/\/\/\S+|npipe:\/\/\S+|tcp:\/\/[A-Za-z0-9.\-[\]:]+:\d{1,5}|ssh:\/\/[^\s/@]+@[A-Za-z0-9.\-[\]:]+(:\d{1,5})?)$/, {
        error: "must be a Docker engine address: unix:///path/to/docker.sock, tcp://host:2376, ssh://user@host or npipe://...",
    });

export const section = z.strictObject({
    host: z.union([dockerHost, z.null()]),
    hostCpus: int(1, 1024),
    hostMemory: memory,
    publishDataPorts: bool,
    healthWaitSeconds: int(10, 3600),
    healthStartInterval: z.union([int(1, 60), z.null()]),
});

/** What the Docker target reads of a stack config. */
export type DockerConfig = ConfigView<"docker", typeof section>;
