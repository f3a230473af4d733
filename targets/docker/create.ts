import type { QuorvexConfig } from "../../config/schema";
import { DockerTarget } from "./target";

/** The Docker host of a stack: its provider, networks and proxy, from the stack's config. */
export function create(stack: string, c: QuorvexConfig): DockerTarget {
    return new DockerTarget({
        stack,
        host: c.docker.host,
        publishDataPorts: c.docker.publishDataPorts,
        registryAuth: c.registry.auth,
        ingress: { ...c.ingress, image: c.images.proxy, resources: c.proxy.resources },
    });
}
