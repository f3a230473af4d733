/**
 * Watching the stack (`quorvex:kubernetes.monitoring`): a PrometheusRule for the
 * prometheus-operator, its alerts read from what kube-state-metrics and the kubelet export and,
 * with `exporters.enabled`, from the stack's Redis and Postgres exporters (each scraped through a
 * ServiceMonitor), and a Grafana dashboard as a ConfigMap its sidecar discovers.
 * The rules are a pure function of the settings, so promtool can check and test exactly what
 * the stack deploys.
 */
import { z } from "zod";
import { bool, dnsLabel, int, podLabels } from "../../config/fields";

export const monitoringSection = z.strictObject({
    enabled: bool,
    ruleLabels: podLabels,
    serviceMonitorLabels: podLabels,
    prometheusNamespace: dnsLabel,
    prometheusPodLabels: podLabels,
    dashboardLabels: podLabels,
    restartsPerHour: int(1, 1000),
    atMaxMinutes: int(1, 1440),
    backupMaxAgeHours: int(1, 720),
    volumeFullPercent: int(50, 99),
    queueGrowingMinutes: int(1, 1440),
    redisMemoryPercent: int(50, 99),
    postgresConnectionsPercent: int(50, 99),
});
export type MonitoringConfig = z.output<typeof monitoringSection>;

export const MONITORING_DEFAULTS = {
    enabled: false,
    // kube-prometheus-stack's operator selects rules of its release; set yours.
    ruleLabels: ["release=kube-prometheus-stack"],
    // Its Prometheus selects ServiceMonitors by the same label, and runs in the chart's namespace.
    serviceMonitorLabels: ["release=kube-prometheus-stack"],
    prometheusNamespace: "monitoring",
    prometheusPodLabels: ["app.kubernetes.io/name=prometheus"],
    // Grafana's dashboard sidecar (kube-prometheus-stack's default label).
    dashboardLabels: ["grafana_dashboard=1"],
    restartsPerHour: 3,
    atMaxMinutes: 15,
    // The backup runs daily: a day and two hours without a success is overdue.
    backupMaxAgeHours: 26,
    volumeFullPercent: 85,
    queueGrowingMinutes: 15,
    redisMemoryPercent: 90,
    postgresConnectionsPercent: 80,
};

export const MONITORING_DOCS: Record<string, string> = {
    "monitoring.enabled":
        "A PrometheusRule of the stack's alerts and a Grafana dashboard ConfigMap (needs the prometheus-operator's CRDs, read at preview and up, kube-state-metrics, and the kubelet's metrics).",
    "monitoring.ruleLabels": "Labels of the PrometheusRule, `key=value` items: the ones your Prometheus's `ruleSelector` picks.",
    "monitoring.serviceMonitorLabels":
        "Labels of the exporters' ServiceMonitors (with `exporters.enabled`), `key=value` items: the ones your Prometheus's `serviceMonitorSelector` picks.",
    "monitoring.prometheusNamespace": "Namespace of the Prometheus that scrapes the exporters: admitted to their metrics port, and nothing else.",
    "monitoring.prometheusPodLabels": "Labels of that Prometheus's pods, `key=value` items; `[]`: every pod of the namespace.",
    "monitoring.dashboardLabels": "Labels of the dashboard ConfigMap, `key=value` items: the ones Grafana's dashboard sidecar watches.",
    "monitoring.restartsPerHour": "A container restarting more often than this in an hour alerts (so do failed task Jobs, with tasks).",
    "monitoring.atMaxMinutes": "The worker pool (or the tasks' quota) at its maximum this long alerts: the queue outgrows the fleet.",
    "monitoring.backupMaxAgeHours": "No successful backup for this long alerts (with `backup.enabled`).",
    "monitoring.volumeFullPercent": "A data volume fuller than this alerts.",
    "monitoring.queueGrowingMinutes": "A browser pool's queue that has grown for this long alerts: the fleet does not keep up (with `exporters.enabled`).",
    "monitoring.redisMemoryPercent": "Redis using more than this share of its `maxmemory` alerts: at 100 it refuses new jobs (with `exporters.enabled`).",
    "monitoring.postgresConnectionsPercent": "Postgres holding more than this share of its `max_connections` alerts (with `exporters.enabled`).",
};

/** What the rules are about: the stack's namespaces and objects. */
export interface WatchedStack {
    namespace: string;
    /** Every browser pool, the default one (`key` null) first: its Deployment and its HPA (KEDA's is `keda-hpa-<name>`; null without one). */
    pools: { key: string | null; role: string; hpa: string | null; queue: string }[];
    backup: boolean;
    tasksNamespace: string | null;
    /** The exporters the stack runs (`exporters.enabled`; Redis's only where Redis runs), as their Services (the scrape's `job`). */
    exporters: { redis: string | null; postgres: string | null };
}

/** The thresholds the rules read. */
export type Thresholds = Pick<
    MonitoringConfig,
    "restartsPerHour" | "atMaxMinutes" | "backupMaxAgeHours" | "volumeFullPercent" | "queueGrowingMinutes" | "redisMemoryPercent" | "postgresConnectionsPercent"
>;

interface Rule {
    alert: string;
    expr: string;
    for?: string;
    /** A named pool's alerts carry its name (`pool`): routable, and not the default pool's rule twice. */
    labels: { severity: "warning" | "critical"; pool?: string };
    annotations: { summary: string; description: string };
}

const rule = (alert: string, severity: Rule["labels"]["severity"], expr: string, forMinutes: number, summary: string, description: string): Rule => ({
    alert,
    expr,
    ...(forMinutes ? { for: `${forMinutes}m` } : {}),
    labels: { severity },
    annotations: { summary, description },
});

/** A named pool's rule carries its name: one alert name, one rule per pool (routable by `pool`). */
const ofPool = (key: string | null, r: Rule): Rule => (key === null ? r : { ...r, labels: { ...r.labels, pool: key } });

/** The series a ServiceMonitor's scrape of an exporter carries: its namespace, and its Service as the job. */
const scraped = (namespace: string, job: string) => `namespace="${namespace}",job="${job}"`;

/** The alert rules of a stack, as a PrometheusRule's `spec.groups`. */
export function alertGroups(s: WatchedStack, m: Thresholds) {
    const ns = `namespace="${s.namespace}"`;
    const rules: Rule[] = [
        rule(
            "QuorvexContainerOOMKilled",
            "warning",
            `(kube_pod_container_status_last_terminated_reason{${ns},reason="OOMKilled"} == 1) and on (namespace, pod, container) (increase(kube_pod_container_status_restarts_total{${ns}}[15m]) > 0)`,
            0,
            "A Quorvex container was killed for memory",
            "{{ $labels.pod }}/{{ $labels.container }} ran out of memory and restarted: raise its memory limit (or, for a browser, its shm headroom).",
        ),
        rule(
            "QuorvexContainerRestarting",
            "warning",
            `increase(kube_pod_container_status_restarts_total{${ns}}[1h]) > ${m.restartsPerHour}`,
            0,
            "A Quorvex container keeps restarting",
            `{{ $labels.pod }}/{{ $labels.container }} restarted more than ${m.restartsPerHour} times in an hour.`,
        ),
        rule(
            "QuorvexBackendUnavailable",
            "critical",
            `kube_deployment_status_replicas_available{${ns},deployment="backend"} < kube_deployment_spec_replicas{${ns},deployment="backend"}`,
            10,
            "The Quorvex API is missing replicas",
            "Fewer backend replicas are available than desired for 10 minutes.",
        ),
        rule(
            "QuorvexSetupJobFailed",
            "critical",
            `kube_job_status_failed{${ns},job_name=~"(backend-migrate|postgres-roles|minio-buckets)-.*"} > 0`,
            0,
            "A Quorvex migration or setup Job failed",
            "{{ $labels.job_name }} failed: the next `pulumi up` replaces it; read its logs first.",
        ),
        rule(
            "QuorvexVolumeFilling",
            "warning",
            `100 * kubelet_volume_stats_used_bytes{${ns}} / kubelet_volume_stats_capacity_bytes{${ns}} > ${m.volumeFullPercent}`,
            10,
            "A Quorvex data volume is filling up",
            `{{ $labels.persistentvolumeclaim }} is more than ${m.volumeFullPercent}% full: grow its storageSize (claims grow in place).`,
        ),
    ];
    // A pool at its maximum (its HPA's, KEDA's included): the default pool, then each named one.
    const atMax = (key: string | null, role: string, hpa: string): Rule =>
        ofPool(
            key,
            rule(
                "QuorvexWorkersAtMax",
                "warning",
                `kube_horizontalpodautoscaler_status_current_replicas{${ns},horizontalpodautoscaler="${hpa}"} >= kube_horizontalpodautoscaler_spec_max_replicas{${ns},horizontalpodautoscaler="${hpa}"}`,
                m.atMaxMinutes,
                key === null ? "The browser fleet is at its maximum" : `The browser pool ${key} is at its maximum`,
                key === null
                    ? `The worker pool has run at workers.max for ${m.atMaxMinutes} minutes: jobs queue up. Raise workers.max if the nodes allow it.`
                    : `The worker pool ${role} has run at workers.pools.${key}.max for ${m.atMaxMinutes} minutes: its jobs queue up. Raise it if the nodes allow it.`,
            ),
        );
    for (const p of s.pools) if (p.hpa) rules.push(atMax(p.key, p.role, p.hpa));
    rules.push(...exporterRules(s, m));
    if (s.backup)
        rules.push(
            rule(
                "QuorvexBackupFailed",
                "critical",
                `kube_job_status_failed{${ns},job_name=~"postgres-backup-.*"} > 0`,
                0,
                "A Quorvex database backup failed",
                "{{ $labels.job_name }} failed: read its logs (docs/operations.md, Back up and restore).",
            ),
            rule(
                "QuorvexBackupOverdue",
                "critical",
                `time() - max(kube_cronjob_status_last_successful_time{${ns},cronjob="postgres-backup"}) > ${m.backupMaxAgeHours * 3600}`,
                0,
                "No recent Quorvex database backup",
                `The last successful backup is more than ${m.backupMaxAgeHours} hours old.`,
            ),
        );
    if (s.tasksNamespace) {
        const tasks = `namespace="${s.tasksNamespace}"`;
        rules.push(
            rule(
                "QuorvexTasksFailing",
                "warning",
                `sum(increase(kube_job_status_failed{${tasks}}[1h])) > ${m.restartsPerHour}`,
                0,
                "Quorvex browser tasks are failing",
                `More than ${m.restartsPerHour} task Jobs failed in the last hour.`,
            ),
            rule(
                "QuorvexTasksAtQuota",
                "warning",
                `kube_resourcequota{${tasks},type="used",resource="pods"} >= on (namespace, resourcequota) kube_resourcequota{${tasks},type="hard",resource="pods"}`,
                m.atMaxMinutes,
                "Quorvex browser tasks are at their quota",
                `The tasks namespace has run as many pods as its quota allows for ${m.atMaxMinutes} minutes: tasks wait.`,
            ),
        );
    }
    return [{ name: "quorvex", rules }];
}

/** A Grafana dashboard of the stack: the fleet, memory against limits, restarts, volumes, backups. */
export function dashboard(s: WatchedStack): object {
    const ns = `namespace="${s.namespace}"`;
    const panel = (id: number, title: string, exprs: [string, string][], unit: string, x: number, y: number) => ({
        id,
        title,
        type: "timeseries",
        datasource: { type: "prometheus", uid: "${datasource}" },
        gridPos: { h: 8, w: 12, x, y },
        fieldConfig: { defaults: { unit }, overrides: [] },
        targets: exprs.map(([expr, legendFormat], i) => ({ refId: String.fromCharCode(65 + i), expr, legendFormat })),
    });
    // A pool's replicas against its maximum (its HPA's), or its available replicas without one; a named pool's legends carry its name.
    const fleet = (key: string | null, role: string, hpa: string | null): [string, string][] => {
        const legend = (what: string) => (key === null ? what : `${key} ${what}`);
        return hpa
            ? [
                  [`kube_horizontalpodautoscaler_status_current_replicas{${ns},horizontalpodautoscaler="${hpa}"}`, legend("running")],
                  [`kube_horizontalpodautoscaler_spec_max_replicas{${ns},horizontalpodautoscaler="${hpa}"}`, legend("max")],
              ]
            : [[`kube_deployment_status_replicas_available{${ns},deployment="${role}"}`, legend("running")]];
    };
    const panels = [
        panel(
            1,
            "Browser workers",
            s.pools.flatMap((p) => fleet(p.key, p.role, p.hpa)),
            "short",
            0,
            0,
        ),
        panel(
            2,
            "Memory against the limit",
            [
                [
                    `max by (pod, container) (container_memory_working_set_bytes{${ns},container!=""}) / on (pod, container) max by (pod, container) (kube_pod_container_resource_limits{${ns},resource="memory"})`,
                    "{{pod}}/{{container}}",
                ],
            ],
            "percentunit",
            12,
            0,
        ),
        panel(3, "Restarts (1h)", [[`increase(kube_pod_container_status_restarts_total{${ns}}[1h])`, "{{pod}}/{{container}}"]], "short", 0, 8),
        panel(
            4,
            "Data volumes used",
            [[`kubelet_volume_stats_used_bytes{${ns}} / kubelet_volume_stats_capacity_bytes{${ns}}`, "{{persistentvolumeclaim}}"]],
            "percentunit",
            12,
            8,
        ),
    ];
    if (s.backup)
        panels.push(
            panel(5, "Age of the last backup", [[`time() - kube_cronjob_status_last_successful_time{${ns},cronjob="postgres-backup"}`, "age"]], "s", 0, 16),
        );
    if (s.tasksNamespace)
        panels.push(
            panel(6, "Browser tasks running", [[`kube_resourcequota{namespace="${s.tasksNamespace}",type="used",resource="pods"}`, "pods"]], "short", 12, 16),
        );
    const { redis, postgres } = s.exporters;
    const job = (name: string) => scraped(s.namespace, name);
    if (redis)
        panels.push(
            panel(
                7,
                "Queued jobs",
                s.pools.map((p): [string, string] => [`redis_key_size{${job(redis)},key="${p.queue}"}`, p.key ?? "workers"]),
                "short",
                0,
                24,
            ),
            panel(
                8,
                "Redis memory against maxmemory",
                [[`redis_memory_used_bytes{${job(redis)}} / redis_memory_max_bytes{${job(redis)}}`, "used"]],
                "percentunit",
                12,
                24,
            ),
        );
    if (postgres)
        panels.push(
            panel(
                9,
                "Postgres connections",
                [
                    [`sum by (state) (pg_stat_activity_count{${job(postgres)}})`, "{{state}}"],
                    [`max(pg_settings_max_connections{${job(postgres)}})`, "max"],
                ],
                "short",
                0,
                32,
            ),
        );
    return {
        title: `Quorvex (${s.namespace})`,
        uid: `quorvex-${s.namespace}`.slice(0, 40),
        schemaVersion: 39,
        tags: ["quorvex"],
        time: { from: "now-6h", to: "now" },
        templating: { list: [{ name: "datasource", type: "datasource", query: "prometheus" }] },
        panels,
    };
}

/** What the exporters show: each pool's queue growing, Redis near `maxmemory`, Postgres down or near its connection limit, an exporter down. */
function exporterRules(s: WatchedStack, m: Thresholds): Rule[] {
    const { redis, postgres } = s.exporters;
    const scrape = (job: string) => scraped(s.namespace, job);
    const rules: Rule[] = [];
    const jobs = [redis, postgres].filter((j): j is string => j !== null);
    if (jobs.length)
        rules.push(
            rule(
                "QuorvexExporterDown",
                "warning",
                `up{namespace="${s.namespace}",job=~"${jobs.join("|")}"} == 0`,
                5,
                "A Quorvex metrics exporter is down",
                "{{ $labels.job }} has not been scraped for 5 minutes: the alerts on what it measures are blind.",
            ),
        );
    if (redis) {
        const r = scrape(redis);
        for (const p of s.pools) {
            const list = `${r},key="${p.queue}"`;
            rules.push(
                ofPool(
                    p.key,
                    rule(
                        "QuorvexQueueGrowing",
                        "warning",
                        `deriv(redis_key_size{${list}}[5m]) > 0 and redis_key_size{${list}} > 0`,
                        m.queueGrowingMinutes,
                        p.key === null ? "The browser job queue keeps growing" : `The queue of browser pool ${p.key} keeps growing`,
                        `The list ${p.queue} has grown for ${m.queueGrowingMinutes} minutes: the ${p.role} pool does not keep up. Look for workers failing, at their maximum, or not taking jobs.`,
                    ),
                ),
            );
        }
        rules.push(
            rule(
                "QuorvexRedisDown",
                "critical",
                `redis_up{${r}} == 0`,
                5,
                "Quorvex's Redis is down",
                "The exporter cannot reach Redis: no job is queued or taken.",
            ),
            rule(
                "QuorvexRedisMemoryHigh",
                "warning",
                `100 * redis_memory_used_bytes{${r}} / (redis_memory_max_bytes{${r}} > 0) > ${m.redisMemoryPercent}`,
                5,
                "Quorvex's Redis is near its maxmemory",
                `Redis uses more than ${m.redisMemoryPercent}% of its maxmemory: at 100% it refuses new jobs. Raise redis.resources.memory.limit or drain the queues.`,
            ),
        );
    }
    if (postgres) {
        const p = scrape(postgres);
        rules.push(
            rule("QuorvexPostgresDown", "critical", `pg_up{${p}} == 0`, 5, "Quorvex's Postgres is down", "The exporter cannot reach Postgres: the API fails."),
            rule(
                "QuorvexPostgresConnectionsHigh",
                "warning",
                `100 * sum by (namespace) (pg_stat_activity_count{${p}}) / max by (namespace) (pg_settings_max_connections{${p}}) > ${m.postgresConnectionsPercent}`,
                10,
                "Quorvex's Postgres is near its connection limit",
                `Postgres holds more than ${m.postgresConnectionsPercent}% of its max_connections: new connections will soon be refused.`,
            ),
        );
    }
    return rules;
}
