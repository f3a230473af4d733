import type { StackValidationPolicy } from "@pulumi/policy";
import { obj } from "../lib/json";
import { unreadableReason } from "../targets";

/** Providers whose resources run no workload and hold no data (and our own components). */
export const DEFAULT_INERT_PACKAGES = ["pulumi", "random", "tls", "command", "quorvex"];

export const packReadsEveryResource: StackValidationPolicy = {
    name: "pack-reads-every-resource",
    description:
        "Every resource of the stack is one the pack can read (a target's reader knows its type) or of a provider that runs no workload: a resource of a new target or an unknown workload kind would otherwise pass every memory, image and data policy unchecked. Fix: add a reader for the target to policies/targets/, or list the provider in `inertPackages` if it runs nothing.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            inertPackages: {
                type: "array",
                items: { type: "string" },
                default: DEFAULT_INERT_PACKAGES,
                description: "Providers (the first part of a resource type) whose resources run no container and hold no data.",
            },
        },
    },
    validateStack: (args, report) => {
        const { inertPackages } = args.getConfig<{ inertPackages: string[] }>();
        for (const r of args.resources) {
            const why = unreadableReason(r.type, obj(r.props), inertPackages);
            if (why) report(`${r.type} \`${r.name}\`: ${why}`);
        }
    },
};
