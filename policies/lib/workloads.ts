/**
 * A uniform view of "a container and its limits" across docker.Container and
 * every Kubernetes workload kind, so each policy is written once.
 */
import { quantityToCores, quantityToMiB } from "./quantity";
import { arr, dockerLabels, obj, type Obj } from "./json";

/** Labels our components set; other stacks can set them too (see README, "Policies"). */
export const MARKERS = {
    runsBrowsers: "quorvex.io/runs-browsers",
    statefulData: "quorvex.io/stateful-data",
    protect: "quorvex.io/protect",
    retainOnDelete: "quorvex.io/retain-on-delete",
} as const;

export const DOCKER_CONTAINER = "docker:index/container:Container";

/** Kubernetes kinds that hold a pod template, and where. */
export const POD_PATHS: Record<string, string[]> = {
    Pod: ["spec"],
    Deployment: ["spec", "template", "spec"],
    StatefulSet: ["spec", "template", "spec"],
    DaemonSet: ["spec", "template", "spec"],
    ReplicaSet: ["spec", "template", "spec"],
    ReplicationController: ["spec", "template", "spec"],
    Job: ["spec", "template", "spec"],
    CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
};

export function kubernetesKind(type: string): string | undefined {
    if (!type.startsWith("kubernetes:")) return undefined;
    const kind = type.slice(type.lastIndexOf(":") + 1);
    return kind;
}

export function isWorkloadType(type: string): boolean {
    if (type === DOCKER_CONTAINER) return true;
    const kind = kubernetesKind(type);
    return kind !== undefined && kind in POD_PATHS;
}

export interface ContainerView {
    /** "container `worker` of Deployment `browser-workers`" */
    where: string;
    /** The field path prefix for messages, e.g. "spec.template.spec.containers[0]". */
    field: string;
    image: string | undefined;
    memoryLimitMiB: number | undefined;
    memoryRequestMiB: number | undefined;
    /** The raw limit as written, for messages. */
    memoryLimitRaw: unknown;
    cpuLimitCores: number | undefined;
    /** /dev/shm in MiB; undefined when none is set; NaN when set without a bound. */
    shmMiB: number | undefined;
    shmField: string;
    runsBrowsers: boolean;
    stateful: boolean;
    initContainer: boolean;
    /** Long-running (not a one-shot task). */
    longRunning: boolean;
    kind: string;
    replicas: number;
}

export function resourceName(type: string, name: string, props: Obj): string {
    if (type === DOCKER_CONTAINER) return `docker.Container \`${typeof props.name === "string" ? props.name : name}\``;
    const kind = kubernetesKind(type) ?? type;
    const metaName = obj(props.metadata).name;
    return `${kind} \`${typeof metaName === "string" ? metaName : name}\``;
}

function matchesAny(image: string | undefined, patterns: string[]): boolean {
    return image !== undefined && patterns.some((p) => p !== "" && image.includes(p));
}

/** Every container of a workload resource, with the numbers the policies need. */
export function containersOf(type: string, name: string, props: Obj, browserImagePatterns: string[] = []): ContainerView[] {
    if (type === DOCKER_CONTAINER) {
        const labels = dockerLabels(props.labels);
        const image = typeof props.image === "string" ? props.image : undefined;
        const memory = typeof props.memory === "number" ? props.memory : undefined;
        return [
            {
                where: resourceName(type, name, props),
                field: "",
                image,
                memoryLimitMiB: memory && memory > 0 ? memory : undefined,
                memoryRequestMiB: typeof props.memoryReservation === "number" ? props.memoryReservation : undefined,
                memoryLimitRaw: memory,
                cpuLimitCores: quantityToCores(props.cpus),
                shmMiB: typeof props.shmSize === "number" ? props.shmSize : undefined,
                shmField: "shmSize",
                runsBrowsers: labels[MARKERS.runsBrowsers] === "true" || matchesAny(image, browserImagePatterns),
                stateful: labels[MARKERS.statefulData] !== undefined,
                initContainer: false,
                longRunning: props.mustRun !== false && props.attach !== true,
                kind: "docker.Container",
                replicas: 1,
            },
        ];
    }
    const kind = kubernetesKind(type);
    if (!kind || !(kind in POD_PATHS)) return [];
    const path = POD_PATHS[kind];
    let pod: Obj = props;
    for (const p of path) pod = obj(pod[p]);
    const templatePath = path.slice(0, -1);
    let template: Obj = props;
    for (const p of templatePath) template = obj(template[p]);
    const podLabels = obj(obj(kind === "Pod" ? props.metadata : template.metadata).labels);
    const ownLabels = obj(obj(props.metadata).labels);
    const stateful = ownLabels[MARKERS.statefulData] !== undefined || podLabels[MARKERS.statefulData] !== undefined;
    const volumes = arr(pod.volumes).map(obj);
    const replicas = typeof obj(props.spec).replicas === "number" ? (obj(props.spec).replicas as number) : 1;
    const out: ContainerView[] = [];
    const base = path.join(".");
    for (const [listName, init] of [
        ["containers", false],
        ["initContainers", true],
    ] as const) {
        arr(pod[listName]).forEach((c, i) => {
            const container = obj(c);
            const limits = obj(obj(container.resources).limits);
            const requests = obj(obj(container.resources).requests);
            const image = typeof container.image === "string" ? container.image : undefined;
            // /dev/shm: an emptyDir of medium Memory mounted there.
            let shmMiB: number | undefined;
            let shmField = `${base}.volumes`;
            for (const m of arr(container.volumeMounts).map(obj)) {
                if (m.mountPath !== "/dev/shm") continue;
                const vi = volumes.findIndex((v) => v.name === m.name);
                const vol = volumes[vi];
                const emptyDir = vol ? obj(vol.emptyDir) : undefined;
                if (emptyDir && emptyDir.medium === "Memory") {
                    shmField = `${base}.volumes[${vi}].emptyDir.sizeLimit`;
                    shmMiB = emptyDir.sizeLimit === undefined ? Number.NaN : (quantityToMiB(emptyDir.sizeLimit) ?? Number.NaN);
                }
            }
            const cname = typeof container.name === "string" ? container.name : `#${i}`;
            out.push({
                where: `${init ? "init container" : "container"} \`${cname}\` of ${resourceName(type, name, props)}`,
                field: `${base}.${listName}[${i}]`,
                image,
                memoryLimitMiB: quantityToMiB(limits.memory),
                memoryRequestMiB: quantityToMiB(requests.memory),
                memoryLimitRaw: limits.memory,
                cpuLimitCores: quantityToCores(limits.cpu),
                shmMiB,
                shmField,
                runsBrowsers:
                    !init &&
                    (podLabels[MARKERS.runsBrowsers] === "true" || ownLabels[MARKERS.runsBrowsers] === "true" || matchesAny(image, browserImagePatterns)),
                stateful,
                initContainer: init,
                longRunning: kind !== "Job" && kind !== "CronJob",
                kind,
                replicas,
            });
        });
    }
    return out;
}
