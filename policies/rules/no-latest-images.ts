import type { ResourceValidationPolicy } from "@pulumi/policy";
import { unpinnedReason } from "../lib/images";
import { imagesOf } from "../targets";
import { propsOf } from "./common";

export const noLatestImages: ResourceValidationPolicy = {
    name: "no-latest-images",
    description:
        "Images carry an explicit tag other than `latest` (or a digest), so a deployment is reproducible and a rollout is a visible change. Fix: pin the image, e.g. `postgres:16.4-alpine`.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            exemptImages: { type: "array", items: { type: "string" }, default: [], description: "Image references exempt from the rule." },
        },
    },
    validateResource: (args, report) => {
        const props = propsOf(args);
        const { exemptImages } = args.getConfig<{ exemptImages: string[] }>();
        for (const { image, where, field } of imagesOf(args.type, args.name, props)) {
            if (exemptImages.includes(image)) continue;
            const why = unpinnedReason(image);
            if (why) report(`${where}: image \`${image}\` (\`${field}\`) ${why}; pin an explicit version`);
        }
    },
};
