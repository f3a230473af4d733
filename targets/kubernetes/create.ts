import type { KubernetesConfig } from "./config";
import { KubernetesTarget } from "./target";

/** The stack's namespace of a cluster: its provider, namespace and network rules, from the stack's config. */
export function create(stack: string, config: KubernetesConfig): KubernetesTarget {
    const target = new KubernetesTarget({
        stack,
        namespace: config.kubernetes.namespace,
        kubeconfig: config.kubernetes.kubeconfig,
        context: config.kubernetes.context,
        renderYamlToDirectory: config.kubernetes.renderYamlToDirectory,
        ingressControllerNamespace: config.kubernetes.ingressControllerNamespace,
        ingressControllerPodLabels: config.kubernetes.ingressControllerPodLabels,
        kedaNamespace: config.kubernetes.kedaNamespace,
        kedaOperatorPodLabels: config.kubernetes.kedaOperatorPodLabels,
        dnsResolvers: config.kubernetes.dnsResolvers,
        browsingPorts: config.kubernetes.workerEgressPorts,
        apiServerCidrs: config.kubernetes.apiServerCidrs,
        way: {
            kind: config.ingress.kind,
            controller: config.ingress.controller,
            className: config.ingress.className,
            annotations: config.ingress.annotations,
            gateway: config.ingress.gateway,
        },
        placement: config.kubernetes.placement,
        protection: config.protection,
        imagePullSecrets: config.registry.pullSecrets,
    });
    const m = config.kubernetes.monitoring;
    if (m.enabled) {
        const hpaOf = (role: string, autoscaler: string | undefined) => (autoscaler === "hpa" ? role : autoscaler === "keda" ? `keda-hpa-${role}` : null);
        const base = config.workers.autoscaler;
        target.watch(
            {
                namespace: config.kubernetes.namespace,
                workersHpa: hpaOf("workers", base),
                // A named pool's autoscaler left out is the default pool's (keda-job runs no pool).
                pools: Object.entries(config.workers.pools).map(([key, p]) => ({
                    key,
                    role: `workers-${key}`,
                    hpa: hpaOf(`workers-${key}`, p.autoscaler ?? base),
                })),
                backup: config.backup.enabled,
                tasksNamespace: config.tasks.enabled ? config.tasks.namespace : null,
            },
            m,
        );
    }
    return target;
}
