/** Human-readable rendering of a plan document. */
import { formatMiB } from "../config/quantity";
import type { PlanDocument } from "./planner";

const cpu = (m: number | null) => (m === null ? "-" : m % 1000 === 0 ? `${m / 1000}` : `${m}m`);
const mem = (m: number | null) => (m === null ? "-" : formatMiB(m));

export function renderTree(doc: PlanDocument): string {
    const children = new Map<string | null, PlanDocument["resources"]>();
    for (const r of doc.resources) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
    const lines: string[] = [];
    const walk = (parent: string | null, prefix: string) => {
        const list = children.get(parent) ?? [];
        list.forEach((r, i) => {
            const last = i === list.length - 1;
            const flags = [
                r.options.protect ? "protect" : "",
                r.options.retainOnDelete ? "retainOnDelete" : "",
                r.options.ignoreChanges.length ? `ignoreChanges=${r.options.ignoreChanges.join(",")}` : "",
            ].filter(Boolean);
            lines.push(`${prefix}${parent === null ? "" : last ? "└─ " : "├─ "}${r.type} ${r.name}${flags.length ? `  [${flags.join(" ")}]` : ""}`);
            walk(`${r.type}::${r.name}`, parent === null ? "" : `${prefix}${last ? "   " : "│  "}`);
        });
    };
    walk(null, "");
    return lines.join("\n");
}

function table(header: string[], rows: string[][]): string {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
    return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

export function renderCapacity(doc: PlanDocument): string {
    const rows = doc.capacity.rows.map((r) => [
        r.service,
        r.kind,
        r.replicas.min === r.replicas.max ? `${r.replicas.min}` : `${r.replicas.min}-${r.replicas.max}`,
        cpu(r.cpu.request),
        cpu(r.cpu.limit),
        mem(r.memory.request),
        mem(r.memory.limit),
        mem(r.shm),
    ]);
    const t = doc.capacity.total;
    // Docker has no CPU request: a total of nothing is "-", not 0.
    const noCpuRequests = doc.capacity.rows.every((r) => r.cpu.request === null);
    const total = (label: string, x: typeof t.min) => [
        label,
        "",
        "",
        noCpuRequests ? "-" : cpu(x.cpuRequest),
        cpu(x.cpuLimit),
        mem(x.memoryRequest),
        mem(x.memoryLimit),
        x.shm ? mem(x.shm) : "-",
    ];
    rows.push(total("TOTAL (min replicas)", t.min));
    if (JSON.stringify(t.min) !== JSON.stringify(t.max)) rows.push(total("TOTAL (max replicas)", t.max));
    return table(["service", "kind", "replicas", "cpu req", "cpu lim", "mem req", "mem lim", "shm"], rows);
}

export function renderViolations(violations: PlanDocument["policy"]["violations"]): string {
    if (!violations.length) return "no policy violations";
    return violations.map((v) => `${v.level.toUpperCase().padEnd(9)} ${v.policy}  ${v.resource ?? "(stack)"}\n          ${v.message}`).join("\n");
}

export function renderPlan(doc: PlanDocument): string {
    const outputs = Object.entries(doc.outputs).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`);
    return [
        `stack ${doc.stack}: target ${doc.target}, mode ${doc.mode}, ${doc.resources.length} resources`,
        ...doc.warnings.map((w) => `warning: ${w}`),
        "",
        renderTree(doc),
        "",
        "Capacity (per replica; totals over replicas)",
        renderCapacity(doc),
        "",
        "Policy verdicts",
        renderViolations(doc.policy.violations),
        "",
        "Outputs",
        ...outputs,
        "",
    ].join("\n");
}
