/** The Kubernetes target's own config section, and what the target reads of a stack config. */
import { z } from "zod";
import { dnsLabel, ipv4Cidr, optionalString, podLabels, port } from "../../config/fields";
import type { ConfigView } from "../plugin";
import { monitoringSection } from "./monitoring";
import { placementSection } from "./placement";

/** Namespaces the cluster itself owns: the stack labels, enforces and may delete its namespace. */
export const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];
const platformNamespace = dnsLabel.refine((ns) => !SYSTEM_NAMESPACES.includes(ns) && !ns.startsWith("kube-"), {
    error: "must be the platform's own namespace, not `default` or a `kube-*` system namespace (the stack labels, enforces and can delete it)",
});

export const section = z.strictObject({
    namespace: platformNamespace,
    kubeconfig: optionalString,
    context: optionalString,
    renderYamlToDirectory: optionalString,
    ingressControllerNamespace: dnsLabel,
    ingressControllerPodLabels: podLabels,
    kedaNamespace: dnsLabel,
    kedaOperatorPodLabels: podLabels,
    workerEgressPorts: z.array(port, { error: "must be a list of TCP ports" }).max(32, { error: "must list at most 32 ports" }),
    dnsResolvers: z.array(ipv4Cidr, { error: "must be a list of IPv4 networks" }).max(16, { error: "must list at most 16 networks" }),
    placement: placementSection,
    monitoring: monitoringSection,
    apiServerCidrs: z.array(ipv4Cidr, { error: "must be a list of IPv4 networks" }).max(16, { error: "must list at most 16 networks" }),
});

/** What the Kubernetes target reads of a stack config. */
export type KubernetesConfig = ConfigView<"kubernetes", typeof section>;
