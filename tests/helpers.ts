/** Shared test helpers: find resources in a run, read their inputs as the engine would see them. */
import { resolveConfig } from "../config/load";
import * as path from "path";
import { deepMerge } from "../config/load";
import { readStackConfig } from "../tools/stackconfig";
import { isSecretWrapper, reveal, runStack, type PlannedResource, type RunOptions, type StackRun } from "../tools/harness";

export { reveal, runStack };
export type { PlannedResource, StackRun };

export const T = {
    container: "docker:index/container:Container",
    volume: "docker:index/volume:Volume",
    network: "docker:index/network:Network",
    remoteImage: "docker:index/remoteImage:RemoteImage",
    namespace: "kubernetes:core/v1:Namespace",
    deployment: "kubernetes:apps/v1:Deployment",
    statefulSet: "kubernetes:apps/v1:StatefulSet",
    service: "kubernetes:core/v1:Service",
    secret: "kubernetes:core/v1:Secret",
    pvc: "kubernetes:core/v1:PersistentVolumeClaim",
    job: "kubernetes:batch/v1:Job",
    cronJob: "kubernetes:batch/v1:CronJob",
    hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    scaledObject: "kubernetes:keda.sh/v1alpha1:ScaledObject",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    serviceAccount: "kubernetes:core/v1:ServiceAccount",
} as const;

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests walk arbitrary resource inputs

export function all(run: StackRun, type: string): PlannedResource[] {
    return run.resources.filter((r) => r.type === type);
}

export function one(run: StackRun, type: string, name: string): PlannedResource {
    const found = run.resources.find((r) => r.type === type && r.name === name);
    if (!found)
        throw new Error(
            `no ${type} named ${name}; have: ${run.resources
                .filter((r) => r.type === type)
                .map((r) => r.name)
                .join(", ")}`,
        );
    return found;
}

/** Inputs with secrets unwrapped (what the provider receives). */
export function inputs(r: PlannedResource): Json {
    return reveal(r.inputs) as Json;
}

/** docker.Container envs as a map. */
export function envOf(r: PlannedResource): Record<string, string> {
    return Object.fromEntries((inputs(r).envs as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
}

/** docker.Container labels as a map. */
export function labelsOf(r: PlannedResource): Record<string, string> {
    return Object.fromEntries((inputs(r).labels as { label: string; value: string }[]).map((l) => [l.label, l.value]));
}

/** Kubernetes container env as a map of value or `secret:<name>/<key>`. */
export function k8sEnv(container: Json): Record<string, string> {
    return Object.fromEntries(
        (container.env as Json[]).map((e) => [e.name, e.valueFrom ? `secret:${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}` : e.value]),
    );
}

export function podOf(r: PlannedResource): Json {
    return inputs(r).spec.template.spec;
}

const cache = new Map<string, Promise<StackRun>>();
/** Runs a stack once per distinct config in a test file. */
export function stack(name: string, config: Record<string, unknown> = {}, extra: Partial<RunOptions> = {}): Promise<StackRun> {
    const key = JSON.stringify([name, config]);
    if (!cache.has(key)) cache.set(key, runStack({ stack: name, config, ...extra }));
    return cache.get(key)!;
}

/** The checked-in stack files, as the offline plan reads them. */
/** The lines a config is refused with (`[]`: accepted), without registering anything. */
export function configProblems(config: Record<string, unknown>): string[] {
    try {
        resolveConfig(config);
        return [];
    } catch (e) {
        return (e as { problems?: string[] }).problems ?? [String(e)];
    }
}

export function stackFile(name: string): Record<string, unknown> {
    return readStackConfig(path.resolve(__dirname, ".."), name, []).config;
}

const merge = (base: Record<string, unknown>, over: Record<string, unknown>) => deepMerge(base, over);

export const DEV = stackFile("dev");
export const DEV_WORKERS = merge(DEV, { mode: "workers", workers: { replicas: 4 } });
export const PROD = stackFile("prod");
export const PROD_KEDA = merge(PROD, { workers: { autoscaler: "keda" } });
/** The prod stack with its way in as before Gateway API: an Ingress for ingress-nginx, TLS from cert-manager (what a stack that sets nothing gets). */
export const PROD_INGRESS = merge(PROD, {
    ingress: {
        kind: "ingress",
        maxBodySize: "512m",
        tls: { mode: "certManager", clusterIssuer: "letsencrypt-prod" },
        gateway: { name: null, namespace: null, sectionName: null, dataPlaneNamespace: null },
    },
});
export { merge };

/** Every string reachable without passing through a secret wrapper, with its path. */
export function plainStrings(v: unknown, path = ""): [string, string][] {
    if (isSecretWrapper(v)) return [];
    if (typeof v === "string") return [[path, v]];
    if (Array.isArray(v)) return v.flatMap((x, i) => plainStrings(x, `${path}[${i}]`));
    if (typeof v === "object" && v !== null) return Object.entries(v).flatMap(([k, x]) => plainStrings(x, path ? `${path}.${k}` : k));
    return [];
}

/** The generated secrets that appear in `text`. */
export const leaks = (text: string, secrets: string[]) => secrets.filter((s) => text.includes(s.trim()));
