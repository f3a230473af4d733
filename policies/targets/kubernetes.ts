/** The pack's reader of the Kubernetes provider's resources (`kubernetes:`): every kind that holds a pod. */
import { arr, obj, type Obj } from "../lib/json";
import { MARKERS } from "../lib/markers";
import { quantityToCores, quantityToMiB } from "../lib/quantity";
import { markerList, matchesAny, type ContainerView, type RouteHost, type RouteParent, type TargetReader } from "./reader";

/** Kinds that hold a pod template, and where. */
export const POD_PATHS: Record<string, string[]> = {
    Pod: ["spec"],
    Deployment: ["spec", "template", "spec"],
    StatefulSet: ["spec", "template", "spec"],
    DaemonSet: ["spec", "template", "spec"],
    ReplicaSet: ["spec", "template", "spec"],
    ReplicationController: ["spec", "template", "spec"],
    Job: ["spec", "template", "spec"],
    CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
    // KEDA's: the Job it starts for each queued job.
    ScaledJob: ["spec", "jobTargetRef", "template", "spec"],
};

/** Kinds whose pods end: a one-shot task, not a service. */
const RUNS_TO_COMPLETION = ["Job", "CronJob", "ScaledJob"];

const kindOf = (type: string) => type.slice(type.lastIndexOf(":") + 1);
const owns = (type: string) => type.startsWith("kubernetes:");
const isWorkload = (type: string) => owns(type) && kindOf(type) in POD_PATHS;
const metaName = (name: string, props: Obj) => {
    const n = obj(props.metadata).name;
    return typeof n === "string" ? n : name;
};
const shownAs = (type: string, name: string, props: Obj) => `${kindOf(type)} \`${metaName(name, props)}\``;

/** Does this object carry a pod (a kind the pack does not know, such as a controller's own CRD)? */
const holdsPod = (props: Obj) => {
    const spec = obj(props.spec);
    return (
        Array.isArray(spec.containers) ||
        Array.isArray(obj(obj(spec.template).spec).containers) ||
        Object.keys(obj(spec.jobTemplate)).length > 0 ||
        Object.keys(obj(spec.jobTargetRef)).length > 0
    );
};

/**
 * The pod a workload runs, its template (what holds the pod's labels) and where the pod sits:
 * the one place that walks a Kubernetes workload to its pod (the program's tools use it too).
 */
export function podOf(type: string, props: Obj): { pod: Obj; template: Obj; path: string[] } | undefined {
    if (!isWorkload(type)) return undefined;
    const path = POD_PATHS[kindOf(type)];
    let pod: Obj = props;
    for (const p of path) pod = obj(pod[p]);
    let template: Obj = props;
    for (const p of path.slice(0, -1)) template = obj(template[p]);
    return { pod, template, path };
}

function containers(type: string, name: string, props: Obj, browserPatterns: string[]): ContainerView[] {
    const found = podOf(type, props);
    if (!found) return [];
    const { pod, template, path } = found;
    const kind = kindOf(type);
    const podLabels = obj(obj(kind === "Pod" ? props.metadata : template.metadata).labels);
    const ownLabels = obj(obj(props.metadata).labels);
    const stateful = ownLabels[MARKERS.statefulData] !== undefined || podLabels[MARKERS.statefulData] !== undefined;
    const volumes = arr(pod.volumes).map(obj);
    const podSc = obj(pod.securityContext);
    const ns = namespaceOf(props);
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
            const field = `${base}.${listName}[${i}]`;
            const sc = obj(container.securityContext);
            const drop = arr(obj(sc.capabilities).drop);
            out.push({
                where: `${init ? "init container" : "container"} \`${cname}\` of ${shownAs(type, name, props)}`,
                field,
                image,
                memoryLimitMiB: quantityToMiB(limits.memory),
                memoryRequestMiB: quantityToMiB(requests.memory),
                hasMemoryRequests: true,
                cpuLimitCores: quantityToCores(limits.cpu),
                cpuRequestCores: quantityToCores(requests.cpu),
                shmMiB,
                runsBrowsers:
                    !init && (podLabels[MARKERS.runsBrowsers] === "true" || ownLabels[MARKERS.runsBrowsers] === "true" || matchesAny(image, browserPatterns)),
                rootCredentials: markerList(String(podLabels[MARKERS.rootCredentials] ?? ownLabels[MARKERS.rootCredentials] ?? "")),
                secretRefs: secretsRead(container, volumes).map((s) => `${ns}/${s}`),
                stateful,
                initContainer: init,
                longRunning: !RUNS_TO_COMPLETION.includes(kind),
                onSharedHost: false,
                fields: {
                    memoryLimit: `${field}.resources.limits.memory`,
                    memoryRequest: `${field}.resources.requests.memory`,
                    cpuLimit: `${field}.resources.limits.cpu`,
                    shm: shmField,
                    shmHowTo: "an emptyDir with medium Memory mounted at /dev/shm",
                },
                security: {
                    runAsNonRoot: sc.runAsNonRoot === true || podSc.runAsNonRoot === true,
                    allowPrivilegeEscalation: sc.allowPrivilegeEscalation,
                    dropsAll: drop.includes("ALL"),
                    seccomp: obj(sc.seccompProfile).type ?? obj(podSc.seccompProfile).type,
                    readOnlyRoot: sc.readOnlyRootFilesystem,
                    field: `${field}.securityContext`,
                },
            });
        });
    }
    return out;
}

const namespaceOf = (props: Obj) => {
    const ns = obj(props.metadata).namespace;
    return typeof ns === "string" ? ns : "default";
};

/** The Secrets a container reads: env values, envFrom, and the Secret volumes it mounts. */
function secretsRead(container: Obj, volumes: Obj[]): string[] {
    const names = [
        ...arr(container.env).map((e) => obj(obj(obj(e).valueFrom).secretKeyRef).name),
        ...arr(container.envFrom).map((e) => obj(obj(e).secretRef).name),
        ...arr(container.volumeMounts).map((m) => obj(volumes.find((v) => v.name === obj(m).name)?.secret).secretName),
    ];
    return [...new Set(names.filter((n): n is string => typeof n === "string"))];
}

/** The Redis list a KEDA trigger reads (the redis scalers' `listName`). */
function redisList(trigger: Obj): string[] {
    const list = obj(trigger.metadata).listName;
    return String(trigger.type).startsWith("redis") && typeof list === "string" ? [list] : [];
}

function scaleTarget(props: Obj): string {
    const ref = obj(obj(props.spec).scaleTargetRef);
    return `${namespaceOf(props)}/${typeof ref.kind === "string" ? ref.kind : "Deployment"}/${String(ref.name)}`;
}

export const kubernetesReader: TargetReader = {
    owns,
    // Every other kind runs no container of its own and holds no data: unless it carries a pod.
    inert: (type, props) => owns(type) && !isWorkload(type) && !holdsPod(props),
    isWorkload,
    containers,
    images: (type, name, props) =>
        containers(type, name, props, [])
            .filter((c) => c.image)
            .map((c) => ({ image: c.image!, where: c.where, field: `${c.field}.image` })),
    dataHolder(type, name, props) {
        const kind = kindOf(type);
        if (!owns(type) || (kind !== "PersistentVolumeClaim" && kind !== "StatefulSet")) return undefined;
        const shownName = (typeof props.name === "string" && props.name) || obj(props.metadata).name || name;
        return {
            shown: `${kind} \`${String(shownName)}\``,
            labels: obj(obj(props.metadata).labels) as Record<string, string>,
            mountsOthers: kind === "StatefulSet",
        };
    },
    routes(type, name, props) {
        if (owns(type) && kindOf(type) === "HTTPRoute" && type.includes(":gateway.networking.k8s.io/")) return httpRouteHosts(name, props);
        if (!owns(type) || kindOf(type) !== "Ingress") return [];
        const spec = obj(props.spec);
        const covered = new Set(arr(spec.tls).flatMap((t) => arr(obj(t).hosts).map(String)));
        return arr(spec.rules).map((rule, i) => {
            const host = obj(rule).host;
            const h = typeof host === "string" ? host : "*";
            return { where: `Ingress \`${String(obj(props.metadata).name ?? name)}\``, host: h, field: `spec.rules[${i}].host`, tls: covered.has(h) };
        });
    },
    gateway(type, name, props) {
        if (!owns(type) || kindOf(type) !== "Gateway" || !type.includes(":gateway.networking.k8s.io/")) return undefined;
        return {
            gateway: `${namespaceOf(props)}/${metaName(name, props)}`,
            listeners: arr(obj(props.spec).listeners).map((l) => {
                const listener = obj(l);
                const refs = arr(obj(listener.tls).certificateRefs);
                return { name: String(listener.name), protocol: String(listener.protocol), tls: listener.protocol === "HTTPS" && refs.length > 0 };
            }),
        };
    },
    rootSecret(type, name, props) {
        if (!owns(type) || kindOf(type) !== "Secret" || !obj(obj(props.metadata).labels)[MARKERS.rootCredentials]) return undefined;
        return `${namespaceOf(props)}/${String(obj(props.metadata).name ?? name)}`;
    },
    scales(type, name, props) {
        const kind = kindOf(type);
        const keda = type.startsWith("kubernetes:keda.sh/");
        if (!owns(type) || !(kind === "HorizontalPodAutoscaler" || (keda && (kind === "ScaledObject" || kind === "ScaledJob")))) return undefined;
        // A ScaledJob scales no workload: it starts Jobs, one per queued item.
        const target = kind === "ScaledJob" ? undefined : scaleTarget(props);
        const queues = keda ? arr(obj(props.spec).triggers).map(obj).flatMap(redisList) : [];
        return { target, queues, jobs: kind === "ScaledJob", scaler: `${kind} \`${String(obj(props.metadata).name ?? name)}\``, namespace: namespaceOf(props) };
    },
    envValues(type, name, props) {
        const found = podOf(type, props);
        if (!found) return undefined;
        const values = arr(found.pod.containers).flatMap((c) => arr(obj(c).env).map((e) => obj(e).value));
        return { workload: `${namespaceOf(props)}/${kindOf(type)}/${metaName(name, props)}`, values: values.filter((v): v is string => typeof v === "string") };
    },
};

/** An HTTPRoute's hosts, the Gateways it attaches to, and whether it only redirects to HTTPS. */
function httpRouteHosts(name: string, props: Obj): RouteHost[] {
    const spec = obj(props.spec);
    const where = `HTTPRoute \`${metaName(name, props)}\``;
    const parents: RouteParent[] = arr(spec.parentRefs).map((p, i) => {
        const ref = obj(p);
        return {
            gateway: `${typeof ref.namespace === "string" ? ref.namespace : namespaceOf(props)}/${String(ref.name)}`,
            sectionName: typeof ref.sectionName === "string" ? ref.sectionName : null,
            field: `spec.parentRefs[${i}]`,
        };
    });
    const rules = arr(spec.rules).map(obj);
    const redirectsToHttps =
        rules.length > 0 &&
        rules.every(
            (r) =>
                arr(r.backendRefs).length === 0 &&
                arr(r.filters).some((f) => obj(f).type === "RequestRedirect" && obj(obj(f).requestRedirect).scheme === "https"),
        );
    const hosts = arr(spec.hostnames).map(String);
    return (hosts.length ? hosts : ["*"]).map((host, i) => ({
        where,
        host,
        field: hosts.length ? `spec.hostnames[${i}]` : "spec.hostnames",
        tls: false,
        parents,
        redirectsToHttps,
    }));
}
