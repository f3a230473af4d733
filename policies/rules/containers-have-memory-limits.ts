import type { ResourceValidationPolicy } from "@pulumi/policy";
import { showMiB } from "../lib/quantity";
import { containersOf, isWorkloadType } from "../targets";
import { propsOf } from "./common";

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
                report(`${c.where}: no memory limit (\`${c.fields.memoryLimit}\`); set one so it cannot starve its neighbours`);
                continue;
            }
            if (!c.hasMemoryRequests) continue;
            if (c.memoryRequestMiB === undefined) {
                if (cfg.requireRequests)
                    report(`${c.where}: no memory request (\`${c.fields.memoryRequest}\`); set one at or below the ${showMiB(c.memoryLimitMiB)} limit`);
            } else if (c.memoryRequestMiB > c.memoryLimitMiB) {
                report(`${c.where}: memory request ${showMiB(c.memoryRequestMiB)} is above its limit ${showMiB(c.memoryLimitMiB)}`);
            }
        }
    },
};
