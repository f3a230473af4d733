/**
 * The pack's readers, one per target: every policy reads resources through
 * these, so a target's resource types are known in its reader only. A
 * resource no reader can read fails `pack-reads-every-resource` instead of
 * passing unchecked.
 */
import type { Obj } from "../lib/json";
import { dockerReader } from "./docker";
import { kubernetesReader } from "./kubernetes";
import type { ContainerView, DataHolder, ImageUse, RouteHost, TargetReader } from "./reader";

export type { ContainerView, DataHolder, ImageUse, RouteHost };

export const READERS: readonly TargetReader[] = [dockerReader, kubernetesReader];

const readerOf = (type: string) => READERS.find((r) => r.owns(type));

/** Whether the resource runs containers a reader can read. */
export const isWorkloadType = (type: string) => readerOf(type)?.isWorkload(type) ?? false;

/** Every container of a workload resource, with the numbers the policies need. */
export const containersOf = (type: string, name: string, props: Obj, browserPatterns: string[] = []): ContainerView[] =>
    readerOf(type)?.containers(type, name, props, browserPatterns) ?? [];

/** Every image reference a resource makes the platform pull, with where it is set. */
export const imagesOf = (type: string, name: string, props: Obj): ImageUse[] => readerOf(type)?.images(type, name, props) ?? [];

export const dataHolderOf = (type: string, name: string, props: Obj): DataHolder | undefined => readerOf(type)?.dataHolder(type, name, props);

export const routesOf = (type: string, name: string, props: Obj): RouteHost[] => readerOf(type)?.routes?.(type, name, props) ?? [];

export const gatewayOf = (type: string, name: string, props: Obj) => readerOf(type)?.gateway?.(type, name, props);

export const scalesOf = (type: string, name: string, props: Obj) => readerOf(type)?.scales?.(type, name, props);

export const envValuesOf = (type: string, name: string, props: Obj) => readerOf(type)?.envValues?.(type, name, props);

export const rootSecretOf = (type: string, name: string, props: Obj) => readerOf(type)?.rootSecret?.(type, name, props);

/**
 * Why the pack cannot read this resource, or undefined when it can (or knows it
 * holds nothing to check). `inertPackages` name providers that run no workload.
 */
export function unreadableReason(type: string, props: Obj, inertPackages: string[]): string | undefined {
    const pkg = type.startsWith("pulumi:providers:") ? "pulumi" : type.slice(0, type.indexOf(":"));
    if (inertPackages.includes(pkg)) return undefined;
    const reader = readerOf(type);
    if (!reader) return `no reader of the pack reads ${pkg} resources: it cannot check their memory, images or data`;
    if (reader.isWorkload(type) || reader.dataHolder(type, "", props) || reader.images(type, "", props).length || reader.inert(type, props)) return undefined;
    if (reader.routes?.(type, "", props).length || reader.scales?.(type, "", props)) return undefined;
    return `the pack's ${pkg} reader cannot read this kind of resource (it runs containers or holds data the policies do not see)`;
}
