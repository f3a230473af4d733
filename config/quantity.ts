/**
 * Memory and CPU quantities. Config accepts the Kubernetes notation users
 * already know ("512Mi", "2Gi", "500m", "2"); the program works in MiB and
 * millicores so both targets can be fed from one number
 * (Docker's `memory`/`shmSize` are MB = MiB, Kubernetes takes "Mi").
 */

const MEMORY = /^(\d+(?:\.\d+)?)(Mi|Gi|Ti)$/;
const MILLI_CPU = /^(\d+)m$/;
const CORES = /^\d+(?:\.\d+)?$/;

/** Parses "512Mi", "2Gi", "1.5Gi" or a bare number of MiB. Returns MiB or undefined. */
export function parseMemoryMiB(value: unknown): number | undefined {
    if (typeof value === "number") return Number.isInteger(value) && value > 0 ? value : undefined;
    if (typeof value !== "string") return undefined;
    const m = MEMORY.exec(value.trim());
    if (!m) return undefined;
    const factor = m[2] === "Mi" ? 1 : m[2] === "Gi" ? 1024 : 1024 * 1024;
    const mib = Number(m[1]) * factor;
    return Number.isInteger(mib) && mib > 0 ? mib : undefined;
}

/** Parses "500m", "2", "0.5" or a number of cores. Returns millicores or undefined. */
export function parseCpuMilli(value: unknown): number | undefined {
    if (typeof value === "number") {
        const milli = Math.round(value * 1000);
        return value > 0 && Math.abs(milli - value * 1000) < 1e-6 ? milli : undefined;
    }
    if (typeof value !== "string") return undefined;
    const v = value.trim();
    const m = MILLI_CPU.exec(v);
    if (m) return Number(m[1]) > 0 ? Number(m[1]) : undefined;
    if (CORES.test(v)) return parseCpuMilli(Number(v));
    return undefined;
}

/** 2048 -> "2Gi", 1536 -> "1536Mi": the Kubernetes quantity for a MiB figure. */
export function formatMiB(mib: number): string {
    return mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`;
}

/** 1000 -> "1", 500 -> "500m": the Kubernetes quantity for millicores. */
export function formatMilli(milli: number): string {
    return milli % 1000 === 0 ? `${milli / 1000}` : `${milli}m`;
}
