/**
 * Watching the stack (`quorvex:kubernetes.monitoring`): a PrometheusRule for the
 * prometheus-operator, its alerts read from what kube-state-metrics and the kubelet already
 * export (no exporter of ours), and a Grafana dashboard as a ConfigMap its sidecar discovers.
 * The rules are a pure function of the settings, so promtool can check and test exactly what
 * the stack deploys.
 */
import { z } from "zod";
import { bool, int, podLabels } from "../../config/fields";

export const monitoringSection = z.strictObject({
    enabled: bool,
    ruleLabels: podLabels,
    dashboardLabels: podLabels,
    restartsPerHour: int(1, 1000),
    atMaxMinutes: int(1, 1440),
    backupMaxAgeHours: int(1, 720),
    volumeFullPercent: int(50, 99),
});
export type MonitoringConfig = z.output<typeof monitoringSection>;

export const MONITORING_DEFAULTS = {
    enabled: false,
    // kube-prometheus-stack's operator selects rules of its release; set yours.
    ruleLabels: ["release=kube-prometheus-stack"],
    // Grafana's dashboard sidecar (kube-prometheus-stack's default label).
    dashboardLabels: ["grafana_dashboard=1"],
    restartsPerHour: 3,
    atMaxMinutes: 15,
    // The backup runs daily: a day and two hours without a success is overdue.
    backupMaxAgeHours: 26,
    volumeFullPercent: 85,
};

export const MONITORING_DOCS: Record<string, string> = {
    "monitoring.enabled":
        "A PrometheusRule of the stack's alerts and a Grafana dashboard ConfigMap (needs the prometheus-operator's CRDs, read at preview and up, kube-state-metrics, and the kubelet's metrics).",
    "monitoring.ruleLabels": "Labels of the PrometheusRule, `key=value` items: the ones your Prometheus's `ruleSelector` picks.",
    "monitoring.dashboardLabels": "Labels of the dashboard ConfigMap, `key=value` items: the ones Grafana's dashboard sidecar watches.",
    "monitoring.restartsPerHour": "A container restarting more often than this in an hour alerts (so do failed task Jobs, with tasks).",
    "monitoring.atMaxMinutes": "The worker pool (or the tasks' quota) at its maximum this long alerts: the queue outgrows the fleet.",
    "monitoring.backupMaxAgeHours": "No successful backup for this long alerts (with `backup.enabled`).",
    "monitoring.volumeFullPercent": "A data volume fuller than this alerts.",
};

/** What the rules are about: the stack's namespaces and objects. */
export interface WatchedStack {
    namespace: string;
    /** Every browser pool, the default one (`key` null) first: its Deployment and its HPA (KEDA's is `keda-hpa-<name>`; null without one). */
    pools: { key: string | null; role: string; hpa: string | null }[];
    backup: boolean;
    tasksNamespace: string | null;
}

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

/** The alert rules of a stack, as a PrometheusRule's `spec.groups`. */
export function alertGroups(s: WatchedStack, m: Pick<MonitoringConfig, "restartsPerHour" | "atMaxMinutes" | "backupMaxAgeHours" | "volumeFullPercent">) {
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
    const atMax = (key: string | null, role: string, hpa: string): Rule => {
        const r = rule(
            "QuorvexWorkersAtMax",
            "warning",
            `kube_horizontalpodautoscaler_status_current_replicas{${ns},horizontalpodautoscaler="${hpa}"} >= kube_horizontalpodautoscaler_spec_max_replicas{${ns},horizontalpodautoscaler="${hpa}"}`,
            m.atMaxMinutes,
            key === null ? "The browser fleet is at its maximum" : `The browser pool ${key} is at its maximum`,
            key === null
                ? `The worker pool has run at workers.max for ${m.atMaxMinutes} minutes: jobs queue up. Raise workers.max if the nodes allow it.`
                : `The worker pool ${role} has run at workers.pools.${key}.max for ${m.atMaxMinutes} minutes: its jobs queue up. Raise it if the nodes allow it.`,
        );
        return key === null ? r : { ...r, labels: { ...r.labels, pool: key } };
    };
    for (const p of s.pools) if (p.hpa) rules.push(atMax(p.key, p.role, p.hpa));
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
