import type { ResourceValidationPolicy } from "@pulumi/policy";
import { showMiB } from "../lib/quantity";
import { containersOf, isWorkloadType } from "../lib/workloads";
import { browserPatternsSchema, DEFAULT_BROWSER_IMAGE_PATTERNS, propsOf } from "./common";

export const browserWorkersHaveShm: ResourceValidationPolicy = {
    name: "browser-workers-have-shm",
    description:
        "Containers that run browsers get a /dev/shm of at least the configured size (Chromium crashes with SIGBUS on Docker's 64MB default). Fix: set `shmSize` (MB) on docker.Container, or mount an emptyDir with `medium: Memory` and a `sizeLimit` at /dev/shm.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            minShmMiB: { type: "number", default: 1024, description: "Smallest /dev/shm, in MiB." },
            browserImagePatterns: browserPatternsSchema,
        },
    },
    validateResource: (args, report) => {
        if (!isWorkloadType(args.type)) return;
        const cfg = args.getConfig<{ minShmMiB: number; browserImagePatterns: string[] }>();
        for (const c of containersOf(args.type, args.name, propsOf(args), cfg.browserImagePatterns ?? DEFAULT_BROWSER_IMAGE_PATTERNS)) {
            if (!c.runsBrowsers) continue;
            if (c.shmMiB === undefined) {
                report(
                    `${c.where}: runs browsers but has no /dev/shm of its own (${c.kind === "docker.Container" ? "`shmSize`" : "an emptyDir with medium Memory mounted at /dev/shm"}); need at least ${showMiB(cfg.minShmMiB)}`,
                );
            } else if (Number.isNaN(c.shmMiB)) {
                report(`${c.where}: the /dev/shm emptyDir has no readable sizeLimit (\`${c.shmField}\`); set one of at least ${showMiB(cfg.minShmMiB)}`);
            } else if (c.shmMiB < cfg.minShmMiB) {
                report(`${c.where}: /dev/shm is ${showMiB(c.shmMiB)} (\`${c.shmField}\`); need at least ${showMiB(cfg.minShmMiB)}`);
            }
        }
    },
};

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
