/**
 * The tasks namespace: where the backend's task controller runs each browser
 * task as a Job, from the template this publishes, and nothing else runs. The
 * namespace enforces the `restricted` standard and denies all traffic but DNS
 * and what a task needs (the platform's Redis, MinIO and backend; the sites
 * under test); a quota bounds all tasks together and a LimitRange gives a
 * container without figures the template's; the task's credentials are copies
 * of its own users' in the namespace; the controller's identity may manage
 * Jobs and read their pods and logs there, and nothing else anywhere; and a
 * ValidatingAdmissionPolicy (the pack's rules and thresholds) refuses any Job or
 * Pod there that breaks them, whoever creates it.
 */
import * as admissionregistrationV1 from "@pulumi/kubernetes/admissionregistration/v1";
import { CustomResource } from "@pulumi/kubernetes/apiextensions/customResource";
import * as coreV1 from "@pulumi/kubernetes/core/v1";
import * as networkingV1 from "@pulumi/kubernetes/networking/v1";
import { Provider } from "@pulumi/kubernetes/provider";
import * as rbacV1 from "@pulumi/kubernetes/rbac/v1";
import * as pulumi from "@pulumi/pulumi";
import { taskAdmission } from "../../policies/admission";
import { formatMilli, formatMiB } from "../../config/quantity";
import { isSecretRef, type SecretHandle, type TasksHandle, type TasksSpec, type WorkloadSpec } from "../contract";
import { markerLabels, standardLabels } from "../labels";
import { KEDA_API_VERSION, redisListTrigger, redisTriggerAuthentication, type RedisQueue } from "./keda";
import { podSpec, type PodOptions } from "./pod";

export interface TasksContext {
    stack: string;
    /** The platform's namespace (where the controller, Redis, MinIO and the backend run). */
    platformNamespace: string;
    provider: Provider;
    parent: pulumi.Resource;
    dnsResolvers: string[];
    /** Ports the browsers may reach outside the cluster. */
    browsingPorts: number[];
    privateRanges: string[];
    /** The name of a Secret that holds a handle's values in a namespace. */
    secretName: (handleName: string) => string;
    /** The platform namespace's pods of a role. */
    selector: (role: string) => Record<string, string>;
    /** Where a workload's pods run. */
    placement: (spec: Pick<WorkloadSpec, "role" | "component">) => PodOptions["placement"];
    /** KEDA's ScaledJob definition, as a prerequisite (none where only manifests are written). */
    scaledJobsDefinition: () => pulumi.Resource[];
    /** Let the KEDA operator reach the queue's service (a NetworkPolicy of that name in the platform's namespace). */
    admitKeda: (queue: RedisQueue, name: string) => void;
    /** The namespace made isolated (restricted, default-deny but DNS). */
    isolated: (name: string) => coreV1.Namespace;
}

/** The Job every task is: the controller sets its name and arguments, and nothing else. */
export const TEMPLATE_CONFIG_MAP = "task-template";
const TASK_ROLE = "task-controller";

export function tasksNamespace(spec: TasksSpec, c: TasksContext): TasksHandle {
    const ns = spec.namespace;
    const namespace = c.isolated(ns);
    const o = (extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions => ({
        parent: c.parent,
        provider: c.provider,
        ...extra,
        dependsOn: [namespace, ...((extra.dependsOn as pulumi.Resource[]) ?? [])],
    });
    const labels = (name: string, component = "tasks") => ({ ...standardLabels(c.stack, { role: name, component }) });
    const meta = (name: string) => ({ name, namespace: ns, labels: labels(name) });
    const { template } = spec;

    // The task's own credentials (its Redis and MinIO users), copied into the namespace: a pod reads a Secret of its own namespace only.
    const handles = new Map<string, SecretHandle>();
    for (const v of Object.values(template.env ?? {})) if (isSecretRef(v)) handles.set(v.secret.name, v.secret);
    // ... and, with KEDA, the scaler's (its TriggerAuthentication reads a Secret of its own namespace too).
    for (const ref of spec.scaling ? [spec.scaling.queue.username, spec.scaling.queue.password] : []) handles.set(ref.secret.name, ref.secret);
    const copies = [...handles.values()].map(
        (h) =>
            new coreV1.Secret(
                `tasks-${c.secretName(h.name)}`,
                {
                    metadata: meta(c.secretName(h.name)),
                    type: "Opaque",
                    stringData: Object.fromEntries(Object.entries(h.values).map(([k, v]) => [k, pulumi.secret(v)])),
                },
                o(),
            ),
    );

    new coreV1.ResourceQuota(
        "tasks-quota",
        {
            metadata: meta("tasks"),
            spec: {
                hard: {
                    pods: String(spec.quota.pods),
                    "requests.cpu": formatMilli(spec.quota.cpu),
                    "limits.cpu": formatMilli(spec.quota.cpu),
                    "requests.memory": formatMiB(spec.quota.memory),
                    "limits.memory": formatMiB(spec.quota.memory),
                    "requests.ephemeral-storage": formatMiB(spec.quota.ephemeralStorage),
                    "limits.ephemeral-storage": formatMiB(spec.quota.ephemeralStorage),
                },
            },
        },
        o(),
    );
    const r = template.resources;
    new coreV1.LimitRange(
        "tasks-limits",
        {
            metadata: meta("tasks"),
            spec: {
                limits: [
                    {
                        // Scratch disk too: a container that names none counts as none against the quota, which would bound nothing.
                        type: "Container",
                        default: { cpu: formatMilli(r.cpu.limit), memory: formatMiB(r.memory.limit), "ephemeral-storage": formatMiB(spec.ephemeralStorageMiB) },
                        defaultRequest: {
                            cpu: formatMilli(r.cpu.request),
                            memory: formatMiB(r.memory.request),
                            "ephemeral-storage": formatMiB(spec.ephemeralStorageMiB),
                        },
                    },
                ],
            },
        },
        o(),
    );

    // What a task reaches: the platform's services it talks to, and the sites under test.
    const platform = { "kubernetes.io/metadata.name": c.platformNamespace };
    const taskPods = { "app.kubernetes.io/component": "browser-task" };
    new networkingV1.NetworkPolicy(
        "tasks-egress",
        {
            metadata: meta("task-egress"),
            spec: {
                podSelector: { matchLabels: taskPods },
                policyTypes: ["Egress"],
                egress: [
                    ...(template.connectsTo ?? []).map((svc) => ({
                        to: [{ namespaceSelector: { matchLabels: platform }, podSelector: { matchLabels: c.selector(svc.role) } }],
                        ports: Object.values(svc.ports).map((port) => ({ protocol: "TCP", port })),
                    })),
                    { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: c.privateRanges } }], ports: c.browsingPorts.map((port) => ({ protocol: "TCP", port })) },
                ],
            },
        },
        o(),
    );
    // ... and the matching ingress on each of those services, in the platform's namespace.
    for (const svc of template.connectsTo ?? []) {
        new networkingV1.NetworkPolicy(
            `${svc.role}-from-tasks`,
            {
                metadata: { name: `${svc.role}-from-tasks`, namespace: c.platformNamespace, labels: labels(`${svc.role}-from-tasks`) },
                spec: {
                    podSelector: { matchLabels: c.selector(svc.role) },
                    policyTypes: ["Ingress"],
                    ingress: [
                        {
                            from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } }, podSelector: { matchLabels: taskPods } }],
                            ports: Object.values(svc.ports).map((port) => ({ protocol: "TCP", port })),
                        },
                    ],
                },
            },
            o(),
        );
    }

    // The task controller: Jobs, and the pods and logs of its tasks, in this namespace; nothing else.
    const role = new rbacV1.Role(
        "tasks-controller",
        {
            metadata: meta(TASK_ROLE),
            rules: [
                { apiGroups: ["batch"], resources: ["jobs"], verbs: ["create", "get", "list", "watch", "delete"] },
                { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
                { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
                { apiGroups: [""], resources: ["configmaps"], resourceNames: [TEMPLATE_CONFIG_MAP], verbs: ["get"] },
            ],
        },
        o(),
    );
    new rbacV1.RoleBinding(
        "tasks-controller",
        {
            metadata: meta(TASK_ROLE),
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
            subjects: [{ kind: "ServiceAccount", name: spec.controller.role, namespace: c.platformNamespace }],
        },
        o(),
    );

    // A task's identity: no token, no rights.
    const account = new coreV1.ServiceAccount("tasks-task", { metadata: meta("task"), automountServiceAccountToken: false }, o());
    const job = {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { generateName: "task-", namespace: ns, labels: { ...labels(template.role, "browser-task") } },
        spec: {
            activeDeadlineSeconds: spec.job.activeDeadlineSeconds,
            ttlSecondsAfterFinished: spec.job.ttlSecondsAfterFinished,
            backoffLimit: spec.job.backoffLimit,
            template: {
                metadata: { labels: { ...labels(template.role, "browser-task"), ...markerLabels(template) } },
                spec: podSpec(template, {
                    serviceAccountName: "task",
                    secretName: c.secretName,
                    restartPolicy: "Never",
                    placement: c.placement({ role: template.role, component: "browser-task" }),
                }),
            },
        },
    };
    new coreV1.ConfigMap(
        "tasks-template",
        {
            metadata: meta(TEMPLATE_CONFIG_MAP),
            data: { "job.json": pulumi.output(job).apply((j) => JSON.stringify(j, null, 2)) },
        },
        o({ dependsOn: [account, ...copies] }),
    );

    if (spec.scaling) scaledJob(spec.scaling, job.spec, { ...c, meta, labels: labels(template.role, "browser-task"), o, dependsOn: [account, ...copies] });

    // The pack's rules, enforced by the API server on every Job and Pod of the namespace.
    const admission = taskAdmission(`quorvex-${c.stack}-tasks`, ns, spec.admission);
    const policy = new admissionregistrationV1.ValidatingAdmissionPolicy(
        "tasks-admission",
        admission.policy as unknown as admissionregistrationV1.ValidatingAdmissionPolicyArgs,
        { parent: c.parent, provider: c.provider },
    );
    new admissionregistrationV1.ValidatingAdmissionPolicyBinding(
        "tasks-admission",
        admission.binding as unknown as admissionregistrationV1.ValidatingAdmissionPolicyBindingArgs,
        { parent: c.parent, provider: c.provider, dependsOn: [policy] },
    );
    return { namespace: ns, template: TEMPLATE_CONFIG_MAP };
}

/** The Job KEDA starts for each queued job, and the most at once. */
export const SCALED_JOB = "browser-tasks";

/**
 * KEDA runs the template as one Job per queued job (each task takes one and exits): none while
 * the queue is empty unless `min`, at most `max`. The `accurate` strategy counts the running
 * Jobs (their jobs have left the list) and the `gradual` rollout lets a change of the ScaledJob
 * leave running Jobs alone (KEDA's default deletes them).
 */
function scaledJob(
    s: NonNullable<TasksSpec["scaling"]>,
    jobSpec: object,
    c: TasksContext & {
        meta: (name: string) => { name: string; namespace: string; labels: Record<string, string> };
        labels: Record<string, string>;
        o: (extra?: pulumi.CustomResourceOptions) => pulumi.CustomResourceOptions;
        dependsOn: pulumi.Resource[];
    },
): void {
    const authName = `${SCALED_JOB}-redis-auth`;
    const auth = redisTriggerAuthentication(`tasks-${authName}`, c.meta(authName), s.queue, c.secretName, c.o({ dependsOn: c.dependsOn }));
    new CustomResource(
        "tasks-scaled-job",
        {
            apiVersion: KEDA_API_VERSION,
            kind: "ScaledJob",
            // KEDA puts the ScaledJob's labels on its Jobs: the same as a task the controller creates.
            metadata: { ...c.meta(SCALED_JOB), labels: c.labels },
            spec: {
                jobTargetRef: jobSpec,
                minReplicaCount: s.min,
                maxReplicaCount: s.max,
                scalingStrategy: { strategy: "accurate" },
                rollout: { strategy: "gradual" },
                triggers: [redisListTrigger(s.queue, authName)],
            },
        },
        c.o({ dependsOn: [auth, ...c.dependsOn, ...c.scaledJobsDefinition()] }),
    );
    c.admitKeda(s.queue, `${s.queue.service.role}-from-keda-tasks`);
}
