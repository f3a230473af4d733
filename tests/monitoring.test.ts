/**
 * Watching the stack (`kubernetes.monitoring`): the PrometheusRule and the dashboard the plan
 * holds, the alerts that follow the stack's parts, and the CRD read as a prerequisite.
 */
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../config/load";
import { evaluate } from "../policies/evaluate";
import { alertGroups, dashboard, MONITORING_DEFAULTS as THRESHOLDS } from "../targets/kubernetes/monitoring";
import { all, inputs, merge, PROD, stack, type Json } from "./helpers";

const RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
const WATCHED = merge(PROD, { kubernetes: { monitoring: { enabled: true } } });
const names = (groups: ReturnType<typeof alertGroups>) => groups[0].rules.map((r) => r.alert);

describe("monitoring", () => {
    it("is off unless asked for: no rule, no dashboard, no CRD read", async () => {
        const run = await stack("prod", PROD);
        expect(all(run, RULE)).toEqual([]);
        expect(run.lookups.some((l) => l.includes("prometheusrules"))).toBe(false);
    });

    it("deploys the stack's alerts with the labels the operator selects, and a dashboard Grafana's sidecar picks up", async () => {
        const run = await stack("prod", WATCHED);
        const [rule] = all(run, RULE).map(inputs);
        expect(rule.metadata).toMatchObject({ name: "quorvex", namespace: "playwright-agent", labels: { release: "kube-prometheus-stack" } });
        expect(rule.spec.groups[0].rules.map((r: Json) => r.alert)).toEqual([
            "QuorvexContainerOOMKilled",
            "QuorvexContainerRestarting",
            "QuorvexBackendUnavailable",
            "QuorvexSetupJobFailed",
            "QuorvexVolumeFilling",
            "QuorvexWorkersAtMax",
            "QuorvexBackupFailed",
            "QuorvexBackupOverdue",
        ]);
        const board = all(run, "kubernetes:core/v1:ConfigMap")
            .map(inputs)
            .find((c) => c.metadata.name === "quorvex-dashboard")!;
        expect(board.metadata.labels.grafana_dashboard).toBe("1");
        const json = JSON.parse(board.data["quorvex.json"]);
        expect(json.panels.map((p: Json) => p.title)).toEqual([
            "Browser workers",
            "Memory against the limit",
            "Restarts (1h)",
            "Data volumes used",
            "Age of the last backup",
        ]);
        expect(run.lookups).toContain("kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition::prometheusrules.monitoring.coreos.com");
        expect(await evaluate(run.resources)).toEqual([]);
    });

    it("follows the stack's parts: KEDA's HPA, no backup, the tasks namespace", () => {
        const pool = (hpa: string | null) => [{ key: null, role: "workers", hpa, queue: "browser-jobs" }];
        const base = { namespace: "qa", pools: pool("workers"), backup: true, tasksNamespace: null, exporters: { redis: null, postgres: null } };
        const keda = alertGroups({ ...base, pools: pool("keda-hpa-workers") }, THRESHOLDS)[0].rules.find((r) => r.alert === "QuorvexWorkersAtMax")!;
        expect(keda.expr).toContain('horizontalpodautoscaler="keda-hpa-workers"');
        expect(keda.for).toBe("15m");
        expect(names(alertGroups({ ...base, pools: pool(null), backup: false }, THRESHOLDS))).not.toEqual(expect.arrayContaining(["QuorvexWorkersAtMax"]));
        expect(names(alertGroups({ ...base, backup: false }, THRESHOLDS)).filter((n) => n.startsWith("QuorvexBackup"))).toEqual([]);
        expect(names(alertGroups({ ...base, tasksNamespace: "qa-tasks" }, THRESHOLDS))).toEqual(
            expect.arrayContaining(["QuorvexTasksFailing", "QuorvexTasksAtQuota"]),
        );
        // Without exporters, no rule reads what only they export.
        expect(names(alertGroups(base, THRESHOLDS)).filter((n) => /Queue|Redis|Postgres|Exporter/.test(n))).toEqual([]);
        // Every query is scoped to the stack's own namespaces.
        const everything = { ...base, tasksNamespace: "qa-tasks", exporters: { redis: "redis-exporter", postgres: "postgres-exporter" } };
        for (const r of alertGroups(everything, THRESHOLDS)[0].rules)
            for (const selector of r.expr.match(/\{[^}]*\}/g) ?? []) expect(selector, r.alert).toMatch(/namespace="qa(-tasks)?"/);
        expect(JSON.stringify(dashboard({ ...base, tasksNamespace: "qa-tasks" }))).toContain('namespace=\\"qa-tasks\\"');
    });

    it("takes its thresholds from config and refuses one out of range", async () => {
        const run = await stack("prod", merge(WATCHED, { kubernetes: { monitoring: { volumeFullPercent: 90, backupMaxAgeHours: 50 } } }));
        const rules = all(run, RULE).map(inputs)[0].spec.groups[0].rules as Json[];
        expect(rules.find((r) => r.alert === "QuorvexVolumeFilling")!.expr).toMatch(/> 90$/);
        expect(rules.find((r) => r.alert === "QuorvexBackupOverdue")!.expr).toMatch(/> 180000$/);
        expect(() => resolveConfig(merge(WATCHED, { kubernetes: { monitoring: { volumeFullPercent: 100 } } }))).toThrow(
            /quorvex:kubernetes\.monitoring\.volumeFullPercent = 100: must be an integer from 50 to 99/,
        );
    });
});
