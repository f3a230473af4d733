/**
 * The pack's rules at run time: a ValidatingAdmissionPolicy that the API server
 * applies to every Job and Pod created in a namespace (the platform's tasks
 * namespace), so a pod the backend's task controller creates long after
 * `pulumi up` is held to what the pack holds the deployed workloads to. The
 * thresholds are the pack's own (its policies' settings, from the same
 * policy-pack config), and each refusal names the policy and says what the pack
 * says: one source for deploy time and run time.
 *
 * Every pod there runs browsers (a browser task), so the browser rules apply to
 * all of its containers: a memory limit (containers-have-memory-limits), a
 * /dev/shm Memory emptyDir of at least the minimum (browser-workers-have-shm),
 * headroom above it (shm-within-memory-limit), and the hardening of the
 * `restricted` standard (kubernetes-containers-hardened).
 */
import { type PackConfig, settingsFor } from "./evaluate";
import { browserWorkersHaveShm } from "./rules/browser-workers-have-shm";
import { shmWithinMemoryLimit } from "./rules/shm-within-memory-limit";

export interface AdmissionThresholds {
    minShmMiB: number;
    minHeadroomMiB: number;
}

/** The thresholds the pack applies with this config (its defaults where the config says nothing). */
export function admissionThresholds(config: PackConfig = {}): AdmissionThresholds {
    return {
        minShmMiB: Number(settingsFor(browserWorkersHaveShm, config).values.minShmMiB),
        minHeadroomMiB: Number(settingsFor(shmWithinMemoryLimit, config).values.minHeadroomMiB),
    };
}

/** CEL: the pod spec of the object under review (a Pod, or a Job's template). */
const SPEC = "object.kind == 'Pod' ? object.spec : object.spec.template.spec";
const HAS_LIMIT = "has(c.resources) && has(c.resources.limits) && 'memory' in c.resources.limits";
/** The /dev/shm volume of the pod: a Memory emptyDir that every container mounts there. */
const SHM_VOLUMES =
    "has(variables.spec.volumes) ? variables.spec.volumes.filter(v, has(v.emptyDir) && has(v.emptyDir.medium) && v.emptyDir.medium == 'Memory' && variables.containers.all(c, has(c.volumeMounts) && c.volumeMounts.exists(m, m.name == v.name && m.mountPath == '/dev/shm'))) : []";

/** Names of the containers for which `bad` holds, for a message. */
const names = (bad: string) => `variables.containers.filter(c, ${bad}).map(c, c.name).join(', ')`;

export interface AdmissionObjects {
    policy: Record<string, unknown>;
    binding: Record<string, unknown>;
}

/**
 * The policy and its binding, for the namespace named `namespace` (matched by its
 * `kubernetes.io/metadata.name` label, which the API server sets and nobody can change).
 */
export function taskAdmission(name: string, namespace: string, t: AdmissionThresholds): AdmissionObjects {
    const minShm = `quantity('${t.minShmMiB}Mi')`;
    const headroom = `quantity('${t.minHeadroomMiB}Mi')`;
    const shmOf = "quantity(variables.shm[0].emptyDir.sizeLimit)";
    const policy = {
        apiVersion: "admissionregistration.k8s.io/v1",
        kind: "ValidatingAdmissionPolicy",
        metadata: { name },
        spec: {
            failurePolicy: "Fail",
            matchConstraints: {
                resourceRules: [
                    { apiGroups: ["batch"], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["jobs"] },
                    { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["pods"] },
                ],
            },
            variables: [
                { name: "spec", expression: SPEC },
                {
                    name: "containers",
                    expression: "variables.spec.containers + (has(variables.spec.initContainers) ? variables.spec.initContainers : [])",
                },
                { name: "shm", expression: SHM_VOLUMES },
            ],
            validations: [
                {
                    expression: `variables.containers.all(c, ${HAS_LIMIT})`,
                    messageExpression: `'containers-have-memory-limits: container ' + ${names(`!(${HAS_LIMIT})`)} + ': no memory limit (\`resources.limits.memory\`); set one so it cannot starve its neighbours'`,
                    reason: "Forbidden",
                },
                {
                    expression: `size(variables.shm) > 0 && has(variables.shm[0].emptyDir.sizeLimit) && ${shmOf}.compareTo(${minShm}) >= 0`,
                    messageExpression: `size(variables.shm) == 0 ? 'browser-workers-have-shm: the pod runs browsers but has no /dev/shm of its own (an emptyDir with medium: Memory mounted at /dev/shm in every container); need at least ${t.minShmMiB}Mi' : !has(variables.shm[0].emptyDir.sizeLimit) ? 'browser-workers-have-shm: the /dev/shm emptyDir has no sizeLimit; set one of at least ${t.minShmMiB}Mi' : 'browser-workers-have-shm: /dev/shm is ' + string(variables.shm[0].emptyDir.sizeLimit) + '; need at least ${t.minShmMiB}Mi'`,
                    reason: "Forbidden",
                },
                {
                    expression: `size(variables.shm) == 0 || !has(variables.shm[0].emptyDir.sizeLimit) || variables.containers.all(c, !(${HAS_LIMIT}) || quantity(c.resources.limits.memory).sub(${shmOf}).compareTo(${headroom}) >= 0)`,
                    messageExpression: `'shm-within-memory-limit: container ' + ${names(`${HAS_LIMIT} && quantity(c.resources.limits.memory).sub(${shmOf}).compareTo(${headroom}) < 0`)} + ': its memory limit leaves less than ${t.minHeadroomMiB}Mi above a ' + string(variables.shm[0].emptyDir.sizeLimit) + ' /dev/shm'`,
                    reason: "Forbidden",
                },
                {
                    expression:
                        "variables.containers.all(c, ((has(c.securityContext) && has(c.securityContext.runAsNonRoot)) ? c.securityContext.runAsNonRoot : (has(variables.spec.securityContext) && has(variables.spec.securityContext.runAsNonRoot) && variables.spec.securityContext.runAsNonRoot)) && has(c.securityContext) && has(c.securityContext.allowPrivilegeEscalation) && !c.securityContext.allowPrivilegeEscalation && has(c.securityContext.capabilities) && has(c.securityContext.capabilities.drop) && 'ALL' in c.securityContext.capabilities.drop)",
                    messageExpression:
                        "'kubernetes-containers-hardened: container ' + variables.containers.filter(c, !(((has(c.securityContext) && has(c.securityContext.runAsNonRoot)) ? c.securityContext.runAsNonRoot : (has(variables.spec.securityContext) && has(variables.spec.securityContext.runAsNonRoot) && variables.spec.securityContext.runAsNonRoot)) && has(c.securityContext) && has(c.securityContext.allowPrivilegeEscalation) && !c.securityContext.allowPrivilegeEscalation && has(c.securityContext.capabilities) && has(c.securityContext.capabilities.drop) && 'ALL' in c.securityContext.capabilities.drop)).map(c, c.name).join(', ') + ': must run as non-root, not escalate privileges and drop every capability (`securityContext`)'",
                    reason: "Forbidden",
                },
            ],
        },
    };
    const binding = {
        apiVersion: "admissionregistration.k8s.io/v1",
        kind: "ValidatingAdmissionPolicyBinding",
        metadata: { name },
        spec: {
            policyName: name,
            validationActions: ["Deny"],
            matchResources: { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } } },
        },
    };
    return { policy, binding };
}
