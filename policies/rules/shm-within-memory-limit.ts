import type { ResourceValidationPolicy } from "@pulumi/policy";
import { showMiB } from "../lib/quantity";
import { containersOf, isWorkloadType } from "../targets";
import { browserPatternsSchema, DEFAULT_BROWSER_IMAGE_PATTERNS, propsOf } from "./common";

export const shmWithinMemoryLimit: ResourceValidationPolicy = {
    name: "shm-within-memory-limit",
    description:
        "For containers that run browsers, memory limit minus /dev/shm is at least the configured headroom: shm pages are charged to the container's memory. Fix: raise the memory limit, or lower the shm size.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            minHeadroomMiB: { type: "number", default: 1024, description: "Memory the browser keeps above /dev/shm, in MiB." },
            browserImagePatterns: browserPatternsSchema,
        },
    },
    validateResource: (args, report) => {
        if (!isWorkloadType(args.type)) return;
        const cfg = args.getConfig<{ minHeadroomMiB: number; browserImagePatterns: string[] }>();
        for (const c of containersOf(args.type, args.name, propsOf(args), cfg.browserImagePatterns ?? DEFAULT_BROWSER_IMAGE_PATTERNS)) {
            if (!c.runsBrowsers || c.memoryLimitMiB === undefined || c.shmMiB === undefined || Number.isNaN(c.shmMiB)) continue;
            const left = c.memoryLimitMiB - c.shmMiB;
            if (left < cfg.minHeadroomMiB) {
                report(
                    `${c.where}: memory limit ${showMiB(c.memoryLimitMiB)} leaves ${showMiB(Math.max(left, 0))} above a ${showMiB(c.shmMiB)} /dev/shm; need at least ${showMiB(cfg.minHeadroomMiB)}`,
                );
            }
        }
    },
};
