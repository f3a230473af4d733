/**
 * A seventh service, defined only in the tests: a cache beside the platform's
 * six. It is one file (this plug-in: its config section, its defaults with both
 * sizing tables, its docs, its rule, and how it places itself) plus one
 * registration (the conformance suite lists it beside the registered services).
 * Nothing in config/, the composition or any target changes for it.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { image, int, port, resources } from "../../config/fields";
import { sizing } from "../../config/sizing";
import type { ServicePlugin } from "../../components/plugin";

const section = z.strictObject({ image, replicas: int(1, 10), port, resources });

export const cache: ServicePlugin<"cache", typeof section> = {
    name: "cache",
    description: "the tests' own cache",
    config: {
        schema: section,
        defaults: { image: "memcached:1.6.39-alpine", replicas: 2, port: 11211, resources: sizing("100m", "500m", "64Mi", "128Mi") },
        sizing: (table) => (table === "singleHost" ? { replicas: 1, resources: sizing("100m", "1", "64Mi", "256Mi") } : {}),
        docs: { image: "The cache's image.", replicas: "Cache replicas.", port: "Where it listens." },
    },
    rules: (own, rule) => {
        if (own.port < 1024) rule(["port"], "must be 1024 or above: the cache runs without privileges");
    },
    compose: ({ target, own, placement }) => {
        const parent = new pulumi.ComponentResource("quorvex:test:Cache", "cache", {}, {});
        target.statelessService(
            {
                role: "cache",
                component: "cache",
                image: own.image,
                resources: own.resources,
                user: { uid: 11211, gid: 11211 },
                ports: [{ name: "cache", port: own.port }],
                health: { readiness: { tcp: { port: own.port } }, liveness: { tcp: { port: own.port } } },
                replicas: own.replicas,
                terminationGracePeriodSeconds: 10,
            },
            { parent, ...placement },
        );
    },
};
