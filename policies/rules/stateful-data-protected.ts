import type { ResourceValidationPolicy } from "@pulumi/policy";
import { MARKERS } from "../lib/markers";
import { dataHolderOf } from "../targets";
import { propsOf } from "./common";

export const statefulDataProtected: ResourceValidationPolicy = {
    name: "stateful-data-protected",
    description:
        "Volumes and PVCs that hold Postgres, Redis or MinIO data carry `protect` or `retainOnDelete` wherever the stack says the data must be kept. Our components mark such resources with the labels quorvex.io/stateful-data, quorvex.io/protect and quorvex.io/retain-on-delete (resource options are not visible to policies, so the marker mirrors them); `requireProtection: true` (set it for prod) demands protection on every volume, PVC and StatefulSet. Fix: set quorvex:protection.protect=true and retainOnDelete=true for the stack.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            requireProtection: { type: "boolean", default: false, description: "Every data volume/PVC must be protected, whatever its markers say (prod)." },
        },
    },
    validateResource: (args, report) => {
        const props = propsOf(args);
        const holder = dataHolderOf(args.type, args.name, props);
        if (!holder) return;
        const { labels, shown } = holder;
        const { requireProtection } = args.getConfig<{ requireProtection: boolean }>();
        const data = labels[MARKERS.statefulData];
        const protectedNow = args.opts?.protect === true;
        const retained = labels[MARKERS.retainOnDelete] === "true";
        if (data && labels[MARKERS.protect] === "true" && !protectedNow) {
            report(
                `${shown}: holds ${data} data the stack must keep (label ${MARKERS.protect}=true) but the resource is not protected; set the \`protect\` resource option`,
            );
            return;
        }
        // A holder without our marker that mounts others' data (a StatefulSet's PVCs): they are checked on their own.
        if (requireProtection && (data || !holder.mountsOthers) && !protectedNow && !retained) {
            report(
                `${shown}: ${data ? `holds ${data} data` : "holds data"} but has neither \`protect\` nor \`retainOnDelete\`; \`pulumi destroy\` or a replacement would delete it`,
            );
        }
    },
};
