/**
 * The stack's alerts through Prometheus's own tool: `promtool check rules` parses exactly the
 * rules the stack deploys, and `promtool test rules` fires each alert on its failure (from
 * series as kube-state-metrics and the kubelet export them) and none on a healthy stack.
 * promtool is the toolchain's opt-in `promtool` unit; without it the file says so and skips.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { alertGroups, dashboard, MONITORING_DEFAULTS, type WatchedStack } from "../../targets/kubernetes/monitoring";
import { runProcess } from "./harness";

const promtool = (process.env.PATH ?? "")
    .split(path.delimiter)
    .map((d) => path.join(d, "promtool"))
    .find((p) => p && fs.existsSync(p));
if (!promtool) console.log("alerts: skipped, no promtool on PATH (QUORVEX_TOOLCHAIN_UNITS=promtool npm run toolchain builds it)");

const STACK: WatchedStack = {
    namespace: "playwright-agent",
    pools: [
        { key: null, role: "workers", hpa: "workers", queue: "browser-jobs" },
        // A second pool, scaled by KEDA.
        { key: "firefox", role: "workers-firefox", hpa: "keda-hpa-workers-firefox", queue: "browser-jobs-firefox" },
    ],
    backup: true,
    tasksNamespace: "playwright-tasks",
    exporters: { redis: "redis-exporter", postgres: "postgres-exporter" },
};
const ns = { namespace: STACK.namespace };
/** What a ServiceMonitor's scrape of an exporter adds: its namespace and its Service as the job. */
const redisJob = { ...ns, job: "redis-exporter" };
const postgresJob = { ...ns, job: "postgres-exporter" };
const tasks = { namespace: "playwright-tasks" };
const groups = alertGroups(STACK, MONITORING_DEFAULTS);

/** A series as promtool reads it: a metric with labels, and its values one minute apart. */
type Series = [metric: string, labels: Record<string, string>, values: string];
const series = ([metric, labels, values]: Series) => ({
    series: `${metric}{${Object.entries(labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(",")}}`,
    values,
});

/** What a healthy stack exports: nothing here may fire. */
const HEALTHY: Series[] = [
    ["kube_pod_container_status_restarts_total", { ...ns, pod: "workers-a", container: "workers" }, "0+0x120"],
    ["kube_pod_container_status_last_terminated_reason", { ...ns, pod: "workers-a", container: "workers", reason: "Completed" }, "1+0x120"],
    ["kube_deployment_status_replicas_available", { ...ns, deployment: "backend" }, "2+0x120"],
    ["kube_deployment_spec_replicas", { ...ns, deployment: "backend" }, "2+0x120"],
    ["kube_job_status_failed", { ...ns, job_name: "backend-migrate-1a2b3c4d" }, "0+0x120"],
    ["kube_job_status_failed", { ...ns, job_name: "postgres-backup-29000000" }, "0+0x120"],
    ["kubelet_volume_stats_used_bytes", { ...ns, persistentvolumeclaim: "postgres-data" }, "50+0x120"],
    ["kubelet_volume_stats_capacity_bytes", { ...ns, persistentvolumeclaim: "postgres-data" }, "100+0x120"],
    ["kube_horizontalpodautoscaler_status_current_replicas", { ...ns, horizontalpodautoscaler: "workers" }, "5+0x120"],
    ["kube_horizontalpodautoscaler_spec_max_replicas", { ...ns, horizontalpodautoscaler: "workers" }, "20+0x120"],
    ["kube_horizontalpodautoscaler_status_current_replicas", { ...ns, horizontalpodautoscaler: "keda-hpa-workers-firefox" }, "2+0x120"],
    ["kube_horizontalpodautoscaler_spec_max_replicas", { ...ns, horizontalpodautoscaler: "keda-hpa-workers-firefox" }, "6+0x120"],
    // A backup succeeded an hour before the test starts.
    ["kube_cronjob_status_last_successful_time", { ...ns, cronjob: "postgres-backup" }, "-3600+60x120"],
    ["kube_job_status_failed", { ...tasks, job_name: "task-abcde" }, "0+0x120"],
    ["kube_resourcequota", { ...tasks, resourcequota: "tasks", type: "used", resource: "pods" }, "3+0x120"],
    ["kube_resourcequota", { ...tasks, resourcequota: "tasks", type: "hard", resource: "pods" }, "20+0x120"],
    // The exporters (names and labels as redis_exporter 1.82 and postgres_exporter 0.19 export them): queues steady.
    ["up", redisJob, "1+0x120"],
    ["up", postgresJob, "1+0x120"],
    ["redis_up", redisJob, "1+0x120"],
    ["redis_key_size", { ...redisJob, db: "db0", key: "browser-jobs" }, "3+0x120"],
    ["redis_key_size", { ...redisJob, db: "db0", key: "browser-jobs-firefox" }, "0+0x120"],
    ["redis_memory_used_bytes", redisJob, "50+0x120"],
    ["redis_memory_max_bytes", redisJob, "100+0x120"],
    ["pg_up", postgresJob, "1+0x120"],
    ["pg_stat_activity_count", { ...postgresJob, datname: "quorvex", state: "active", usename: "quorvex_app" }, "10+0x120"],
    ["pg_stat_activity_count", { ...postgresJob, datname: "quorvex", state: "idle", usename: "quorvex_app" }, "20+0x120"],
    ["pg_settings_max_connections", postgresJob, "100+0x120"],
];

/** Each alert, the series that make it fire, when, and the labels it fires with (`rule`: which of the rules of that name, the first by default). */
const FAILURES: { alert: string; rule?: number; series: Series[]; at: string; labels: Record<string, string> }[] = [
    {
        alert: "QuorvexContainerOOMKilled",
        series: [
            ["kube_pod_container_status_restarts_total", { ...ns, pod: "workers-a", container: "workers" }, "0 0 0 1 1 1"],
            ["kube_pod_container_status_last_terminated_reason", { ...ns, pod: "workers-a", container: "workers", reason: "OOMKilled" }, "0 0 0 1 1 1"],
        ],
        at: "5m",
        labels: { ...ns, pod: "workers-a", container: "workers", reason: "OOMKilled" },
    },
    {
        alert: "QuorvexContainerRestarting",
        series: [["kube_pod_container_status_restarts_total", { ...ns, pod: "redis-0", container: "redis" }, "0+1x60"]],
        at: "60m",
        labels: { ...ns, pod: "redis-0", container: "redis" },
    },
    {
        alert: "QuorvexBackendUnavailable",
        series: [
            ["kube_deployment_status_replicas_available", { ...ns, deployment: "backend" }, "1+0x20"],
            ["kube_deployment_spec_replicas", { ...ns, deployment: "backend" }, "2+0x20"],
        ],
        at: "15m",
        labels: { ...ns, deployment: "backend" },
    },
    {
        alert: "QuorvexSetupJobFailed",
        series: [["kube_job_status_failed", { ...ns, job_name: "backend-migrate-1a2b3c4d" }, "0 1 1"]],
        at: "2m",
        labels: { ...ns, job_name: "backend-migrate-1a2b3c4d" },
    },
    {
        alert: "QuorvexVolumeFilling",
        series: [
            ["kubelet_volume_stats_used_bytes", { ...ns, persistentvolumeclaim: "minio-data" }, "90+0x20"],
            ["kubelet_volume_stats_capacity_bytes", { ...ns, persistentvolumeclaim: "minio-data" }, "100+0x20"],
        ],
        at: "15m",
        labels: { ...ns, persistentvolumeclaim: "minio-data" },
    },
    {
        alert: "QuorvexWorkersAtMax",
        series: [
            ["kube_horizontalpodautoscaler_status_current_replicas", { ...ns, horizontalpodautoscaler: "workers" }, "20+0x30"],
            ["kube_horizontalpodautoscaler_spec_max_replicas", { ...ns, horizontalpodautoscaler: "workers" }, "20+0x30"],
        ],
        at: "20m",
        labels: { ...ns, horizontalpodautoscaler: "workers" },
    },
    {
        alert: "QuorvexWorkersAtMax",
        rule: 1,
        series: [
            ["kube_horizontalpodautoscaler_status_current_replicas", { ...ns, horizontalpodautoscaler: "keda-hpa-workers-firefox" }, "6+0x30"],
            ["kube_horizontalpodautoscaler_spec_max_replicas", { ...ns, horizontalpodautoscaler: "keda-hpa-workers-firefox" }, "6+0x30"],
        ],
        at: "20m",
        labels: { ...ns, horizontalpodautoscaler: "keda-hpa-workers-firefox" },
    },
    {
        alert: "QuorvexBackupFailed",
        series: [["kube_job_status_failed", { ...ns, job_name: "postgres-backup-29000000" }, "0 1 1"]],
        at: "2m",
        labels: { ...ns, job_name: "postgres-backup-29000000" },
    },
    {
        alert: "QuorvexBackupOverdue",
        // The last success, 27 hours before the test starts, never renewed.
        series: [["kube_cronjob_status_last_successful_time", { ...ns, cronjob: "postgres-backup" }, `${-27 * 3600}+0x10`]],
        at: "5m",
        labels: {},
    },
    {
        alert: "QuorvexTasksFailing",
        series: [["kube_job_status_failed", { ...tasks, job_name: "task-abcde" }, "0+1x60"]],
        at: "60m",
        labels: {},
    },
    {
        alert: "QuorvexTasksAtQuota",
        series: [
            ["kube_resourcequota", { ...tasks, resourcequota: "tasks", type: "used", resource: "pods" }, "20+0x30"],
            ["kube_resourcequota", { ...tasks, resourcequota: "tasks", type: "hard", resource: "pods" }, "20+0x30"],
        ],
        at: "20m",
        // Matched `on (namespace, resourcequota)`: the alert keeps those labels only.
        labels: { ...tasks, resourcequota: "tasks" },
    },
    {
        alert: "QuorvexExporterDown",
        series: [["up", postgresJob, "0+0x10"]],
        at: "7m",
        labels: postgresJob,
    },
    {
        alert: "QuorvexQueueGrowing",
        // A job more every minute, nothing taken.
        series: [["redis_key_size", { ...redisJob, db: "db0", key: "browser-jobs" }, "0+1x40"]],
        at: "25m",
        labels: { ...redisJob, db: "db0", key: "browser-jobs" },
    },
    {
        alert: "QuorvexQueueGrowing",
        rule: 1,
        series: [["redis_key_size", { ...redisJob, db: "db0", key: "browser-jobs-firefox" }, "0+2x40"]],
        at: "25m",
        labels: { ...redisJob, db: "db0", key: "browser-jobs-firefox" },
    },
    {
        alert: "QuorvexRedisDown",
        series: [["redis_up", redisJob, "0+0x10"]],
        at: "7m",
        labels: redisJob,
    },
    {
        alert: "QuorvexRedisMemoryHigh",
        series: [
            ["redis_memory_used_bytes", redisJob, "95+0x10"],
            ["redis_memory_max_bytes", redisJob, "100+0x10"],
        ],
        at: "7m",
        labels: redisJob,
    },
    {
        alert: "QuorvexPostgresDown",
        series: [["pg_up", postgresJob, "0+0x10"]],
        at: "7m",
        labels: postgresJob,
    },
    {
        alert: "QuorvexPostgresConnectionsHigh",
        series: [
            ["pg_stat_activity_count", { ...postgresJob, datname: "quorvex", state: "active", usename: "quorvex_app" }, "60+0x20"],
            ["pg_stat_activity_count", { ...postgresJob, datname: "quorvex", state: "idle", usename: "quorvex_app" }, "25+0x20"],
            ["pg_settings_max_connections", postgresJob, "100+0x20"],
        ],
        at: "15m",
        // Summed `by (namespace)`: the alert keeps that label only.
        labels: ns,
    },
];

const ruleOf = (alert: string, n = 0) => groups[0].rules.filter((r) => r.alert === alert)[n];
/** An annotation as Prometheus renders it for these labels. */
const render = (text: string, labels: Record<string, string>) => text.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, k: string) => labels[k] ?? "");

describe.skipIf(!promtool)("the stack's alerts, through promtool", () => {
    // Made in beforeAll: a skipped suite's body still runs, and its afterAll does not.
    let dir = "";
    let rules = "";
    beforeAll(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "quorvex-alerts-"));
        rules = path.join(dir, "rules.yaml");
        fs.writeFileSync(rules, stringify({ groups }));
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    const run = (args: string[]) => runProcess(promtool!, args, { env: process.env, cwd: dir });

    it("`promtool check rules` parses every rule the stack deploys", async () => {
        const r = await run(["check", "rules", rules]);
        expect(r.code, r.stdout + r.stderr).toBe(0);
        expect(r.stdout).toMatch(new RegExp(`SUCCESS: ${groups[0].rules.length} rules found`));
    });

    it("parses every query of the dashboard (as recording rules, through Prometheus's own parser)", async () => {
        const board = dashboard(STACK) as { panels: { targets: { expr: string }[] }[] };
        const exprs = board.panels.flatMap((p) => p.targets.map((t) => t.expr));
        const file = path.join(dir, "dashboard-queries.yaml");
        fs.writeFileSync(file, stringify({ groups: [{ name: "dashboard", rules: exprs.map((expr, i) => ({ record: `quorvex:panel_query_${i}`, expr })) }] }));
        const r = await run(["check", "rules", "--lint=none", file]);
        expect(r.code, r.stdout + r.stderr).toBe(0);
        expect(r.stdout).toContain(`SUCCESS: ${exprs.length} rules found`);
        expect(exprs.length).toBeGreaterThanOrEqual(12);
    });

    it("covers every alert with a failure", () => {
        expect(FAILURES.map((f) => f.alert).sort()).toEqual(groups[0].rules.map((r) => r.alert).sort());
    });

    it("`promtool test rules` fires every alert on its failure and on nothing healthy", async () => {
        const tests = [
            {
                interval: "1m",
                input_series: HEALTHY.map(series),
                alert_rule_test: groups[0].rules.map((r) => ({ eval_time: "90m", alertname: r.alert, exp_alerts: [] })),
            },
            ...FAILURES.map((f) => {
                const rule = ruleOf(f.alert, f.rule);
                const labels = { ...f.labels, ...rule.labels };
                return {
                    interval: "1m",
                    input_series: f.series.map(series),
                    alert_rule_test: [
                        {
                            eval_time: f.at,
                            alertname: f.alert,
                            exp_alerts: [
                                {
                                    exp_labels: labels,
                                    exp_annotations: { summary: rule.annotations.summary, description: render(rule.annotations.description, labels) },
                                },
                            ],
                        },
                    ],
                };
            }),
        ];
        const file = path.join(dir, "tests.yaml");
        fs.writeFileSync(file, stringify({ rule_files: [rules], evaluation_interval: "1m", tests }));
        const r = await run(["test", "rules", file]);
        expect(r.code, r.stdout + r.stderr).toBe(0);
    });
});
