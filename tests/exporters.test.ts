/**
 * The metrics exporters (`exporters.enabled`): Redis's and Postgres's, each as a user of its own
 * that reads statistics only; published on the Docker host's loopback and nowhere else; on
 * Kubernetes scraped through a ServiceMonitor by the configured Prometheus alone, which the
 * alerts and the dashboard then read. Off by default: no stack changes until asked.
 */
import { describe, expect, it } from "vitest";
import { evaluate } from "../policies/evaluate";
import { configProblems, DEV_WORKERS, envOf, inputs, k8sEnv, merge, one, PROD, stack, T, all, podOf, type Json, type StackRun } from "./helpers";

const ON = { exporters: { enabled: true } };
const DEV_METRICS = merge(DEV_WORKERS, ON);
const PROD_METRICS = merge(PROD, { ...ON, kubernetes: { monitoring: { enabled: true } } });
const SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor";
const POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const names = (run: StackRun, type: string) => all(run, type).map((r) => r.name);
const netsOf = (run: StackRun, name: string) => (inputs(one(run, T.container, name)).networksAdvanced as { name: string }[]).map((n) => n.name);

describe("the metrics exporters", () => {
    it("are off by default: no container, Deployment, user or role of theirs", async () => {
        for (const run of [await stack("dev", DEV_WORKERS), await stack("prod", PROD)]) {
            expect(JSON.stringify(run.resources.map((r) => r.name))).not.toMatch(/exporter/);
            expect(names(run, SERVICE_MONITOR)).toEqual([]);
        }
    });

    describe("on Docker", () => {
        it("publish their metrics on 127.0.0.1 only, beside the data services they read, with no route to the app network", async () => {
            const run = await stack("dev", DEV_METRICS);
            expect(inputs(one(run, T.container, "redis-exporter")).ports).toEqual([{ internal: 9121, external: 9121, ip: "127.0.0.1" }]);
            expect(inputs(one(run, T.container, "postgres-exporter")).ports).toEqual([{ internal: 9187, external: 9187, ip: "127.0.0.1" }]);
            // Docker maps no port on an internal network: the publish network carries it, as for docker.publishDataPorts.
            for (const name of ["redis-exporter", "postgres-exporter"]) expect(netsOf(run, name)).toEqual(["quorvex-dev-data", "quorvex-dev-publish"]);
            // The data services stay on their internal network alone (publishDataPorts is off).
            expect(netsOf(run, "postgres")).toEqual(["quorvex-dev-data"]);
        });

        it("connect as their own users, told to send only what those users may", async () => {
            const run = await stack("dev", DEV_METRICS);
            const redis = envOf(one(run, T.container, "redis-exporter"));
            expect(redis).toMatchObject({
                REDIS_ADDR: "redis://redis:6379",
                REDIS_USER: "exporter",
                REDIS_EXPORTER_CHECK_SINGLE_KEYS: "0=browser-jobs",
                REDIS_EXPORTER_CONFIG_COMMAND: "-",
                REDIS_EXPORTER_SET_CLIENT_NAME: "false",
            });
            expect(redis.REDIS_PASSWORD).toMatch(/^.{32}$/);
            const postgres = envOf(one(run, T.container, "postgres-exporter"));
            expect(postgres).toMatchObject({ DATA_SOURCE_URI: "postgres:5432/quorvex?sslmode=disable", DATA_SOURCE_USER: "quorvex_monitor" });
            // Redis's start script declares the exporter's user, with the lengths of the queues and INFO only.
            const start = (inputs(one(run, T.container, "redis")).entrypoints as string[])[2];
            expect(start).toContain(
                'user exporter on #$(sha "$USER_PASSWORD_REDIS_EXPORTER") resetkeys ~browser-jobs resetchannels -@all +info +select +type +llen',
            );
        });

        it("read every pool's queue", async () => {
            const run = await stack("dev", merge(DEV_METRICS, { workers: { pools: { firefox: { replicas: 1 } } } }));
            expect(envOf(one(run, T.container, "redis-exporter")).REDIS_EXPORTER_CHECK_SINGLE_KEYS).toBe("0=browser-jobs,0=browser-jobs-firefox");
        });

        it("pass the pack: their memory is limited like any container's", async () => {
            const run = await stack("dev", DEV_METRICS);
            expect(inputs(one(run, T.container, "redis-exporter")).memory).toBe(64);
            expect(await evaluate(run.resources)).toEqual([]);
        });

        it("need a port of their own on the host's loopback", () => {
            expect(configProblems(merge(DEV_METRICS, { exporters: { postgres: { port: 9121 } } }))).toEqual([
                "quorvex:exporters.postgres.port = 9121: must differ from exporters.redis.port",
            ]);
            expect(configProblems(merge(DEV_METRICS, { ingress: { httpPort: 9187 } }))).toEqual([
                "quorvex:ingress.httpPort = 9187: must differ from 9187, where exporters.enabled publishes the Postgres exporter on 127.0.0.1",
            ]);
            expect(configProblems(merge(DEV_METRICS, { docker: { publishDataPorts: true }, exporters: { redis: { port: 6379 } } }))).toEqual([
                "quorvex:exporters.redis.port = 6379: must differ from 6379, where docker.publishDataPorts publishes Redis on 127.0.0.1",
            ]);
        });
    });

    describe("on Kubernetes", () => {
        it("are scraped through a ServiceMonitor each, with the labels the operator selects, its CRD read first", async () => {
            const run = await stack("prod", PROD_METRICS);
            expect(names(run, SERVICE_MONITOR).sort()).toEqual(["postgres-exporter", "redis-exporter"]);
            const monitor = inputs(one(run, SERVICE_MONITOR, "redis-exporter"));
            expect(monitor.metadata).toMatchObject({ namespace: "playwright-agent", labels: { release: "kube-prometheus-stack" } });
            expect(monitor.spec).toEqual({
                selector: { matchLabels: { "app.kubernetes.io/name": "redis-exporter", "app.kubernetes.io/instance": "prod" } },
                endpoints: [{ port: "metrics", path: "/metrics" }],
            });
            expect(run.lookups).toContain("kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition::servicemonitors.monitoring.coreos.com");
        });

        it("admit the Prometheus pods of its namespace to their metrics port, and nothing else of theirs", async () => {
            const run = await stack("prod", PROD_METRICS);
            const admit = inputs(one(run, POLICY, "redis-exporter-from-prometheus")).spec;
            expect(admit).toEqual({
                podSelector: { matchLabels: { "app.kubernetes.io/name": "redis-exporter", "app.kubernetes.io/instance": "prod" } },
                policyTypes: ["Ingress"],
                ingress: [
                    {
                        from: [
                            {
                                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
                                podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
                            },
                        ],
                        ports: [{ protocol: "TCP", port: 9121 }],
                    },
                ],
            });
            // Each exporter reaches its data service only.
            expect(names(run, POLICY)).toEqual(expect.arrayContaining(["redis-from-redis-exporter", "postgres-from-postgres-exporter"]));
            const egress = inputs(one(run, POLICY, "postgres-exporter-egress")).spec.egress as Json[];
            expect(egress.map((e) => e.to[0].podSelector?.matchLabels?.["app.kubernetes.io/name"]).filter(Boolean)).toEqual(["postgres"]);
        });

        it("hand each its password from the Secret, as a file where the image reads one", async () => {
            const run = await stack("prod", PROD_METRICS);
            const [pg] = podOf(one(run, T.deployment, "postgres-exporter")).containers as Json[];
            expect(k8sEnv(pg)).toMatchObject({ DATA_SOURCE_USER: "quorvex_monitor", DATA_SOURCE_PASS_FILE: expect.stringMatching(/^\/run\/secrets\//) });
            expect(k8sEnv(pg).DATA_SOURCE_PASS).toBeUndefined();
            const [redis] = podOf(one(run, T.deployment, "redis-exporter")).containers as Json[];
            expect(k8sEnv(redis).REDIS_PASSWORD).toBe("secret:redis-redis-exporter-credentials/REDIS_PASSWORD");
        });

        it("run where the placement puts them: the default's, or their own", async () => {
            const placement = { default: { nodeSelector: ["pool=system"] }, exporters: { priorityClassName: "monitoring" } };
            const run = await stack("prod", merge(PROD, { ...ON, kubernetes: { placement } }));
            for (const name of ["redis-exporter", "postgres-exporter"])
                expect(podOf(one(run, T.deployment, name)), name).toMatchObject({ nodeSelector: { pool: "system" }, priorityClassName: "monitoring" });
            expect(podOf(one(run, T.deployment, "backend")).priorityClassName).toBeUndefined();
        });

        it("run without monitoring too, unscraped: no ServiceMonitor, no Prometheus admitted", async () => {
            const run = await stack("prod", merge(PROD, ON));
            expect(names(run, T.deployment)).toEqual(expect.arrayContaining(["redis-exporter", "postgres-exporter"]));
            expect(names(run, SERVICE_MONITOR)).toEqual([]);
            expect(names(run, POLICY).filter((n) => n.endsWith("-from-prometheus"))).toEqual([]);
        });

        it("scrape the backend's and each pool's own metrics too, where their images serve them (`metricsPath`)", async () => {
            const run = await stack(
                "prod",
                merge(PROD_METRICS, { backend: { metricsPath: "/metrics" }, workers: { metricsPath: "/metrics", pools: { firefox: { metricsPath: null } } } }),
            );
            expect(names(run, SERVICE_MONITOR).sort()).toEqual(["backend", "postgres-exporter", "redis-exporter", "workers"]);
            expect(inputs(one(run, SERVICE_MONITOR, "backend")).spec.endpoints).toEqual([{ port: "http", path: "/metrics" }]);
            expect(inputs(one(run, SERVICE_MONITOR, "workers")).spec.endpoints).toEqual([{ port: "health", path: "/metrics" }]);
            expect(inputs(one(run, POLICY, "workers-from-prometheus")).spec.ingress[0].ports).toEqual([{ protocol: "TCP", port: 8001 }]);
            // By default the images serve none: nothing of theirs is scraped.
            expect(names(await stack("prod", PROD_METRICS), SERVICE_MONITOR).sort()).toEqual(["postgres-exporter", "redis-exporter"]);
        });

        it("feed the alerts and the dashboard: each pool's queue, Redis's memory, Postgres's connections", async () => {
            const run = await stack("prod", PROD_METRICS);
            const rules = inputs(one(run, "kubernetes:monitoring.coreos.com/v1:PrometheusRule", "quorvex-alerts")).spec.groups[0].rules as Json[];
            expect(rules.map((r) => r.alert)).toEqual(
                expect.arrayContaining([
                    "QuorvexExporterDown",
                    "QuorvexQueueGrowing",
                    "QuorvexRedisMemoryHigh",
                    "QuorvexPostgresDown",
                    "QuorvexPostgresConnectionsHigh",
                ]),
            );
            expect(rules.find((r) => r.alert === "QuorvexQueueGrowing")!.expr).toContain('job="redis-exporter",key="browser-jobs"');
            const board = all(run, "kubernetes:core/v1:ConfigMap")
                .map(inputs)
                .find((c) => c.metadata.name === "quorvex-dashboard")!;
            expect(JSON.parse(board.data["quorvex.json"]).panels.map((p: Json) => p.title)).toEqual(
                expect.arrayContaining(["Queued jobs", "Redis memory against maxmemory", "Postgres connections"]),
            );
            expect(await evaluate(run.resources)).toEqual([]);
        });
    });
});
