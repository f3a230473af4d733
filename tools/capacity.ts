/**
 * The capacity table: CPU and memory per service and in total, read from the
 * resources the program registers (not from config), so it shows what would
 * really be deployed.
 */
import { TARGETS } from "../targets/registry";
import type { CapacityRow, ReviewedResource } from "../targets/review";

export type { CapacityRow };

export interface Capacity {
    rows: CapacityRow[];
    /** At the minimum and maximum replica counts. */
    total: {
        min: { cpuRequest: number; cpuLimit: number; memoryRequest: number; memoryLimit: number; shm: number };
        max: { cpuRequest: number; cpuLimit: number; memoryRequest: number; memoryLimit: number; shm: number };
    };
}

export function capacityOf(resources: ReviewedResource[]): Capacity {
    const rows = TARGETS.flatMap((t) => t.review.capacity(resources));
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
