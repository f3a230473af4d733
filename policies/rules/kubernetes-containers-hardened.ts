import type { ResourceValidationPolicy } from "@pulumi/policy";
import { containersOf } from "../targets";
import { propsOf } from "./common";

export const kubernetesContainersHardened: ResourceValidationPolicy = {
    name: "kubernetes-containers-hardened",
    description:
        "Kubernetes containers run as non-root, cannot escalate privileges, drop every capability and use the RuntimeDefault seccomp profile (the `restricted` Pod Security Standard). Fix: set the container's `securityContext` (runAsNonRoot, allowPrivilegeEscalation: false, capabilities.drop: [ALL]) and the pod's seccompProfile.",
    enforcementLevel: "advisory",
    configSchema: { properties: { requireReadOnlyRootFilesystem: { type: "boolean", default: false, description: "Also require readOnlyRootFilesystem." } } },
    validateResource: (args, report) => {
        const cfg = args.getConfig<{ requireReadOnlyRootFilesystem: boolean }>();
        for (const c of containersOf(args.type, args.name, propsOf(args))) {
            const sc = c.security;
            if (!sc) continue;
            const problems: string[] = [];
            if (!sc.runAsNonRoot) problems.push("runAsNonRoot is not true");
            if (sc.allowPrivilegeEscalation !== false) problems.push("allowPrivilegeEscalation is not false");
            if (!sc.dropsAll) problems.push("capabilities.drop lacks ALL");
            if (sc.seccomp !== "RuntimeDefault" && sc.seccomp !== "Localhost") problems.push("no RuntimeDefault seccomp profile");
            if (cfg.requireReadOnlyRootFilesystem && sc.readOnlyRoot !== true) problems.push("readOnlyRootFilesystem is not true");
            if (problems.length) report(`${c.where}: ${problems.join(", ")} (\`${sc.field}\`)`);
        }
    },
};
