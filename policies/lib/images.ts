/**
 * Image references: where an image comes from (its registry). Docker's rules:
 * a first path component with a dot or a port, or `localhost`, is a registry;
 * otherwise the image is on Docker Hub (`docker.io`), and a one-component name
 * is an official image under `library/`. Shared by the pack, the program and
 * the tools.
 */

export const DOCKER_HUB = "docker.io";

export interface ImageRef {
    /** `docker.io`, `quay.io`, `ghcr.io`, `registry.example.com:5000`... */
    registry: string;
    /** The repository path inside the registry: `library/postgres`, `minio/minio`. */
    path: string;
    /** `:tag` and/or `@sha256:...`, as written. */
    suffix: string;
    /** The tag without its colon, if any. */
    tag?: string;
    /** The digest without its `@`, if any. */
    digest?: string;
}

export function parseImageRef(ref: string): ImageRef {
    const at = ref.indexOf("@");
    const beforeDigest = at >= 0 ? ref.slice(0, at) : ref;
    const digest = at >= 0 ? ref.slice(at) : "";
    const lastSlash = beforeDigest.lastIndexOf("/");
    const colon = beforeDigest.lastIndexOf(":");
    const name = colon > lastSlash ? beforeDigest.slice(0, colon) : beforeDigest;
    const tag = colon > lastSlash ? beforeDigest.slice(colon) : "";
    const first = name.split("/")[0];
    const hasRegistry = name.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
    const registry = hasRegistry ? first : DOCKER_HUB;
    const rest = hasRegistry ? name.slice(first.length + 1) : name;
    return {
        registry,
        path: !hasRegistry && !rest.includes("/") ? `library/${rest}` : rest,
        suffix: `${tag}${digest}`,
        ...(tag ? { tag: tag.slice(1) } : {}),
        ...(digest ? { digest: digest.slice(1) } : {}),
    };
}

/** Why an image reference is not pinned (a tag other than `latest`, or a digest), or undefined when it is. */
export function unpinnedReason(image: string): string | undefined {
    if (/^sha256:[a-f0-9]{64}$/.test(image)) return undefined; // an image ID
    const { tag, digest } = parseImageRef(image);
    if (digest) return undefined;
    if (!tag) return "has no tag (it means `latest`)";
    if (tag === "latest") return "uses the `latest` tag";
    return undefined;
}
