import type { ResourceValidationPolicy } from "@pulumi/policy";
import { DOCKER_CONTAINER, isWorkloadType, kubernetesKind, resourceName } from "../lib/workloads";
import { containerSpecs } from "./podspec";
import { propsOf } from "./common";
import { parseImageRef, unpinnedReason } from "../lib/images";

/** Every image reference a resource makes the platform pull, with where it is set. */
export function imagesOf(type: string, name: string, props: Record<string, unknown>): { image: string; where: string; field: string }[] {
    const out: { image: string; where: string; field: string }[] = [];
    const add = (image: unknown, where: string, field: string) => {
        if (typeof image === "string" && image) out.push({ image, where, field });
    };
    if (type === "docker:index/remoteImage:RemoteImage") add(props.name, `docker.RemoteImage \`${name}\``, "name");
    else if (type === DOCKER_CONTAINER) add(props.image, resourceName(type, name, props), "image");
    else if (isWorkloadType(type) && kubernetesKind(type)) {
        for (const c of containerSpecs(type, name, props)) add(c.container.image, c.where, `${c.field}.image`);
    }
    return out;
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
        for (const { image, where, field } of imagesOf(args.type, args.name, props)) {
            if (exemptImages.includes(image)) continue;
            const why = unpinnedReason(image);
            if (why) report(`${where}: image \`${image}\` (\`${field}\`) ${why}; pin an explicit version`);
        }
    },
};

/** Registries the platform's default images come from. */
export const DEFAULT_ALLOWED_REGISTRIES = ["docker.io", "quay.io", "ghcr.io"];

export const imagesFromAllowedRegistries: ResourceValidationPolicy = {
    name: "images-from-allowed-registries",
    description:
        "Images come only from the registries the organisation allows (a mirror, or the publishers it trusts). Advisory with the registries of the default images; a policy config that lists `allowedRegistries` should also set `enforcementLevel: mandatory` (policies/policy-config.json does). Fix: set quorvex:registry.mirror, or the image's own key.",
    enforcementLevel: "advisory",
    configSchema: {
        properties: {
            allowedRegistries: {
                type: "array",
                items: { type: "string" },
                default: DEFAULT_ALLOWED_REGISTRIES,
                description: "Registry hosts (and optional path prefixes, `mirror.corp/hub`) images may come from; `docker.io` is Docker Hub.",
            },
        },
    },
    validateResource: (args, report) => {
        const { allowedRegistries } = args.getConfig<{ allowedRegistries: string[] }>();
        for (const { image, where, field } of imagesOf(args.type, args.name, propsOf(args))) {
            const ref = parseImageRef(image);
            const full = `${ref.registry}/${ref.path}`;
            if (allowedRegistries.some((a) => full.startsWith(`${a.replace(/\/+$/, "")}/`))) continue;
            report(
                `${where}: image \`${image}\` (\`${field}\`) comes from ${ref.registry}, which is not an allowed registry (${allowedRegistries.join(", ") || "none"})`,
            );
        }
    },
};
