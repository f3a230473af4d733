import type { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf, isWorkloadType } from "../targets";
import { browserPatternsSchema, DEFAULT_BROWSER_IMAGE_PATTERNS, propsOf } from "./common";

export const browserWorkersHaveCpuLimits: ResourceValidationPolicy = {
    name: "browser-workers-have-cpu-limits",
    description:
        "Containers that run browsers have a CPU limit, so one runaway page cannot take the host's or node's CPU from the API and the databases. Fix: set `cpus` on docker.Container, or `resources.limits.cpu` on the container.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            maxCores: { type: "number", default: 8, description: "Largest CPU limit for one browser container, in cores." },
            browserImagePatterns: browserPatternsSchema,
        },
    },
    validateResource: (args, report) => {
        if (!isWorkloadType(args.type)) return;
        const cfg = args.getConfig<{ maxCores: number; browserImagePatterns: string[] }>();
        for (const c of containersOf(args.type, args.name, propsOf(args), cfg.browserImagePatterns ?? DEFAULT_BROWSER_IMAGE_PATTERNS)) {
            if (!c.runsBrowsers) continue;
            if (c.cpuLimitCores === undefined) report(`${c.where}: runs browsers without a CPU limit (\`${c.fields.cpuLimit}\`)`);
            else if (c.cpuLimitCores > cfg.maxCores) report(`${c.where}: CPU limit ${c.cpuLimitCores} cores is above ${cfg.maxCores}`);
        }
    },
};
