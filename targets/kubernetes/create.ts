import type { QuorvexConfig } from "../../config/schema";
import { KubernetesTarget } from "./target";

/** The stack's namespace of a cluster: its provider, namespace and network rules, from the stack's config. */
export function create(stack: string, c: QuorvexConfig): KubernetesTarget {
    return new KubernetesTarget({
        stack,
        namespace: c.kubernetes.namespace,
        kubeconfig: c.kubernetes.kubeconfig,
        context: c.kubernetes.context,
        renderYamlToDirectory: c.kubernetes.renderYamlToDirectory,
        ingressControllerNamespace: c.kubernetes.ingressControllerNamespace,
        kedaNamespace: c.kubernetes.kedaNamespace,
        dnsResolvers: c.kubernetes.dnsResolvers,
        browsingPorts: c.kubernetes.workerEgressPorts,
        ingressClassName: c.ingress.className,
        protection: c.protection,
        imagePullSecrets: c.registry.pullSecrets,
    });
}
