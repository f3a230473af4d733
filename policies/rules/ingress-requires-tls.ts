import type { ResourceValidationPolicy } from "@pulumi/policy";
import { routesOf } from "../targets";
import { propsOf } from "./common";

export const ingressRequiresTls: ResourceValidationPolicy = {
    name: "ingress-requires-tls",
    description:
        "Every host of a Kubernetes Ingress is covered by a TLS entry: logins, API tokens and VNC sessions must not cross the network in clear. Fix: add `spec.tls` with the host and a secret (or a cert-manager issuer annotation).",
    enforcementLevel: "mandatory",
    configSchema: { properties: { exemptHosts: { type: "array", items: { type: "string" }, default: [], description: "Hosts allowed without TLS." } } },
    validateResource: (args, report) => {
        const { exemptHosts } = args.getConfig<{ exemptHosts: string[] }>();
        for (const r of routesOf(args.type, args.name, propsOf(args))) {
            if (!r.tls && !exemptHosts.includes(r.host)) report(`${r.where}: host \`${r.host}\` (\`${r.field}\`) has no TLS entry in \`spec.tls\``);
        }
    },
};
