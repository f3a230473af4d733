/**
 * What the pack reads from one target's resources, behind one interface: the
 * policies are written once, against these views, and never test a resource
 * type themselves. A target's reader lives in this folder and is registered in
 * `index.ts`.
 */
import type { Obj } from "../lib/json";

/** A container and the numbers the policies check. */
export interface ContainerView {
    /** "container `worker` of Deployment `browser-workers`" */
    where: string;
    /** The container's own field path ("spec.template.spec.containers[0]"; "" where the resource is the container). */
    field: string;
    image: string | undefined;
    memoryLimitMiB: number | undefined;
    /** undefined where the target has no memory request (then none is required). */
    memoryRequestMiB: number | undefined;
    /** Whether the target has memory requests at all. */
    hasMemoryRequests: boolean;
    cpuLimitCores: number | undefined;
    /** undefined where the target has no CPU request. */
    cpuRequestCores: number | undefined;
    /** /dev/shm in MiB; undefined when none is set; NaN when set without a bound. */
    shmMiB: number | undefined;
    runsBrowsers: boolean;
    /** The root credentials (a service's superuser or admin) its workload's marker says it holds. */
    rootCredentials: string[];
    /** The Secrets it reads (env, envFrom, mounted Secret volumes), as `namespace/name`; none where the target has no Secret objects. */
    secretRefs: string[];
    stateful: boolean;
    initContainer: boolean;
    /** Long-running (not a one-shot task). */
    longRunning: boolean;
    /** Shares one host's memory with the stack's other containers (a host budget applies). */
    onSharedHost: boolean;
    /** Where to set each figure, for messages. */
    fields: { memoryLimit: string; memoryRequest: string; cpuLimit: string; shm: string; shmHowTo: string };
    /** Security settings to check against the hardened profile, where the target has them. */
    security?: { runAsNonRoot: boolean; allowPrivilegeEscalation: unknown; dropsAll: boolean; seccomp: unknown; readOnlyRoot: unknown; field: string };
}

export interface ImageUse {
    image: string;
    where: string;
    field: string;
}

/** A resource that holds data, with its markers. */
export interface DataHolder {
    /** "docker.Volume `quorvex-dev-postgres-data`" */
    shown: string;
    labels: Record<string, string>;
    /** A holder that mounts others' data (checked on their own) unless it carries the marker itself. */
    mountsOthers: boolean;
}

/** A host a route serves, and whether TLS covers it. */
export interface RouteHost {
    where: string;
    host: string;
    field: string;
    /** An Ingress: its `spec.tls` covers the host. A Gateway API route: decided by its parents' listeners. */
    tls: boolean;
    /** A Gateway API route: the Gateways (and listeners) it attaches to. */
    parents?: RouteParent[];
    /** It only redirects to HTTPS (what a Gateway's plain HTTP listener may carry). */
    redirectsToHttps?: boolean;
}

export interface RouteParent {
    /** `namespace/name` of the Gateway. */
    gateway: string;
    /** The listener, or null: every listener of the Gateway. */
    sectionName: string | null;
    field: string;
}

/** A Gateway's listeners, and whether each terminates TLS with a certificate. */
export interface GatewayView {
    /** `namespace/name`. */
    gateway: string;
    listeners: { name: string; protocol: string; tls: boolean }[];
}

export interface TargetReader {
    /** Whether this reader reads resources of this type (its provider's package). */
    owns(type: string): boolean;
    /** Resources of its package that run no container and hold no data: passed knowingly. */
    inert(type: string, props: Obj): boolean;
    /** The containers of a workload resource; [] for any other. */
    containers(type: string, name: string, props: Obj, browserPatterns: string[]): ContainerView[];
    /** Whether the resource runs containers the reader can read. */
    isWorkload(type: string): boolean;
    images(type: string, name: string, props: Obj): ImageUse[];
    dataHolder(type: string, name: string, props: Obj): DataHolder | undefined;
    routes?(type: string, name: string, props: Obj): RouteHost[];
    gateway?(type: string, name: string, props: Obj): GatewayView | undefined;
    /** A Secret that holds a root credential (it carries the `rootCredentials` marker): its `namespace/name`. */
    rootSecret?(type: string, name: string, props: Obj): string | undefined;
    /**
     * What an autoscaler resource scales: the workload (`namespace/Kind/name`; none for one that
     * starts Jobs of its own), the queues (lists) it counts, and the scaler as shown.
     */
    scales?(
        type: string,
        name: string,
        props: Obj,
    ): { target: string | undefined; queues: string[]; jobs: boolean; scaler: string; namespace: string } | undefined;
    /** A workload (`namespace/Kind/name`) and the plain values of its containers' environment (a queue it takes jobs from is one). */
    envValues?(type: string, name: string, props: Obj): { workload: string; values: string[] } | undefined;
}

/** The names in a `rootCredentials` marker (`.`-separated); none when the label is absent or empty. */
export function markerList(value: string | undefined): string[] {
    return (value ?? "").split(".").filter((n) => n !== "");
}

/** Whether an image name matches a browser pattern (others' stacks, without our marker). */
export function matchesAny(image: string | undefined, patterns: string[]): boolean {
    return image !== undefined && patterns.some((p) => p !== "" && image.includes(p));
}
