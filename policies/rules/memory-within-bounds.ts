import type { ResourceValidationPolicy } from "@pulumi/policy";
import { showMiB } from "../lib/quantity";
import { containersOf, isWorkloadType } from "../targets";
import { browserPatternsSchema, DEFAULT_BROWSER_IMAGE_PATTERNS, propsOf } from "./common";

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
