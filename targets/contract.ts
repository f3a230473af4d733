/**
 * The platform layer: what a component needs, independent of the target.
 *
 * A component describes a stateless service, a stateful service with a
 * volume, a one-shot task or a route; `DockerPlatform` and
 * `KubernetesPlatform` turn those descriptions into resources. Components
 * never branch on the target.
 */
import * as pulumi from "@pulumi/pulumi";
import type { TlsMode } from "../config/fields";

/** CPU in millicores, memory in MiB. */
export interface ResourceBudget {
    cpu: { request: number; limit: number };
    memory: { request: number; limit: number };
}

/** Credentials held together (a Kubernetes Secret; plain secret values on Docker). */
export interface SecretHandle {
    readonly name: string;
    readonly values: Readonly<Record<string, pulumi.Output<string>>>;
    /** The rotation keeper the values were generated with: workloads that use them roll when it changes. */
    readonly version: string;
    /** The object that stores the values, where the target keeps them apart (a Kubernetes Secret): its readers wait for it. */
    readonly stored?: pulumi.Resource;
    /**
     * A root credential (a service's superuser or admin): held by that service and its setup task
     * only. Every workload that reads one carries the `rootCredentials` marker, which the pack reads.
     */
    readonly root: boolean;
}

export interface SecretOptions extends PlacementOptions {
    /** The rotation keeper the values were generated with. @default "0" */
    version?: string;
    /** See `SecretHandle.root`. @default false */
    root?: boolean;
}

/** An env var whose value comes from a secret. */
export interface SecretRef {
    secret: SecretHandle;
    key: string;
    /**
     * The image reads `<NAME>_FILE`, a path, as well as `<NAME>`: where the target can, it mounts
     * the value as a file and sets only `<NAME>_FILE`, so the value is in no container's env
     * (Kubernetes). A target that cannot (Docker) sets `<NAME>`. @default false
     */
    file?: boolean;
}

/** The same reference, handed to the workload as a file where the target can (see `SecretRef.file`). */
export const asFile = (ref: SecretRef): SecretRef => ({ ...ref, file: true });

/**
 * Shell lines for a script whose secrets may come as files: for each name whose `<NAME>_FILE`
 * is set, reads the file into `<NAME>` and exports it (the script's own children inherit it;
 * no command line ever holds it).
 */
export function readSecretFiles(names: string[]): string[] {
    return names.map((n) => `if [ -n "\${${n}_FILE:-}" ]; then ${n}="$(cat "$${n}_FILE")"; export ${n}; fi`);
}

/** The names in an env that are handed as files where the target can. */
export function fileSecretNames(env: Record<string, EnvValue>): string[] {
    return Object.entries(env)
        .filter(([, v]) => isSecretRef(v) && v.file === true)
        .map(([k]) => k);
}

export type EnvValue = pulumi.Input<string> | SecretRef;

export function isSecretRef(v: EnvValue): v is SecretRef {
    return typeof v === "object" && v !== null && "secret" in v && "key" in v;
}

/** `name=version` of every secret a workload's env reads, sorted: what makes it roll on rotation. */
export function credentialVersions(env: Record<string, EnvValue> | undefined): string {
    const seen = new Map<string, string>();
    for (const v of Object.values(env ?? {})) if (isSecretRef(v)) seen.set(v.secret.name, v.secret.version);
    return [...seen.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([n, ver]) => `${n}=${ver}`)
        .join(",");
}

/** The names of the root credentials an env reads, sorted (the `rootCredentials` marker). */
export function rootCredentials(env: Record<string, EnvValue> | undefined): string[] {
    const names = new Set<string>();
    for (const v of Object.values(env ?? {})) if (isSecretRef(v) && v.secret.root) names.add(v.secret.name);
    return [...names].sort();
}

/** The stored secrets a workload's env reads, once each: what it must be created after. */
export function storedSecrets(env: Record<string, EnvValue> | undefined): pulumi.Resource[] {
    const seen = new Set<pulumi.Resource>();
    for (const v of Object.values(env ?? {})) if (isSecretRef(v) && v.secret.stored) seen.add(v.secret.stored);
    return [...seen];
}

export type Probe = { http: { path: string; port: number } } | { exec: string[] } | { tcp: { port: number } };

export interface Health {
    readiness: Probe;
    liveness: Probe;
    /**
     * A command inside the image that exits 0 when healthy, for platforms that
     * probe from inside the container (Docker healthchecks) when the image has
     * no HTTP client. @default derived from `readiness`
     */
    command?: string[];
    /** Seconds a fresh container may take before the liveness probe counts. @default 30 */
    startupSeconds?: number;
}

export interface PortSpec {
    name: string;
    port: number;
    /**
     * Publish on the Docker host at this address (never beyond what config asks).
     * Ignored on Kubernetes, where only the Ingress is the way in.
     */
    hostBinding?: { ip: string; port: number };
    /** Prometheus scrapes this port at `path` (Kubernetes, with monitoring: a ServiceMonitor, and its Prometheus admitted to the port). */
    scrape?: { path: string };
}

/** A port's `scrape`, where an image serves metrics (`path`; null: it serves none). */
export const scraped = (path: string | null): Pick<PortSpec, "scrape"> => (path ? { scrape: { path } } : {});

/**
 * What a workload may reach outside the platform: these TCP ports, or `browsing`: the sites
 * under test, on the ports the target lets browsers reach (a setting of the target's own).
 */
export type InternetEgress = { ports: number[] } | "browsing";

export interface WorkloadSpec {
    /** Role name, unique in the stack: used in resource names and labels. */
    role: string;
    /** The platform part it belongs to (`app.kubernetes.io/component`). */
    component: string;
    /** A named browser pool's name (`workers.pools`): placed as that pool (Kubernetes `placement.pools`). @default the default pool */
    browserPool?: string;
    image: string;
    /** Replaces the image's entrypoint (Kubernetes `command`, Docker `entrypoints`). @default the image's */
    command?: pulumi.Input<string>[];
    /** Arguments to the entrypoint (Kubernetes `args`, Docker `command`). @default the image's */
    args?: pulumi.Input<string>[];
    env?: Record<string, EnvValue>;
    resources: ResourceBudget;
    /** Size of /dev/shm in MiB (browsers need it). */
    shmMiB?: number;
    /** Marks a container that runs browsers (the policy pack reads this marker). */
    runsBrowsers?: boolean;
    /** The image's non-root user. */
    user: { uid: number; gid: number };
    /** Whether the image can run with a read-only root filesystem. @default true */
    readOnlyRootFilesystem?: boolean;
    /** Writable scratch directories (emptyDir / tmpfs) when the root is read-only. */
    writablePaths?: string[];
    /** It talks to the cluster's API (a task controller): its identity's token is mounted, and it may reach the API server. @default false */
    apiAccess?: boolean;
    /**
     * Folders the image declares as volumes (Dockerfile `VOLUME`) that this workload does not use:
     * kept in memory, where the target would otherwise make an anonymous volume on disk for each
     * container (Docker does; Kubernetes makes none).
     */
    imageVolumes?: string[];
    /**
     * The network model, one for every target: the services this workload opens connections to,
     * and what it may reach outside. Nothing else reaches it, nor does it reach anything else
     * (a target derives its networks or policies from these; `exposedToIngress` says who may
     * reach a service from outside).
     */
    connectsTo?: ServiceHandle[];
    internetEgress?: InternetEgress;
    terminationGracePeriodSeconds?: number;
    /**
     * What a stopping replica gets before SIGTERM, where the target has a pre-stop hook:
     * `pauseSeconds`: it keeps serving while the load balancer stops sending it requests
     * (Kubernetes removes a pod from its endpoints asynchronously); `http`: a GET that asks it to
     * stop taking work and returns once the work in hand is done (a busy browser worker).
     * Where a target has no such hook, SIGTERM carries the same request (the image contract).
     */
    drain?: { pauseSeconds: number } | { http: { path: string; port: number } };
}

export interface ServiceSpecBase extends WorkloadSpec {
    ports: PortSpec[];
    health: Health;
    /** Accepts traffic, on every port of its, from the ingress (a target's proxy or ingress controller). */
    exposedToIngress?: boolean;
    /** Start only after these have completed (migrations). */
    after?: TaskHandle[];
    /** Start only after these are healthy (created, for one `awaitedByConsumers`). */
    waitFor?: ServiceHandle[];
    /**
     * What comes after this service waits until it answers, by itself: the entry check polls the
     * backend through the route every 2 s, a data service's setup task waits for its server in its
     * script. A target whose own wait for the service's health costs more (Docker's first health
     * check comes one check interval after the start, on engines before API 1.44) creates it
     * without waiting; workloads that `waitFor` it then wait for its creation only, so each either
     * comes after such a consumer or copes with its start. Kubernetes, whose probes start at once,
     * waits for the rollout as for every service. @default false
     */
    awaitedByConsumers?: boolean;
}

export interface Autoscaling {
    min: number;
    max: number;
    targetCpuPercent: number;
    /** KEDA: also scale on the length of a Redis list. */
    queue?: { service: ServiceHandle; port: string; listName: string; listLength: number; username: SecretRef; password: SecretRef };
    engine: "hpa" | "keda";
}

export interface StatelessServiceSpec extends ServiceSpecBase {
    replicas: number;
    /** Interchangeable members of a pool: numbered `role-1..N` (Docker) even when there is one. */
    pool?: boolean;
    autoscaling?: Autoscaling;
    /** Keep at least this many pods through voluntary disruptions (Kubernetes PDB). */
    minAvailable?: number;
    /** Or: let at most this many pods go at once through voluntary disruptions (a pool of busy workers). */
    maxUnavailable?: number;
}

export interface VolumeSpec {
    mountPath: string;
    sizeMiB: number;
    storageClass: string | null;
    /** Which data this is (postgres, redis, minio): the marker the policy pack reads. */
    data: string;
}

/** What an image entrypoint that starts as root needs to fix its data directory's owner and drop to its user. */
export const ENTRYPOINT_DROPS_TO_USER = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"];

export interface StatefulServiceSpec extends ServiceSpecBase {
    volume: VolumeSpec;
    /**
     * Where the image starts as root and drops to its own user (Docker, which runs the image's
     * entrypoint): the Linux capabilities that entrypoint needs; every other one is dropped.
     * Kubernetes runs the pod as the image's user from the start and drops them all.
     */
    entrypointCapabilities: string[];
}

export interface TaskSpec extends WorkloadSpec {
    /**
     * What makes a new run: the task runs again exactly when this changes
     * (the backend image for a migration, the archive days for a lifecycle rule).
     */
    runKey: string;
    after?: TaskHandle[];
    waitFor?: ServiceHandle[];
}

/** One step of a scheduled task: steps run one after the other in one pod, sharing `workDir`. */
export interface TaskStep {
    name: string;
    image: string;
    command: pulumi.Input<string>[];
    env?: Record<string, EnvValue>;
    resources: ResourceBudget;
}

export interface ScheduledTaskSpec extends Omit<WorkloadSpec, "image" | "command" | "args" | "env" | "resources" | "shmMiB" | "runsBrowsers"> {
    /** Cron schedule. */
    schedule: string;
    steps: TaskStep[];
    /** Scratch directory shared by the steps. */
    workDir: string;
}

/**
 * Ephemeral tasks in a namespace of their own: a controller (a service of the platform) creates
 * one Job per task from the published template; the namespace's quota bounds them all, and the
 * cluster refuses a pod that breaks the admission rules (the pack's, at run time).
 */
export interface TasksSpec {
    namespace: string;
    /** The service whose identity creates the Jobs (and may do nothing else there). */
    controller: ServiceHandle;
    /** The pod every task runs: its image, env (its own credentials), resources, /dev/shm, hardening, what it reaches. */
    template: WorkloadSpec & { shmMiB: number };
    /** Scratch disk of each task, in MiB (its container's ephemeral-storage request and limit). */
    ephemeralStorageMiB: number;
    job: { activeDeadlineSeconds: number; ttlSecondsAfterFinished: number; backoffLimit: number };
    /** CPU in millicores, memory and scratch disk in MiB, all tasks together. */
    quota: { pods: number; cpu: number; memory: number; ephemeralStorage: number };
    /** Jobs from the template, one per queued job, by KEDA (a ScaledJob): at least min waiting, at most max at once. */
    scaling?: { min: number; max: number; queue: NonNullable<Autoscaling["queue"]> };
    /** The pack's thresholds, enforced by the API server on every Job and Pod there. */
    admission: { minShmMiB: number; minHeadroomMiB: number };
}

export interface TasksHandle {
    readonly namespace: string;
    /** Where the template is published (a ConfigMap's name, in the tasks namespace). */
    readonly template: string;
}

export interface ServiceHandle {
    readonly role: string;
    /** DNS name other workloads use. */
    readonly host: string;
    readonly ports: Readonly<Record<string, number>>;
    /** The resources to depend on for "this service is up". */
    readonly ready: pulumi.Resource[];
}

export interface TaskHandle {
    readonly role: string;
    readonly ready: pulumi.Resource[];
    /** Resolves once the task has succeeded; fails the deployment if it did not. */
    readonly succeeded: pulumi.Output<string>;
}

export interface RouteSpec {
    role: string;
    host: string;
    tls: {
        mode: TlsMode;
        secretName: string | null;
        clusterIssuer: string | null;
        certificate: string | null;
        key: string | null;
    };
    backend: ServiceHandle;
    port: string;
    /** Extra paths to another port of the backend, with WebSocket upgrade (VNC). */
    websocketPaths?: { path: string; port: string }[];
    /** Largest request body (nginx notation); null: the way in sets no limit of its own. */
    maxBodySize: string | null;
    timeoutSeconds: number;
}

export interface RouteHandle {
    readonly url: string;
    /** What carries it, as the outputs contract names it: `proxy` (a proxy of the stack's own), `ingress` or `httproute`. */
    readonly kind: "proxy" | "ingress" | "httproute";
    readonly ready: pulumi.Resource[];
    /** How a client outside reaches it (the entry check). */
    readonly entry: {
        /** Where to connect when the host name is not in DNS (the Docker host's published port); null: the host's own address. */
        connect: { address: string; port: number } | null;
        /** A certificate to trust for the host besides the system's roots (a self-signed or provided one); null: the roots alone. */
        trust: pulumi.Output<string> | null;
        /** Changes whenever what answers there changes (the route, its certificate, the backend behind it). */
        revision: pulumi.Output<string>;
        /** Where to look when it does not answer, one line for the failure's report (Docker: its containers' health and logs). */
        hint?: pulumi.Input<string>;
    };
}

/** Options every platform call takes: the component that owns the children. */
export interface PlacementOptions {
    parent: pulumi.ComponentResource;
    /** Keep the data: applied as `protect` and `retainOnDelete` on stateful resources. */
    protection?: { protect: boolean; retainOnDelete: boolean };
}

export interface Target {
    /** Internal host names of services resolve inside this namespace (Kubernetes) or network (Docker). */
    readonly namespace: string | null;
    /** The DNS name a service of this role will have (known before it exists, for URLs in secrets). */
    serviceHost(role: string): string;
    secret(role: string, values: Record<string, pulumi.Input<string>>, opts: SecretOptions): SecretHandle;
    statelessService(spec: StatelessServiceSpec, opts: PlacementOptions): ServiceHandle;
    statefulService(spec: StatefulServiceSpec, opts: PlacementOptions): ServiceHandle;
    task(spec: TaskSpec, opts: PlacementOptions): TaskHandle;
    /**
     * A task on a schedule: present exactly where the target's plug-in declares the
     * `scheduledTasks` capability (validation refuses what needs it elsewhere).
     */
    scheduledTask?(spec: ScheduledTaskSpec, opts: PlacementOptions): void;
    /** A namespace of ephemeral tasks, where the target declares the `taskNamespaces` capability. */
    tasks?(spec: TasksSpec, opts: PlacementOptions): TasksHandle;
    route(spec: RouteSpec, opts: PlacementOptions): RouteHandle;
}

/** Labels and marker keys every target puts on, and the policy pack reads: the pack's own (one home). */
export { MARKERS } from "../policies/lib/markers";
