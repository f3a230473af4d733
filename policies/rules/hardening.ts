import type { ResourceValidationPolicy } from "@pulumi/policy";
import { containerSpecs, podOf } from "./podspec";
import { propsOf } from "./common";
import { obj } from "../lib/json";

export const kubernetesContainersHardened: ResourceValidationPolicy = {
    name: "kubernetes-containers-hardened",
    description:
        "Kubernetes containers run as non-root, cannot escalate privileges, drop every capability and use the RuntimeDefault seccomp profile (the `restricted` Pod Security Standard). Fix: set the container's `securityContext` (runAsNonRoot, allowPrivilegeEscalation: false, capabilities.drop: [ALL]) and the pod's seccompProfile.",
    enforcementLevel: "advisory",
    configSchema: { properties: { requireReadOnlyRootFilesystem: { type: "boolean", default: false, description: "Also require readOnlyRootFilesystem." } } },
    validateResource: (args, report) => {
        const props = propsOf(args);
        const found = podOf(args.type, props);
        if (!found) return;
        const cfg = args.getConfig<{ requireReadOnlyRootFilesystem: boolean }>();
        const podSc = obj(found.pod.securityContext);
        for (const c of containerSpecs(args.type, args.name, props)) {
            const sc = obj(c.container.securityContext);
            const problems: string[] = [];
            if (sc.runAsNonRoot !== true && podSc.runAsNonRoot !== true) problems.push("runAsNonRoot is not true");
            if (sc.allowPrivilegeEscalation !== false) problems.push("allowPrivilegeEscalation is not false");
            const drop = Array.isArray(obj(sc.capabilities).drop) ? (obj(sc.capabilities).drop as unknown[]) : [];
            if (!drop.includes("ALL")) problems.push("capabilities.drop lacks ALL");
            const seccomp = obj(sc.seccompProfile).type ?? obj(podSc.seccompProfile).type;
            if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") problems.push("no RuntimeDefault seccomp profile");
            if (cfg.requireReadOnlyRootFilesystem && sc.readOnlyRootFilesystem !== true) problems.push("readOnlyRootFilesystem is not true");
            if (problems.length) report(`${c.where}: ${problems.join(", ")} (\`${c.field}.securityContext\`)`);
        }
    },
};
