import type { ResourceValidationPolicy } from "@pulumi/policy";
import { showMiB } from "../lib/quantity";
import { containersOf, isWorkloadType } from "../targets";
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
                report(`${c.where}: runs browsers but has no /dev/shm of its own (${c.fields.shmHowTo}); need at least ${showMiB(cfg.minShmMiB)}`);
            } else if (Number.isNaN(c.shmMiB)) {
                report(`${c.where}: the /dev/shm emptyDir has no readable sizeLimit (\`${c.fields.shm}\`); set one of at least ${showMiB(cfg.minShmMiB)}`);
            } else if (c.shmMiB < cfg.minShmMiB) {
                report(`${c.where}: /dev/shm is ${showMiB(c.shmMiB)} (\`${c.fields.shm}\`); need at least ${showMiB(cfg.minShmMiB)}`);
            }
        }
    },
};
