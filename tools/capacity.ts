/**
 * The capacity table: CPU and memory per service and in total, read from the
 * resources the program registers (not from config), so it shows what would
 * really be deployed.
 */
import { quantityToCores, quantityToMiB } from "../policies/lib/quantity";
import type { PlannedResource } from "./harness";
import { arr, dockerLabels, obj } from "../policies/lib/json";

export interface CapacityRow {
    service: string;
    component: string;
    kind: string;
    replicas: { min: number; max: number };
    /** Per replica; CPU in millicores, memory in MiB; null where the target has no such figure. */
    cpu: { request: number | null; limit: number | null };
    memory: { request: number | null; limit: number | null };
    shm: number | null;
}

export interface Capacity {
    rows: CapacityRow[];
    /** At the minimum and maximum replica counts. */
    total: {
        min: { cpuRequest: number; cpuLimit: number; memoryRequest: number; memoryLimit: number; shm: number };
        max: { cpuRequest: number; cpuLimit: number; memoryRequest: number; memoryLimit: number; shm: number };
    };
}

const milli = (q: unknown) => {
    const c = quantityToCores(q);
    return c === undefined ? null : Math.round(c * 1000);
};
const mib = (q: unknown) => {
    const m = quantityToMiB(q);
    return m === undefined ? null : Math.round(m);
};
const add = (a: number | null, b: number | null) => (a === null && b === null ? null : (a ?? 0) + (b ?? 0));

function dockerRows(resources: PlannedResource[]): CapacityRow[] {
    const rows = new Map<string, CapacityRow>();
    for (const r of resources) {
        if (r.type !== "docker:index/container:Container") continue;
        const i = r.inputs;
        if (i.attach === true) continue; // one-shot task
        const labels = dockerLabels(i.labels);
        const service = labels["app.kubernetes.io/name"] ?? r.name;
        const row = rows.get(service);
        if (row) {
            row.replicas.min++;
            row.replicas.max++;
            continue;
        }
        rows.set(service, {
            service,
            component: labels["app.kubernetes.io/component"] ?? "",
            kind: "docker.Container",
            replicas: { min: 1, max: 1 },
            cpu: { request: null, limit: milli(i.cpus) },
            memory: { request: typeof i.memoryReservation === "number" ? i.memoryReservation : null, limit: typeof i.memory === "number" ? i.memory : null },
            shm: typeof i.shmSize === "number" ? i.shmSize : null,
        });
    }
    return [...rows.values()];
}

function kubernetesRows(resources: PlannedResource[]): CapacityRow[] {
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
        if (kind !== "Deployment" && kind !== "StatefulSet") continue;
        const meta = obj(r.inputs.metadata);
        const name = String(meta.name ?? r.name);
        const spec = obj(r.inputs.spec);
        const pod = obj(obj(spec.template).spec);
        const row: CapacityRow = {
            service: name,
            component: String(obj(meta.labels)["app.kubernetes.io/component"] ?? ""),
            kind,
            replicas: scaled.get(name) ?? { min: Number(spec.replicas ?? 1), max: Number(spec.replicas ?? 1) },
            cpu: { request: null, limit: null },
            memory: { request: null, limit: null },
            shm: null,
        };
        for (const c of arr(pod.containers).map(obj)) {
            const res = obj(c.resources);
            row.cpu.request = add(row.cpu.request, milli(obj(res.requests).cpu));
            row.cpu.limit = add(row.cpu.limit, milli(obj(res.limits).cpu));
            row.memory.request = add(row.memory.request, mib(obj(res.requests).memory));
            row.memory.limit = add(row.memory.limit, mib(obj(res.limits).memory));
        }
        for (const v of arr(pod.volumes).map(obj)) {
            const ed = obj(v.emptyDir);
            if (ed.medium === "Memory") row.shm = add(row.shm, mib(ed.sizeLimit));
        }
        rows.push(row);
    }
    return rows;
}

export function capacityOf(resources: PlannedResource[]): Capacity {
    const rows = [...dockerRows(resources), ...kubernetesRows(resources)];
    const total = (pick: "min" | "max") => {
        const t = { cpuRequest: 0, cpuLimit: 0, memoryRequest: 0, memoryLimit: 0, shm: 0 };
        for (const r of rows) {
            const n = r.replicas[pick];
            t.cpuRequest += (r.cpu.request ?? 0) * n;
            t.cpuLimit += (r.cpu.limit ?? 0) * n;
            t.memoryRequest += (r.memory.request ?? 0) * n;
            t.memoryLimit += (r.memory.limit ?? 0) * n;
            t.shm += (r.shm ?? 0) * n;
        }
        return t;
    };
    return { rows, total: { min: total("min"), max: total("max") } };
}
