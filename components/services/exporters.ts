/**
 * The metrics exporters' config section: Redis's and Postgres's, each with a credential of its
 * own that reads statistics and nothing else (`stacks/compose.ts`, `grants`). Kubernetes
 * scrapes them with a ServiceMonitor each (with `kubernetes.monitoring.enabled`); Docker
 * publishes them on 127.0.0.1 only, for a Prometheus on the host.
 */
import { z } from "zod";
import { bool, port, resources } from "../../config/fields";
import { sizing } from "../../config/sizing";
import type { ServicePlugin } from "../plugin";

const exporter = z.strictObject({ port, resources });

const section = z.strictObject({
    enabled: bool,
    redis: exporter,
    postgres: exporter,
});

export const exporters: ServicePlugin<"exporters", typeof section> = {
    name: "exporters",
    description: "the data services' metrics exporters",
    config: {
        schema: section,
        defaults: {
            enabled: false,
            // Their own ports (the images' defaults). Each ran at 17-19Mi resident after 30 scrapes (measured).
            redis: { port: 9121, resources: sizing("10m", "100m", "32Mi", "64Mi") },
            postgres: { port: 9187, resources: sizing("10m", "100m", "32Mi", "64Mi") },
        },
        docs: {
            enabled:
                "Run a Redis exporter (memory, clients, each browser pool's queue length) and a Postgres exporter (connections, database size), each as a user that reads statistics only. Kubernetes: scraped through ServiceMonitors, with alerts on them, when `kubernetes.monitoring.enabled`; Docker: published on 127.0.0.1 (docs/operations.md, Watch the stack).",
            "redis.port": "Port of the Redis exporter's metrics (Docker: published on 127.0.0.1 at this port).",
            "postgres.port": "Port of the Postgres exporter's metrics (Docker: published on 127.0.0.1 at this port).",
        },
    },
    rules: (own, rule) => {
        if (own.redis.port === own.postgres.port) rule(["postgres", "port"], "must differ from exporters.redis.port");
    },
};
