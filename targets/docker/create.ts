import type { DockerConfig } from "./config";
import { hostSizeOf } from "./host";
import { DockerTarget } from "./target";

/** The Docker host of a stack: its provider, networks and proxy, from the stack's config. */
export function create(stack: string, config: DockerConfig): DockerTarget {
    return new DockerTarget({
        stack,
        host: config.docker.host,
        publishDataPorts: config.docker.publishDataPorts,
        publishesMetrics: config.exporters.enabled,
        hostSize: hostSizeOf(config),
        healthWaitSeconds: config.docker.healthWaitSeconds,
        healthStartInterval: config.docker.healthStartInterval,
        registryAuth: config.registry.auth,
        ingress: { ...config.ingress, image: config.images.proxy, resources: config.proxy.resources },
    });
}
