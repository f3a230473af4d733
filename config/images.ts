/**
 * How a registry mirror rewrites the stack's images (the parsing of a
 * reference lives with the policy pack, which checks registries too).
 */
import { parseImageRef } from "../policies/lib/images";

/** The same image from another registry (a mirror may carry a path prefix: `mirror.corp/hub`). */
export function fromRegistry(ref: string, registry: string): string {
    const r = parseImageRef(ref);
    return `${registry.replace(/\/+$/, "")}/${r.path}${r.suffix}`;
}

/**
 * The images a stack runs, with `mirror` applied to every image the user did
 * not set explicitly (per-image keys win over the mirror).
 */
export function withMirror<T extends Record<string, string>>(images: T, mirror: string | null, explicit: ReadonlySet<string>): T {
    if (!mirror) return images;
    return Object.fromEntries(Object.entries(images).map(([k, ref]) => [k, explicit.has(k) ? ref : fromRegistry(ref, mirror)])) as T;
}
