import type { ResourceValidationPolicy } from "@pulumi/policy";
import { showMiB } from "../lib/quantity";
import { containersOf, isWorkloadType } from "../lib/workloads";
import { browserPatternsSchema, DEFAULT_BROWSER_IMAGE_PATTERNS, propsOf } from "./common";

export const containersHaveMemoryLimits: ResourceValidationPolicy = {
    name: "containers-have-memory-limits",
    description:
        "Every container (docker.Container and every Kubernetes workload kind, init containers included) has a memory limit, and on Kubernetes a memory request not above it. Fix: set `memory` (MB) on docker.Container, or `resources.limits.memory` and `resources.requests.memory` on the container.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            requireRequests: { type: "boolean", default: true, description: "Kubernetes containers also need a memory request." },
        },
    },
    validateResource: (args, report) => {
        if (!isWorkloadType(args.type)) return;
        const cfg = args.getConfig<{ requireRequests: boolean }>();
        for (const c of containersOf(args.type, args.name, propsOf(args))) {
            if (c.memoryLimitMiB === undefined) {
                report(
                    `${c.where}: no memory limit (${c.kind === "docker.Container" ? "`memory`" : `\`${c.field}.resources.limits.memory\``}); set one so it cannot starve its neighbours`,
                );
                continue;
            }
            if (c.kind === "docker.Container") continue;
            if (c.memoryRequestMiB === undefined) {
                if (cfg.requireRequests)
                    report(
                        `${c.where}: no memory request (\`${c.field}.resources.requests.memory\`); set one at or below the ${showMiB(c.memoryLimitMiB)} limit`,
                    );
            } else if (c.memoryRequestMiB > c.memoryLimitMiB) {
                report(`${c.where}: memory request ${showMiB(c.memoryRequestMiB)} is above its limit ${showMiB(c.memoryLimitMiB)}`);
            }
        }
    },
};

interface Bounds {
    minMiB: number;
    maxMiB: number;
}

/** One kind of container's bounds, in MiB; the CLI checks `--policy-pack-config` against it. */
const boundsSchema = {
    type: "object" as const,
    properties: {
        minMiB: { type: "number" as const, minimum: 0, description: "Smallest memory limit, in MiB." },
        maxMiB: { type: "number" as const, minimum: 0, description: "Largest memory limit, in MiB." },
    },
    additionalProperties: false,
};

export const memoryWithinBounds: ResourceValidationPolicy = {
    name: "memory-within-bounds",
    description:
        "Memory limits stay inside sane bounds for the kind of workload (browser, stateful data service, other). Fix: size the container from the platform's sizing table, or widen the bounds in the policy config.",
    enforcementLevel: "advisory",
    configSchema: {
        properties: {
            browser: {
                ...boundsSchema,
                default: { minMiB: 2048, maxMiB: 32768 },
                description: "Bounds for containers that run browsers (a browser needs about 2Gi; the standard-mode backend holds 24Gi).",
            },
            stateful: { ...boundsSchema, default: { minMiB: 64, maxMiB: 16384 }, description: "Bounds for Postgres, Redis, MinIO." },
            other: { ...boundsSchema, default: { minMiB: 32, maxMiB: 16384 }, description: "Bounds for every other container." },
            browserImagePatterns: browserPatternsSchema,
        },
    },
    validateResource: (args, report) => {
        if (!isWorkloadType(args.type)) return;
        const cfg = args.getConfig<{ browser: Bounds; stateful: Bounds; other: Bounds; browserImagePatterns: string[] }>();
        for (const c of containersOf(args.type, args.name, propsOf(args), cfg.browserImagePatterns ?? DEFAULT_BROWSER_IMAGE_PATTERNS)) {
            if (c.memoryLimitMiB === undefined) continue;
            const [kind, b] = c.runsBrowsers ? ["browser", cfg.browser] : c.stateful ? ["stateful", cfg.stateful] : ["other", cfg.other];
            if (c.memoryLimitMiB < b.minMiB || c.memoryLimitMiB > b.maxMiB) {
                report(
                    `${c.where}: memory limit ${showMiB(c.memoryLimitMiB)} is outside ${showMiB(b.minMiB)}..${showMiB(b.maxMiB)} for ${kind === "other" ? "an ordinary" : `a ${kind}`} container`,
                );
            }
        }
    },
};
