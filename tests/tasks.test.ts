/**
 * Ephemeral browser tasks (`tasks.enabled`): the namespace and everything in it,
 * as the plan holds them; the admission policy from the pack's own thresholds;
 * the config refused where it cannot work.
 */
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../config/load";
import { planStack } from "../tools/planner";
import { validateObject } from "./k8s-schema";
import { admissionThresholds, taskAdmission } from "../policies/admission";
import { settingsFor } from "../policies/evaluate";
import { browserWorkersHaveShm } from "../policies/rules/browser-workers-have-shm";
import { all, DEV, inputs, merge, PROD, stack, type Json } from "./helpers";

const TASKS = merge(PROD, { tasks: { enabled: true } });
const KEDA_JOB = merge(TASKS, { workers: { autoscaler: "keda-job", min: 0, replicas: 0 } });
const KEDA_JOB_SETS = ["tasks.enabled=true", "workers.autoscaler=keda-job", "workers.min=0", "workers.replicas=0"];
const kind = (run: Awaited<ReturnType<typeof stack>>, k: string) => all(run, `kubernetes:${k}`).map((r) => inputs(r));

describe("the tasks namespace", () => {
    it("is not there unless asked for", async () => {
        const run = await stack("prod", PROD);
        expect(run.resources.filter((r) => r.type === "quorvex:platform:BrowserTasks")).toEqual([]);
        expect(run.outputs.tasksNamespace.value).toBeNull();
        expect(run.outputs.taskTemplate.value).toBeNull();
    });

    it("enforces the restricted standard, bounds every task together and gives a bare container the template's figures and its scratch disk", async () => {
        const run = await stack("prod", TASKS);
        const ns = kind(run, "core/v1:Namespace").find((n) => n.metadata.name === "playwright-tasks")!;
        expect(ns.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
        const [quota] = kind(run, "core/v1:ResourceQuota");
        expect(quota.metadata.namespace).toBe("playwright-tasks");
        expect(quota.spec.hard).toEqual({
            pods: "20",
            "requests.cpu": "40",
            "limits.cpu": "40",
            "requests.memory": "60Gi",
            "limits.memory": "60Gi",
            "requests.ephemeral-storage": "100Gi",
            "limits.ephemeral-storage": "100Gi",
        });
        const [limits] = kind(run, "core/v1:LimitRange");
        // Scratch disk too: a pod that names none counts as none against the quota (the real API server admits it), so the LimitRange gives one.
        expect(limits.spec.limits).toEqual([
            {
                type: "Container",
                default: { cpu: "2", memory: "3Gi", "ephemeral-storage": "5Gi" },
                defaultRequest: { cpu: "1", memory: "1Gi", "ephemeral-storage": "5Gi" },
            },
        ]);
        expect(run.outputs.tasksNamespace.value).toBe("playwright-tasks");
        expect(run.outputs.taskTemplate.value).toBe("task-template");
    });

    it("lets the backend's identity manage Jobs and read their pods and logs there, and nothing else anywhere", async () => {
        const run = await stack("prod", TASKS);
        const role = kind(run, "rbac.authorization.k8s.io/v1:Role").find((r) => r.metadata.namespace === "playwright-tasks")!;
        expect(role.rules).toEqual([
            { apiGroups: ["batch"], resources: ["jobs"], verbs: ["create", "get", "list", "watch", "delete"] },
            { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
            { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
            { apiGroups: [""], resources: ["configmaps"], resourceNames: ["task-template"], verbs: ["get"] },
        ]);
        const [binding] = kind(run, "rbac.authorization.k8s.io/v1:RoleBinding");
        expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "backend", namespace: "playwright-agent" }]);
        expect(kind(run, "rbac.authorization.k8s.io/v1:ClusterRole")).toEqual([]);
        expect(kind(run, "rbac.authorization.k8s.io/v1:ClusterRoleBinding")).toEqual([]);
        // Its token is mounted (it talks to the API), and it may reach the API server; no other workload's is.
        const backend = kind(run, "core/v1:ServiceAccount").find((s) => s.metadata.name === "backend")!;
        expect(backend.automountServiceAccountToken).toBe(true);
        for (const sa of kind(run, "core/v1:ServiceAccount").filter((s) => s.metadata.name !== "backend"))
            expect(sa.automountServiceAccountToken, sa.metadata.name).toBe(false);
        const egress = kind(run, "networking.k8s.io/v1:NetworkPolicy").find((p) => p.metadata.name === "backend-egress")!;
        expect(egress.spec.egress).toContainEqual({
            to: [{ ipBlock: { cidr: "10.0.0.0/8" } }, { ipBlock: { cidr: "172.16.0.0/12" } }, { ipBlock: { cidr: "192.168.0.0/16" } }],
            ports: [
                { protocol: "TCP", port: 443 },
                { protocol: "TCP", port: 6443 },
            ],
        });
    });

    it("publishes the Job a task must be: a worker with its own users' copies of its credentials, /dev/shm in memory, bounded in time", async () => {
        const run = await stack("prod", TASKS);
        const map = kind(run, "core/v1:ConfigMap").find((c) => c.metadata.name === "task-template")!;
        const job = JSON.parse(map.data["job.json"]) as Json;
        expect(job).toMatchObject({ apiVersion: "batch/v1", kind: "Job", metadata: { generateName: "task-", namespace: "playwright-tasks" } });
        expect(job.spec).toMatchObject({ activeDeadlineSeconds: 3600, ttlSecondsAfterFinished: 600, backoffLimit: 0 });
        const pod = job.spec.template.spec;
        expect(pod).toMatchObject({ serviceAccountName: "task", automountServiceAccountToken: false, restartPolicy: "Never" });
        expect(pod.volumes).toContainEqual({ name: "dshm", emptyDir: { medium: "Memory", sizeLimit: "1Gi" } });
        const [c] = pod.containers;
        expect(c.image).toBe("ghcr.io/quorvex/quorvex-browser-worker:1.0.0");
        expect(c.resources).toEqual({ requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "2", memory: "3Gi" } });
        const secretRefs = new Set((c.env as Json[]).flatMap((e) => (e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef.name] : [])));
        expect([...secretRefs].sort()).toEqual(["minio-tasks-credentials", "redis-tasks-credentials"]);
        // Those Secrets exist in the tasks namespace: the task's own users, never a root or the workers' credential.
        const copies = kind(run, "core/v1:Secret").filter((s) => s.metadata.namespace === "playwright-tasks");
        expect(copies.map((s) => s.metadata.name).sort()).toEqual([...secretRefs].sort());
        expect(job.spec.template.metadata.labels["app.kubernetes.io/component"]).toBe("browser-task");
        // A task takes one job and exits (the worker image's contract, docs/images.md).
        expect(c.env).toContainEqual({ name: "WORKER_MAX_JOBS", value: "1" });
    });

    it("lets a task reach the platform's Redis, MinIO and backend and the sites under test, and them admit it", async () => {
        const run = await stack("prod", TASKS);
        const policies = kind(run, "networking.k8s.io/v1:NetworkPolicy");
        const egress = policies.find((p) => p.metadata.name === "task-egress")!;
        expect(egress.metadata.namespace).toBe("playwright-tasks");
        expect(egress.spec.egress.map((e: Json) => e.ports.map((p: Json) => p.port))).toEqual([[6379], [9000], [8000], [80, 443]]);
        for (const svc of ["redis", "minio", "backend"]) {
            const admit = policies.find((p) => p.metadata.name === `${svc}-from-tasks`)!;
            expect(admit.metadata.namespace, svc).toBe("playwright-agent");
            expect(admit.spec.ingress[0].from).toEqual([
                {
                    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "playwright-tasks" } },
                    podSelector: { matchLabels: { "app.kubernetes.io/component": "browser-task" } },
                },
            ]);
        }
        expect(
            policies
                .filter((p) => p.metadata.namespace === "playwright-tasks")
                .map((p) => p.metadata.name)
                .sort(),
        ).toEqual(["allow-dns", "default-deny", "task-egress"]);
    });

    it("binds an admission policy, made from the pack's own thresholds, to exactly that namespace", async () => {
        const run = await stack("prod", TASKS);
        const [policy] = kind(run, "admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy");
        const [binding] = kind(run, "admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding");
        expect(policy).toEqual(taskAdmission("quorvex-prod-tasks", "playwright-tasks", admissionThresholds()).policy);
        expect(binding.spec).toEqual({
            policyName: "quorvex-prod-tasks",
            validationActions: ["Deny"],
            matchResources: { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "playwright-tasks" } } },
        });
        // One source: the policy's numbers are the pack's, and follow its config.
        expect(admissionThresholds().minShmMiB).toBe(settingsFor(browserWorkersHaveShm).values.minShmMiB);
        expect(admissionThresholds({ "browser-workers-have-shm": { minShmMiB: 2048 } }).minShmMiB).toBe(2048);
        expect(JSON.stringify(taskAdmission("p", "n", { minShmMiB: 2048, minHeadroomMiB: 512 }))).toContain("quantity('2048Mi')");
    });
});

describe("tasks config", () => {
    const problems = (raw: Record<string, unknown>) => {
        try {
            resolveConfig(raw);
            return [];
        } catch (e) {
            return (e as { problems: string[] }).problems;
        }
    };

    it("with `workers.autoscaler: keda-job`, runs the template as one Job per queued job through a KEDA ScaledJob: none while the queue is empty, at most workers.max, running Jobs never killed", async () => {
        const run = await stack("prod", KEDA_JOB);
        const [sj] = kind(run, "keda.sh/v1alpha1:ScaledJob");
        const template = JSON.parse(kind(run, "core/v1:ConfigMap").find((c) => c.metadata.name === "task-template")!.data["job.json"]) as Json;
        expect(sj.metadata).toMatchObject({ name: "browser-tasks", namespace: "playwright-tasks", labels: template.metadata.labels });
        expect(sj.spec).toEqual({
            jobTargetRef: template.spec,
            minReplicaCount: 0,
            maxReplicaCount: 20,
            scalingStrategy: { strategy: "accurate" },
            rollout: { strategy: "gradual" },
            triggers: [
                {
                    type: "redis",
                    metadata: { address: "redis.playwright-agent.svc:6379", listName: "browser-jobs", listLength: "1" },
                    authenticationRef: { name: "browser-tasks-redis-auth" },
                },
            ],
        });
        // KEDA reads the length as the scaler's own user (LLEN on the queue), from a copy of its Secret in the tasks namespace.
        const [auth] = kind(run, "keda.sh/v1alpha1:TriggerAuthentication");
        expect(auth.metadata).toMatchObject({ name: "browser-tasks-redis-auth", namespace: "playwright-tasks" });
        expect(auth.spec.secretTargetRef.map((r: Json) => r.name)).toEqual(["redis-workers-scaler-credentials", "redis-workers-scaler-credentials"]);
        const copies = kind(run, "core/v1:Secret").filter((x) => x.metadata.namespace === "playwright-tasks");
        expect(copies.map((x) => x.metadata.name).sort()).toEqual(["minio-tasks-credentials", "redis-tasks-credentials", "redis-workers-scaler-credentials"]);
        const admit = kind(run, "networking.k8s.io/v1:NetworkPolicy").find((x) => x.metadata.name === "redis-from-keda-tasks")!;
        expect(admit.spec.ingress[0].from).toEqual([
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "keda" } }, podSelector: { matchLabels: { app: "keda-operator" } } },
        ]);
        // The pool keeps its fixed size and no autoscaler of its own; the stack reads KEDA's ScaledJob definition first.
        expect(kind(run, "autoscaling/v2:HorizontalPodAutoscaler")).toEqual([]);
        expect(kind(run, "keda.sh/v1alpha1:ScaledObject")).toEqual([]);
        expect(kind(run, "apps/v1:Deployment").find((d) => d.metadata.name === "workers")!.spec.replicas).toBe(0);
        expect(run.lookups).toContain("kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition::scaledjobs.keda.sh");
        // Every object passes its schema (KEDA's own for the ScaledJob and its TriggerAuthentication).
        for (const r of run.resources.filter((x) => x.type.startsWith("kubernetes:")))
            expect(() => validateObject(inputs(r)), `${r.type} ${r.name}`).not.toThrow();
    });

    it("with keda-job, the plan counts the Jobs from none to workers.max, and the pack judges the ScaledJob's pod like any other", async () => {
        const doc = (await planStack({ stack: "prod", sets: KEDA_JOB_SETS })).document;
        const row = doc.capacity.rows.find((r) => r.service === "browser-tasks")!;
        expect(row).toMatchObject({ kind: "ScaledJob", replicas: { min: 0, max: 20 }, memory: { request: 1024, limit: 3072 }, shm: 1024 });
        expect(doc.policy.violations).toEqual([]);
        const small = (await planStack({ stack: "prod", sets: [...KEDA_JOB_SETS, "tasks.shm=64Mi"] })).document;
        expect(small.policy.violations.map((v) => v.policy)).toContain("browser-workers-have-shm");
        expect(small.policy.violations.find((v) => v.policy === "browser-workers-have-shm")!.message).toMatch(/ScaledJob `browser-tasks`/);
    });

    it("refuses keda-job without tasks, beyond the tasks' quota of pods, or on Docker", () => {
        expect(problems(merge(PROD, { workers: { autoscaler: "keda-job" } }))).toEqual([
            'quorvex:workers.autoscaler = "keda-job": keda-job runs each queued job as a task Job in the tasks namespace, so tasks.enabled must be true',
        ]);
        expect(problems(merge(KEDA_JOB, { workers: { max: 21 } }))).toEqual([
            "quorvex:workers.max = 21: must not exceed tasks.quota.pods (20) with keda-job: the quota would refuse the Jobs beyond it",
        ]);
        expect(problems(merge(KEDA_JOB, { workers: { max: 21 }, tasks: { quota: { pods: 21 } } }))).toEqual([]);
        expect(problems(merge(DEV, { workers: { autoscaler: "keda-job" } }))[0]).toMatch(
            /^quorvex:workers\.autoscaler = "keda-job": must be none on the docker target/,
        );
    });

    it("is refused on a target that gives tasks no namespace (one Docker host)", () => {
        expect(problems(merge(DEV, { tasks: { enabled: true } }))).toEqual([
            "quorvex:tasks.enabled = true: must be false on the docker target (one Docker host), which gives tasks no namespace of their own",
        ]);
    });

    it("refuses the platform's namespace or a system one, a task that leaves no memory above its /dev/shm, and a quota that holds no task", () => {
        expect(problems(merge(TASKS, { tasks: { namespace: "playwright-agent" } }))).toEqual([
            'quorvex:tasks.namespace = "playwright-agent": must differ from kubernetes.namespace: tasks get a namespace of their own',
        ]);
        expect(problems(merge(TASKS, { tasks: { namespace: "kube-tasks" } }))[0]).toMatch(/not `default` or a `kube-\*` system namespace/);
        expect(problems(merge(TASKS, { tasks: { shm: "2560Mi" } }))[0]).toMatch(
            /^quorvex:tasks\.resources\.memory\.limit = "3Gi": must leave at least 1024Mi above tasks\.shm \(2560Mi\)/,
        );
        expect(problems(merge(TASKS, { tasks: { quota: { memory: "2Gi" } } }))[0]).toMatch(
            /^quorvex:tasks\.quota\.memory = "2Gi": must hold at least one task/,
        );
        expect(problems(merge(TASKS, { tasks: { ephemeralStorage: "101Gi" } }))).toEqual([
            'quorvex:tasks.quota.ephemeralStorage = "100Gi": must hold at least one task (tasks.ephemeralStorage 103424Mi)',
        ]);
        expect(problems(merge(TASKS, { tasks: { ephemeralStorage: "100Gi" } }))).toEqual([]);
        expect(problems(TASKS)).toEqual([]);
    });
});
