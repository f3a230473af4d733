import type { ResourceValidationPolicy } from "@pulumi/policy";
import { DOCKER_CONTAINER, isWorkloadType, kubernetesKind, resourceName } from "../lib/workloads";
import { containerSpecs } from "./podspec";
import { propsOf } from "./common";

/** Why an image reference is not pinned, or undefined when it is. */
export function unpinnedReason(image: string): string | undefined {
    if (/^sha256:[a-f0-9]{64}$/.test(image) || image.includes("@sha256:")) return undefined;
    const ref = image.split("@")[0];
    const slash = ref.lastIndexOf("/");
    const colon = ref.lastIndexOf(":");
    const tag = colon > slash ? ref.slice(colon + 1) : undefined;
    if (tag === undefined || tag === "") return "has no tag (it means `latest`)";
    if (tag === "latest") return "uses the `latest` tag";
    return undefined;
}

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
        const check = (image: unknown, where: string, field: string) => {
            if (typeof image !== "string" || exemptImages.includes(image)) return;
            const why = unpinnedReason(image);
            if (why) report(`${where}: image \`${image}\` (\`${field}\`) ${why}; pin an explicit version`);
        };
        if (args.type === "docker:index/remoteImage:RemoteImage") check(props.name, `docker.RemoteImage \`${args.name}\``, "name");
        else if (args.type === DOCKER_CONTAINER) check(props.image, resourceName(args.type, args.name, props), "image");
        else if (isWorkloadType(args.type) && kubernetesKind(args.type)) {
            for (const c of containerSpecs(args.type, args.name, props)) check(c.container.image, c.where, `${c.field}.image`);
        }
    },
};
