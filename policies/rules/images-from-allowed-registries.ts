import type { ResourceValidationPolicy } from "@pulumi/policy";
import { parseImageRef } from "../lib/images";
import { imagesOf } from "../targets";
import { propsOf } from "./common";

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
