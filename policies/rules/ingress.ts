import type { ResourceValidationPolicy } from "@pulumi/policy";
import { kubernetesKind } from "../lib/workloads";
import { propsOf } from "./common";
import { arr, obj } from "../lib/json";

export const ingressRequiresTls: ResourceValidationPolicy = {
    name: "ingress-requires-tls",
    description:
        "Every host of a Kubernetes Ingress is covered by a TLS entry: logins, API tokens and VNC sessions must not cross the network in clear. Fix: add `spec.tls` with the host and a secret (or a cert-manager issuer annotation).",
    enforcementLevel: "mandatory",
    configSchema: { properties: { exemptHosts: { type: "array", items: { type: "string" }, default: [], description: "Hosts allowed without TLS." } } },
    validateResource: (args, report) => {
        if (kubernetesKind(args.type) !== "Ingress") return;
        const props = propsOf(args);
        const { exemptHosts } = args.getConfig<{ exemptHosts: string[] }>();
        const spec = obj(props.spec);
        const covered = new Set(arr(spec.tls).flatMap((t) => arr(obj(t).hosts).map(String)));
        const name = obj(props.metadata).name ?? args.name;
        arr(spec.rules).forEach((rule, i) => {
            const host = obj(rule).host;
            const h = typeof host === "string" ? host : "*";
            if (!covered.has(h) && !exemptHosts.includes(h))
                report(`Ingress \`${String(name)}\`: host \`${h}\` (\`spec.rules[${i}].host\`) has no TLS entry in \`spec.tls\``);
        });
    },
};
