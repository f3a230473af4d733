/** What the offline tools read from the Kubernetes target's resources (see `../review.ts`). */
import { arr, obj } from "../../policies/lib/json";
import { kubernetesReader, podOf } from "../../policies/targets/kubernetes";
import { quantityToMiB } from "../../policies/lib/quantity";
import { MARKERS } from "../contract";
import { changesUnder, describeChange, milliOf, wholeMiB, type CapacityRow, type PlanReaders, type ReviewedResource } from "../review";
import { manifestsOf } from "./manifests";

const PVC = "kubernetes:core/v1:PersistentVolumeClaim";
const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
const NAMESPACE = "kubernetes:core/v1:Namespace";

const labelsOf = (r: ReviewedResource) => (obj(r.inputs.metadata).labels as Record<string, string> | undefined) ?? {};
const add = (a: number | null, b: number | null) => (a === null && b === null ? null : (a ?? 0) + (b ?? 0));

function capacity(resources: ReviewedResource[]): CapacityRow[] {
    const scaled = new Map<string, { min: number; max: number }>();
    for (const r of resources) {
        const spec = obj(r.inputs.spec);
        if (r.type === "kubernetes:autoscaling/v2:HorizontalPodAutoscaler") {
            scaled.set(String(obj(spec.scaleTargetRef).name), { min: Number(spec.minReplicas ?? 1), max: Number(spec.maxReplicas) });
        } else if (r.type === "kubernetes:keda.sh/v1alpha1:ScaledObject") {
            scaled.set(String(obj(spec.scaleTargetRef).name), { min: Number(spec.minReplicaCount ?? 0), max: Number(spec.maxReplicaCount ?? 100) });
        }
    }
    const rows: CapacityRow[] = [];
    for (const r of resources) {
        const kind = r.type.slice(r.type.lastIndexOf(":") + 1);
        const found = podOf(r.type, r.inputs);
        // Long-running services, and the Jobs KEDA keeps running (min to max): other Jobs and CronJobs come and go.
        if (!found || (kind !== "Deployment" && kind !== "StatefulSet" && kind !== "ScaledJob")) continue;
        const meta = obj(r.inputs.metadata);
        const name = String(meta.name ?? r.name);
        const spec = obj(r.inputs.spec);
        const { pod } = found;
        const row: CapacityRow = {
            service: name,
            component: String(obj(meta.labels)["app.kubernetes.io/component"] ?? ""),
            kind,
            replicas:
                kind === "ScaledJob"
                    ? { min: Number(spec.minReplicaCount ?? 0), max: Number(spec.maxReplicaCount ?? 100) }
                    : (scaled.get(name) ?? { min: Number(spec.replicas ?? 1), max: Number(spec.replicas ?? 1) }),
            cpu: { request: null, limit: null },
            memory: { request: null, limit: null },
            shm: null,
        };
        for (const c of kubernetesReader.containers(r.type, r.name, r.inputs, []).filter((c) => !c.initContainer)) {
            row.cpu.request = add(row.cpu.request, milliOf(c.cpuRequestCores));
            row.cpu.limit = add(row.cpu.limit, milliOf(c.cpuLimitCores));
            row.memory.request = add(row.memory.request, wholeMiB(c.memoryRequestMiB));
            row.memory.limit = add(row.memory.limit, wholeMiB(c.memoryLimitMiB));
        }
        for (const v of arr(pod.volumes).map(obj)) {
            const ed = obj(v.emptyDir);
            if (ed.medium === "Memory") row.shm = add(row.shm, wholeMiB(quantityToMiB(ed.sizeLimit)));
        }
        rows.push(row);
    }
    return rows;
}

export const kubernetesReview: PlanReaders = {
    holdsData: (r) =>
        r.type === PVC ||
        r.type === NAMESPACE ||
        (r.type === STATEFUL_SET &&
            (labelsOf(r)[MARKERS.statefulData] !== undefined || Array.isArray((r.inputs.spec as { volumeClaimTemplates?: unknown })?.volumeClaimTemplates))),
    unreadable: (r) =>
        r.type.startsWith("kubernetes:") &&
        (typeof r.inputs.metadata !== "object" ||
            r.inputs.metadata === null ||
            (r.type !== NAMESPACE && (typeof r.inputs.spec !== "object" || r.inputs.spec === null))),
    dataLossReasons(_before, after, fields) {
        switch (after.type) {
            case PVC:
                return changesUnder(
                    fields,
                    [
                        "metadata.name",
                        "metadata.namespace",
                        "spec.storageClassName",
                        "spec.accessModes",
                        "spec.volumeName",
                        "spec.volumeMode",
                        "spec.selector",
                        "spec.dataSource",
                    ],
                    "replaces the PVC",
                );
            case STATEFUL_SET:
                return changesUnder(
                    fields,
                    ["metadata.name", "metadata.namespace", "spec.volumeClaimTemplates", "spec.selector", "spec.serviceName", "spec.podManagementPolicy"],
                    "replaces the StatefulSet (an immutable field)",
                );
            case NAMESPACE:
                return changesUnder(fields, ["metadata.name"], "replaces the namespace and everything in it");
            default:
                return [];
        }
    },
    /**
     * The Kubernetes provider updates a PVC's size in place, and the API server only ever grows
     * a claim: a smaller size fails the update (no data is lost).
     */
    refusalReasons(after, fields) {
        if (after.type !== PVC) return [];
        const size = fields.find((f) => f.path === "spec.resources.requests.storage");
        const [was, now] = [quantityToMiB(size?.old), quantityToMiB(size?.new)];
        if (size && (was === undefined || now === undefined || now < was))
            return [`shrinks the PVC: Kubernetes only grows a claim, so \`pulumi up\` would fail (${describeChange(size)})`];
        return [];
    },
    capacity,
    manifests: manifestsOf,
    // A read of an existing cluster object (`.get`, with an id) is a prerequisite, not a resource of the plan.
    isLookup: (type, id) => id !== undefined && id !== "" && type.startsWith("kubernetes:"),
};
