import type { StackValidationPolicy } from "@pulumi/policy";
import { obj } from "../lib/json";
import { showMiB } from "../lib/quantity";
import { containersOf } from "../targets";

export const dockerHostMemoryBudget: StackValidationPolicy = {
    name: "docker-host-memory-budget",
    description:
        "The memory limits of the long-running Docker containers add up to no more than the host's memory (the platform recommends a 32GB host for 4-8 browser workers). Fix: fewer workers, smaller limits, or a bigger host (set hostMemoryMiB).",
    enforcementLevel: "advisory",
    configSchema: {
        properties: {
            hostMemoryMiB: { type: "number", default: 32768, description: "Memory of the Docker host, in MiB." },
            reserveMiB: { type: "number", default: 0, description: "Memory kept for the operating system and page cache, in MiB." },
        },
    },
    validateStack: (args, report) => {
        const { hostMemoryMiB, reserveMiB } = args.getConfig<{ hostMemoryMiB: number; reserveMiB: number }>();
        let total = 0;
        let count = 0;
        const unbounded: string[] = [];
        for (const r of args.resources) {
            for (const c of containersOf(r.type, r.name, obj(r.props))) {
                if (!c.longRunning || !c.onSharedHost) continue;
                count++;
                if (c.memoryLimitMiB === undefined) unbounded.push(c.where);
                else total += c.memoryLimitMiB;
            }
        }
        if (count === 0) return;
        const budget = hostMemoryMiB - reserveMiB;
        if (total > budget) {
            report(
                `the ${count} Docker containers' memory limits add up to ${showMiB(total)}, above the ${showMiB(budget)} the host offers (${showMiB(hostMemoryMiB)} host${reserveMiB ? ` - ${showMiB(reserveMiB)} reserve` : ""}); over by ${showMiB(total - budget)}`,
            );
        }
        if (unbounded.length) report(`${unbounded.length} Docker container(s) have no memory limit, so the host budget cannot hold: ${unbounded.join(", ")}`);
    },
};
