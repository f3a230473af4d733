import { exportersOf } from "../../components/exporters";
import { poolsOf, type Pool } from "../../components/services/workers";
import type { KubernetesConfig } from "./config";
import { KubernetesTarget } from "./target";

/** The stack's namespace of a cluster: its provider, namespace and network rules, from the stack's config. */
export function create(stack: string, config: KubernetesConfig): KubernetesTarget {
    const m = config.kubernetes.monitoring;
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
        scrapedBy: m.enabled ? { namespace: m.prometheusNamespace, podLabels: m.prometheusPodLabels, monitorLabels: m.serviceMonitorLabels } : null,
    });
    if (m.enabled) {
        // Each pool's HPA (KEDA's is `keda-hpa-<name>`); keda-job scales no pool.
        const hpaOf = (p: Pool) => (p.autoscaler === "hpa" ? p.role : p.autoscaler === "keda" ? `keda-hpa-${p.role}` : null);
        target.watch(
            {
                namespace: config.kubernetes.namespace,
                pools: poolsOf(config.workers, config.images.worker).map((p) => ({ key: p.key, role: p.role, hpa: hpaOf(p), queue: p.queue.listName })),
                backup: config.backup.enabled,
                tasksNamespace: config.tasks.enabled ? config.tasks.namespace : null,
                exporters: exportersOf(config),
            },
            m,
        );
    }
    return target;
}
