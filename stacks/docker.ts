import type { QuorvexConfig } from "../config/schema";
import { DockerPlatform } from "../platform/docker/platform";
import { compose, type Composition } from "./compose";

/** The single-Docker-host target (the `dev` stack, standard or workers mode). */
export function dockerStack(stack: string, c: QuorvexConfig): { platform: DockerPlatform; parts: Composition } {
    const platform = new DockerPlatform({
        stack,
        host: c.docker.host,
        publishDataPorts: c.docker.publishDataPorts,
        registryAuth: c.registry.auth,
        ingress: { ...c.ingress, image: c.images.proxy, resources: c.proxy.resources },
    });
    return { platform, parts: compose(platform, c) };
}
