/** The backend's config section: the API server (and, in standard mode, the browsers and VNC). */
import { z } from "zod";
import { httpPath, int, memory, port, resources } from "../../config/fields";
import { sizing } from "../../config/sizing";
import type { ServicePlugin } from "../plugin";

const section = z.strictObject({
    replicas: int(1, 50),
    port,
    vncPort: port,
    resources,
    shm: memory,
    readinessPath: httpPath,
    livenessPath: httpPath,
    metricsPath: z.union([httpPath, z.null()]),
});

export const backend: ServicePlugin<"backend", typeof section> = {
    name: "backend",
    description: "the API server",
    config: {
        schema: section,
        defaults: {
            replicas: 2,
            port: 8000,
            vncPort: 6080,
            // cluster: the seed's backend pod (1 CPU, 1Gi requested; 4 CPU, 4Gi at most).
            resources: sizing("1", "4", "1Gi", "4Gi"),
            shm: "2Gi",
            readinessPath: "/health/ready",
            livenessPath: "/health/live",
            // The image contract has no metrics endpoint: an image that serves one names it.
            metricsPath: null,
        },
        sizing: (table, mode) =>
            table === "singleHost"
                ? {
                      replicas: 1,
                      // Standard mode: one big container holding API, browsers and VNC (seed: 24GB, shm 2GB);
                      // workers mode: backend-slim, 4GB.
                      resources: mode === "standard" ? sizing("2", "8", "4Gi", "24Gi") : sizing("1", "4", "1Gi", "4Gi"),
                  }
                : {},
        docs: {
            replicas: "Backend replicas (Kubernetes keeps all but one through disruptions with a PodDisruptionBudget).",
            port: "Backend HTTP port.",
            vncPort: "websockify port of the VNC stream (standard mode); never published, reached through the proxy at /vnc/.",
            shm: "/dev/shm of the standard-mode backend (it runs the browsers).",
            readinessPath: "Readiness endpoint.",
            livenessPath: "Liveness endpoint.",
            metricsPath:
                "Path of Prometheus metrics the backend image serves on `backend.port`, if it serves any: Kubernetes scrapes it through a ServiceMonitor with `kubernetes.monitoring.enabled`; null: none.",
        },
    },
    rules: (own, rule) => {
        if (own.port === own.vncPort) rule(["vncPort"], "must differ from backend.port");
    },
};
