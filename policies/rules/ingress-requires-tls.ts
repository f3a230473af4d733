import type { StackValidationPolicy } from "@pulumi/policy";
import { obj } from "../lib/json";
import { gatewayOf, routesOf } from "../targets";
import type { GatewayView } from "../targets/reader";

export const ingressRequiresTls: StackValidationPolicy = {
    name: "ingress-requires-tls",
    description:
        "Every host of a Kubernetes Ingress is covered by a TLS entry, and every host of a Gateway API HTTPRoute is served only by HTTPS listeners with a certificate (a plain HTTP listener may carry a route that only redirects to HTTPS): logins, API tokens and VNC sessions must not cross the network in clear. A route on a Gateway outside the stack names its listener (`sectionName`); the program checks at preview that the live listener is HTTPS. Fix: add `spec.tls` with the host and a secret (or a cert-manager issuer annotation), or attach the route to an HTTPS listener.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { exemptHosts: { type: "array", items: { type: "string" }, default: [], description: "Hosts allowed without TLS." } } },
    validateStack: (args, report) => {
        const { exemptHosts } = args.getConfig<{ exemptHosts: string[] }>();
        const gateways = new Map<string, GatewayView>();
        for (const r of args.resources) {
            const g = gatewayOf(r.type, r.name, obj(r.props));
            if (g) gateways.set(g.gateway, g);
        }
        for (const r of args.resources) {
            for (const route of routesOf(r.type, r.name, obj(r.props))) {
                if (exemptHosts.includes(route.host)) continue;
                if (!route.parents) {
                    if (!route.tls) report(`${route.where}: host \`${route.host}\` (\`${route.field}\`) has no TLS entry in \`spec.tls\``);
                    continue;
                }
                for (const p of route.parents) {
                    const gw = gateways.get(p.gateway);
                    if (!gw) {
                        if (!p.sectionName)
                            report(
                                `${route.where}: host \`${route.host}\` attaches to every listener of Gateway \`${p.gateway}\` (\`${p.field}\`), plain HTTP ones included; name its HTTPS listener in \`sectionName\``,
                            );
                        continue;
                    }
                    const listeners = p.sectionName ? gw.listeners.filter((l) => l.name === p.sectionName) : gw.listeners;
                    for (const l of listeners) {
                        if (l.tls || route.redirectsToHttps) continue;
                        report(
                            `${route.where}: host \`${route.host}\` is served by listener \`${l.name}\` of Gateway \`${p.gateway}\` (\`${p.field}\`), which is ${l.protocol} without a certificate`,
                        );
                    }
                }
            }
        }
    },
};
