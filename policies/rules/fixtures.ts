/**
 * The pack's test fixtures: one compliant resource per kind a target's reader
 * reads, and `violations` to run one policy on them. Each policy's tests sit
 * beside it (`rules/<policy>.test.ts`) and break one field of a fixture at a time.
 */
import { evaluate, type PackConfig, type ResourceRecord } from "../evaluate";
import { MARKERS } from "../lib/markers";

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- fixtures are free-form resource inputs
/** A resource record whose inputs tests may edit freely. */
export type Fixture = ResourceRecord & { inputs: Json };

export const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));
export const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
export const CONTAINER = "docker:index/container:Container";

export async function violations(policy: string, resources: ResourceRecord | ResourceRecord[], config: PackConfig = {}) {
    const all = await evaluate(Array.isArray(resources) ? resources : [resources], config);
    return all.filter((v) => v.policy === policy);
}

export const dockerWorker = (): Fixture => ({
    type: CONTAINER,
    name: "workers-1",
    inputs: {
        name: "quorvex-dev-workers-1",
        image: "ghcr.io/quorvex/quorvex-browser-worker:1.0.0",
        memory: 2048,
        memoryReservation: 1024,
        shmSize: 1024,
        cpus: "2.0",
        labels: [{ label: MARKERS.runsBrowsers, value: "true" }],
    },
    options: {},
});

export const container = (name: string, image: string, memLimit = "512Mi") => ({
    name,
    image,
    resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: memLimit } },
    securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } },
});

export const podSpec = () => ({ containers: [container("app", "example/app:1.2.3")] });

export const browserDeployment = (): Fixture => ({
    type: DEPLOYMENT,
    name: "browser-workers",
    inputs: {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "browser-workers", namespace: "qa" },
        spec: {
            replicas: 2,
            template: {
                metadata: { labels: { [MARKERS.runsBrowsers]: "true" } },
                spec: {
                    containers: [
                        {
                            ...container("worker", "ghcr.io/quorvex/quorvex-browser-worker:1.0.0", "3Gi"),
                            volumeMounts: [{ name: "dshm", mountPath: "/dev/shm" }],
                        },
                    ],
                    volumes: [{ name: "dshm", emptyDir: { medium: "Memory", sizeLimit: "1Gi" } }],
                },
            },
        },
    },
});

/** One compliant fixture per workload kind. */
export const workloadFixtures = (): Fixture[] => [
    { type: "kubernetes:core/v1:Pod", name: "pod", inputs: { apiVersion: "v1", kind: "Pod", metadata: { name: "pod" }, spec: podSpec() } },
    ...["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"].map((kind) => ({
        type: `kubernetes:apps/v1:${kind}`,
        name: kind.toLowerCase(),
        inputs: { apiVersion: "apps/v1", kind, metadata: { name: kind.toLowerCase() }, spec: { template: { spec: podSpec() } } },
    })),
    {
        type: "kubernetes:batch/v1:Job",
        name: "job",
        inputs: { apiVersion: "batch/v1", kind: "Job", metadata: { name: "job" }, spec: { template: { spec: podSpec() } } },
    },
    {
        type: "kubernetes:batch/v1:CronJob",
        name: "cron",
        inputs: { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "cron" }, spec: { jobTemplate: { spec: { template: { spec: podSpec() } } } } },
    },
    dockerWorker(),
    browserDeployment(),
];

export const podPath = (r: Fixture): Json =>
    r.type.endsWith(":Pod") ? r.inputs.spec : r.type.endsWith(":CronJob") ? r.inputs.spec.jobTemplate.spec.template.spec : r.inputs.spec.template.spec;
