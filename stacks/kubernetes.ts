import type { QuorvexConfig } from "../config/schema";
import { KubernetesPlatform } from "../platform/kubernetes/platform";
import { compose, type Composition } from "./compose";

/** The Kubernetes target (the `prod` stack): always workers mode, in its own namespace. */
export function kubernetesStack(stack: string, c: QuorvexConfig): { platform: KubernetesPlatform; parts: Composition; namespace: string } {
    const platform = new KubernetesPlatform({
        stack,
        namespace: c.kubernetes.namespace,
        kubeconfig: c.kubernetes.kubeconfig,
        context: c.kubernetes.context,
        renderYamlToDirectory: c.kubernetes.renderYamlToDirectory,
        ingressControllerNamespace: c.kubernetes.ingressControllerNamespace,
        kedaNamespace: c.kubernetes.kedaNamespace,
        dnsResolvers: c.kubernetes.dnsResolvers,
        ingressClassName: c.ingress.className,
        protection: c.protection,
        imagePullSecrets: c.registry.pullSecrets,
    });
    return { platform, parts: compose(platform, c), namespace: c.kubernetes.namespace };
}
