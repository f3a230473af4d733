/**
 * The prod stack on Kubernetes: namespace, workloads, autoscaling, storage,
 * ingress, security by default, network policies - and every object valid
 * against the Kubernetes schemas.
 */
import { describe, expect, it } from "vitest";
import { all, inputs, k8sEnv, merge, one, podOf, PROD, PROD_INGRESS, PROD_KEDA, stack, T, type Json, type StackRun } from "./helpers";
import { validateObject } from "./k8s-schema";
import { resolveConfig } from "../config/load";

const NS = "playwright-agent";
const k8sObjects = (run: StackRun) => run.resources.filter((r) => r.type.startsWith("kubernetes:"));
const workloads = (run: StackRun) => run.resources.filter((r) => [T.deployment, T.statefulSet, T.job].includes(r.type as never));
const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

describe("prod stack", async () => {
    const run = await stack("prod", PROD);
    /** The way in as an Ingress (the checked-in stack's is a Gateway route: tests/gateway.test.ts). */
    const ingressRun = await stack("prod", PROD_INGRESS);

    it("puts every object in the playwright-agent namespace with consistent labels", () => {
        expect(inputs(one(run, T.namespace, NS)).metadata.name).toBe(NS);
        for (const r of k8sObjects(run)) {
            const meta = inputs(r).metadata;
            if (r.type !== T.namespace) expect(meta.namespace, `${r.type} ${r.name}`).toBe(NS);
            for (const label of ["app.kubernetes.io/name", "app.kubernetes.io/component", "app.kubernetes.io/part-of", "app.kubernetes.io/managed-by"]) {
                expect(meta.labels?.[label], `${label} on ${r.type} ${r.name}`).toBeTruthy();
            }
        }
    });

    it("validates every object against the Kubernetes schemas", () => {
        expect(k8sObjects(run).length).toBeGreaterThan(40);
        for (const r of k8sObjects(run)) expect(() => validateObject(inputs(r)), `${r.type} ${r.name}`).not.toThrow();
    });

    it("rolls the backend without dropping below the desired count, with probes on its health endpoints", () => {
        const d = inputs(one(run, T.deployment, "backend"));
        expect(d.spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
        const c = d.spec.template.spec.containers[0];
        expect(c.resources).toEqual({ requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "4", memory: "4Gi" } });
        expect(c.readinessProbe.httpGet).toEqual({ path: "/health/ready", port: 8000 });
        expect(c.livenessProbe.httpGet).toEqual({ path: "/health/live", port: 8000 });
        // A stopping replica keeps serving while the ingress controller stops sending it requests.
        expect(c.lifecycle).toEqual({ preStop: { sleep: { seconds: 10 } } });
        expect(d.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(10);
        expect(c.ports.map((p: Json) => p.containerPort)).toContain(8000);
        const pdb = inputs(one(run, T.pdb, "backend"));
        expect(pdb.spec.minAvailable).toBe(1);
        expect(matches(pdb.spec.selector.matchLabels, d.spec.template.metadata.labels)).toBe(true);
    });

    it("runs the migration as a Job named from the backend image, and rolls the backend only after it", async () => {
        const job = one(run, T.job, "backend-migrate");
        expect(podOf(job).containers[0].command).toEqual(["alembic", "upgrade", "head"]);
        expect(podOf(job).containers[0].image).toBe(podOf(one(run, T.deployment, "backend")).containers[0].image);
        expect(one(run, T.deployment, "backend").options.dependsOn).toContain(`${T.job}::backend-migrate`);
        const next = await stack("prod", merge(PROD, { images: { backend: "ghcr.io/quorvex/quorvex-backend-slim:1.1.0" } }));
        expect(inputs(one(next, T.job, "backend-migrate")).metadata.name).not.toBe(inputs(job).metadata.name);
    });

    it("gives browser workers a Memory emptyDir at /dev/shm, 3Gi with headroom above it, and a long grace period", () => {
        const pod = podOf(one(run, T.deployment, "workers"));
        expect(pod.volumes).toContainEqual({ name: "dshm", emptyDir: { medium: "Memory", sizeLimit: "1Gi" } });
        const c = pod.containers[0];
        expect(c.volumeMounts).toContainEqual({ name: "dshm", mountPath: "/dev/shm" });
        expect(c.resources).toEqual({ requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "2", memory: "3Gi" } });
        expect(pod.terminationGracePeriodSeconds).toBe(600);
        expect(inputs(one(run, T.deployment, "workers")).spec.template.metadata.labels["quorvex.io/runs-browsers"]).toBe("true");
    });

    it("lets a drain take busy workers one at a time, and waits long enough for a pool of 20 to roll", () => {
        const pdb = inputs(one(run, T.pdb, "workers"));
        expect(pdb.spec).toEqual({
            maxUnavailable: 1,
            selector: { matchLabels: { "app.kubernetes.io/name": "workers", "app.kubernetes.io/instance": "prod" } },
        });
        expect(one(run, T.deployment, "workers").options.customTimeouts).toEqual({ create: "60m", update: "60m" });
    });

    it("asks a stopping worker to finish its browser job first: a preStop GET /drain on its health port, within the grace period", () => {
        const pod = podOf(one(run, T.deployment, "workers"));
        expect(pod.containers[0].lifecycle).toEqual({ preStop: { httpGet: { path: "/drain", port: 8001 } } });
        expect(pod.terminationGracePeriodSeconds).toBe(600);
    });

    it("autoscales workers with an autoscaling/v2 HPA, 2 to 20 at 70% CPU, and never fights it over replicas", () => {
        const hpa = inputs(one(run, T.hpa, "workers"));
        expect(hpa.spec).toMatchObject({
            scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "workers" },
            minReplicas: 2,
            maxReplicas: 20,
            metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } } }],
        });
        expect(one(run, T.deployment, "workers").options.ignoreChanges).toEqual(["spec.replicas"]);
        expect(all(run, T.scaledObject)).toHaveLength(0);
    });

    it("takes the replica count back from a former autoscaler when the pool gets a fixed count (server-side apply would refuse the conflict)", async () => {
        // Once an autoscaler has scaled a pool, the controller manager owns `.spec.replicas`; the node rung's
        // switch from KEDA (5 replicas) to a fixed count failed the `up` with a field conflict.
        expect(inputs(one(run, T.deployment, "workers")).metadata.annotations?.["pulumi.com/patchForce"]).toBeUndefined();
        const fixed = await stack("prod", merge(PROD, { workers: { autoscaler: "none", replicas: 3 } }));
        const workers = one(fixed, T.deployment, "workers");
        expect(inputs(workers).metadata.annotations).toMatchObject({ "pulumi.com/patchForce": "true" });
        expect(inputs(workers).spec.replicas).toBe(3);
        expect(workers.options.ignoreChanges ?? []).toEqual([]);
        expect(inputs(one(fixed, T.deployment, "backend")).metadata.annotations).toMatchObject({ "pulumi.com/patchForce": "true" });
    });

    it("switches between HPA and ScaledObject as one resource that changes kind, deleting the old kind first (KEDA refuses a ScaledObject beside an HPA)", async () => {
        const keda = await stack("prod", PROD_KEDA);
        for (const [r, other] of [
            [one(run, T.hpa, "workers"), T.scaledObject],
            [one(keda, T.scaledObject, "workers"), T.hpa],
        ] as const) {
            expect(r.options.aliases).toContain(`${other}::workers`);
            expect(r.options).toMatchObject({ deleteBeforeReplace: true, replaceOnChanges: ["kind"] });
        }
    });

    it("keeps Postgres, Redis and MinIO in StatefulSets on protected PVCs, sized from the seed table", () => {
        for (const name of ["postgres", "redis", "minio"]) {
            const sts = one(run, T.statefulSet, name);
            const pvc = one(run, T.pvc, `${name}-data`);
            // What is kept through `pulumi destroy` is the claim (and the namespace), never the pod that holds it.
            expect(sts.options).toMatchObject({ protect: true, retainOnDelete: false });
            expect(pvc.options).toMatchObject({ protect: true, retainOnDelete: true });
            expect(podOf(sts).volumes).toContainEqual({ name: "data", persistentVolumeClaim: { claimName: `${name}-data` } });
            // Without volumeClaimTemplates, a claim retention policy would do nothing.
            expect(inputs(sts).spec.persistentVolumeClaimRetentionPolicy).toBeUndefined();
            expect(inputs(one(run, T.service, name)).spec.clusterIP).toBe("None");
        }
        expect(podOf(one(run, T.statefulSet, "postgres")).containers[0].resources.limits.memory).toBe("1Gi");
        expect(podOf(one(run, T.statefulSet, "postgres")).containers[0].resources.requests.memory).toBe("256Mi");
        expect(podOf(one(run, T.statefulSet, "redis")).containers[0].resources).toMatchObject({ requests: { memory: "64Mi" }, limits: { memory: "256Mi" } });
        expect(inputs(one(run, T.pvc, "postgres-data")).spec.resources.requests.storage).toBe("50Gi");
        expect(one(run, T.namespace, NS).options).toMatchObject({ protect: true, retainOnDelete: true });
    });

    it("routes the host through an nginx Ingress with TLS from cert-manager and upload-friendly timeouts", () => {
        const ing = inputs(one(ingressRun, T.ingress, "ingress"));
        expect(ing.spec.ingressClassName).toBe("nginx");
        expect(ing.spec.tls).toEqual([{ hosts: ["quorvex.example.com"], secretName: "ingress-tls" }]);
        expect(ing.metadata.annotations).toMatchObject({
            "cert-manager.io/cluster-issuer": "letsencrypt-prod",
            "nginx.ingress.kubernetes.io/proxy-body-size": "512m",
            "nginx.ingress.kubernetes.io/proxy-read-timeout": "3600",
        });
        expect(ing.spec.rules[0].http.paths[0].backend.service).toEqual({ name: "backend", port: { number: 8000 } });
    });

    it("gives every container requests and limits for CPU and memory, and the restricted security context", () => {
        for (const w of workloads(run)) {
            const pod = podOf(w);
            expect(pod.automountServiceAccountToken, w.name).toBe(false);
            expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
            expect(all(run, T.serviceAccount).map((sa) => inputs(sa).metadata.name)).toContain(pod.serviceAccountName);
            for (const c of pod.containers) {
                expect(Object.keys(c.resources.requests).sort(), `${w.name}/${c.name}`).toEqual(["cpu", "memory"]);
                expect(Object.keys(c.resources.limits).sort(), `${w.name}/${c.name}`).toEqual(["cpu", "memory"]);
                expect(c.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
                expect(c.image).not.toMatch(/:latest$/);
            }
        }
    });

    it("selects the right pods with every Service, and probes declared ports", () => {
        const pods = workloads(run).filter((w) => w.type !== T.job);
        for (const svc of all(run, T.service)) {
            const spec = inputs(svc).spec;
            const selected = pods.filter((w) => matches(spec.selector, inputs(w).spec.template.metadata.labels));
            expect(
                selected.map((w) => w.name),
                `Service ${svc.name}`,
            ).toEqual([svc.name]);
            const ports = podOf(selected[0]).containers[0].ports.map((p: Json) => p.name);
            for (const p of spec.ports) expect(ports).toContain(p.targetPort);
        }
        for (const w of pods) {
            const c = podOf(w).containers[0];
            for (const probe of [c.readinessProbe, c.livenessProbe]) {
                if (probe.httpGet) expect(c.ports.map((p: Json) => p.containerPort)).toContain(probe.httpGet.port);
            }
        }
    });

    it("points env at the right Services and at Secret keys that exist", () => {
        const secrets = Object.fromEntries(all(run, T.secret).map((s) => [inputs(s).metadata.name, Object.keys(inputs(s).stringData ?? {})]));
        for (const w of workloads(run)) {
            for (const [name, value] of Object.entries(k8sEnv(podOf(w).containers[0]))) {
                if (!value.startsWith("secret:")) continue;
                const [secret, key] = value.slice(7).split("/");
                expect(secrets[secret], `${w.name} ${name} -> ${secret}`).toContain(key);
            }
        }
        const env = k8sEnv(podOf(one(run, T.deployment, "backend")).containers[0]);
        expect(env.POSTGRES_HOST).toBe(`postgres.${NS}.svc`);
        expect(env.REDIS_HOST).toBe(`redis.${NS}.svc`);
        expect(env.MINIO_ENDPOINT).toBe(`http://minio.${NS}.svc:9000`);
        // The backend's own role (rows only), never the superuser's.
        expect(env.DATABASE_URL).toBe("secret:postgres-backend-credentials/DATABASE_URL");
        const url = inputs(one(run, T.secret, "postgres-backend-credentials")).stringData.DATABASE_URL as string;
        expect(url).toMatch(new RegExp(`^postgresql://quorvex_app:[^@]+@postgres\\.${NS}\\.svc:5432/quorvex$`));
    });

    it("rotates a credential in place, and creates and rolls every reader of a Secret after it", () => {
        const provider = run.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
        // Provider inputs reach the engine as strings.
        expect(String(inputs(provider).enableSecretMutable)).toBe("true");
        const readers = [...workloads(run), ...all(run, T.cronJob)];
        expect(readers.length).toBeGreaterThan(5);
        for (const w of readers) {
            const pod = w.type === T.cronJob ? inputs(w).spec.jobTemplate.spec.template.spec : podOf(w);
            const read = new Set<string>();
            for (const c of [...(pod.initContainers ?? []), ...pod.containers])
                for (const v of Object.values(k8sEnv(c))) if (v.startsWith("secret:")) read.add(v.slice(7).split("/")[0]);
            // Secrets handed as files are read too.
            for (const v of pod.volumes ?? []) if (v.secret) read.add(v.secret.secretName);
            for (const secret of read) expect(w.options.dependsOn, `${w.name} reads ${secret}`).toContain(`${T.secret}::${secret}`);
        }
    });

    it("changes a data volume's ownership only when its root is not the pod's group (no walk of every file on each start)", () => {
        for (const w of workloads(run)) expect(podOf(w).securityContext.fsGroupChangePolicy, w.name).toBe("OnRootMismatch");
    });

    it("replaces a migration or bucket Job that did not complete on the next up (a failed run never sticks)", () => {
        for (const job of all(run, T.job)) expect(inputs(job).metadata.annotations["pulumi.com/replaceUnready"], job.name).toBe("true");
    });

    it("denies all traffic by default and admits only what the platform needs", () => {
        const policies: Record<string, Json> = Object.fromEntries(all(run, T.networkPolicy).map((p) => [inputs(p).metadata.name, inputs(p).spec]));
        expect(policies["default-deny"]).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        expect(policies["allow-dns"].egress[0].ports).toContainEqual({ protocol: "UDP", port: 53 });
        // Node-local caches and cloud metadata resolvers are not kube-dns pods: reachable on 53 too.
        expect(policies["allow-dns"].egress[0].to).toContainEqual({ ipBlock: { cidr: "169.254.0.0/16" } });
        // Only the controller's pods of the ingress controller's namespace, not every pod there.
        expect(Object.keys(policies)).not.toContain("backend-from-ingress");
        const viaIngress: Record<string, Json> = Object.fromEntries(all(ingressRun, T.networkPolicy).map((p) => [inputs(p).metadata.name, inputs(p).spec]));
        expect(viaIngress["backend-from-ingress"].ingress[0]).toEqual({
            from: [
                {
                    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } },
                    podSelector: { matchLabels: { "app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller" } },
                },
            ],
            ports: [{ protocol: "TCP", port: 8000 }],
        });
        // Who may reach Postgres: the backend, its migration and the backup, nobody else.
        const intoPostgres = Object.entries(policies).filter(
            ([, s]) => s.policyTypes.includes("Ingress") && s.podSelector.matchLabels?.["app.kubernetes.io/name"] === "postgres",
        );
        expect(intoPostgres.map(([n]) => n).sort()).toEqual([
            "postgres-from-backend",
            "postgres-from-backend-migrate",
            "postgres-from-postgres-backup",
            "postgres-from-postgres-roles",
        ]);
        // Workers reach Redis, MinIO, the backend and the internet on 80/443, never private ranges.
        const workerEgress = policies["workers-egress"].egress;
        expect(workerEgress.map((e: Json) => e.to[0].podSelector?.matchLabels["app.kubernetes.io/name"] ?? "internet")).toEqual([
            "redis",
            "minio",
            "backend",
            "internet",
        ]);
        expect(workerEgress[3].to[0].ipBlock.except).toContain("10.0.0.0/8");
    });

    it("lets the ingress controller reach cert-manager's HTTP-01 solver through the default-deny, only when TLS comes from cert-manager", async () => {
        const policies = all(ingressRun, T.networkPolicy).map((p) => inputs(p));
        const acme = policies.find((p) => p.metadata.name === "acme-http01-from-ingress")!;
        expect(acme.spec).toEqual({
            podSelector: { matchLabels: { "acme.cert-manager.io/http01-solver": "true" } },
            policyTypes: ["Ingress"],
            ingress: [
                {
                    from: [
                        {
                            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } },
                            podSelector: { matchLabels: { "app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller" } },
                        },
                    ],
                    ports: [{ protocol: "TCP", port: 8089 }],
                },
            ],
        });
        const own = await stack("prod", merge(PROD_INGRESS, { ingress: { tls: { mode: "secret", secretName: "quorvex-tls" } } }));
        expect(all(own, T.networkPolicy).map((p) => inputs(p).metadata.name)).not.toContain("acme-http01-from-ingress");
    });

    it("lets pods resolve through the DNS resolvers the stack names, and refuses a malformed network", async () => {
        const custom = await stack("prod", merge(PROD, { kubernetes: { dnsResolvers: ["10.96.0.10/32"] } }));
        const dns = inputs(all(custom, T.networkPolicy).find((p) => inputs(p).metadata.name === "allow-dns")!);
        expect(dns.spec.egress[0].to.slice(1)).toEqual([{ ipBlock: { cidr: "10.96.0.10/32" } }]);
        const { resolveConfig } = await import("../config/load");
        expect(() => resolveConfig({ target: "kubernetes", kubernetes: { dnsResolvers: ["169.254.0.0/33"] } })).toThrow(
            /quorvex:kubernetes\.dnsResolvers\[0\] = "169\.254\.0\.0\/33": .*CIDR/,
        );
    });

    it("reads the cluster's prerequisites it can check (the shared Gateway or the ClusterIssuer; KEDA's CRD with KEDA), except when rendering YAML", async () => {
        expect(run.lookups).toEqual(["kubernetes:gateway.networking.k8s.io/v1:Gateway::gateway-system/public"]);
        expect(ingressRun.lookups).toEqual(["kubernetes:cert-manager.io/v1:ClusterIssuer::letsencrypt-prod"]);
        const keda = await stack("prod", merge(PROD_INGRESS, { workers: { autoscaler: "keda" } }));
        expect(keda.lookups.sort()).toEqual([
            "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition::scaledobjects.keda.sh",
            "kubernetes:cert-manager.io/v1:ClusterIssuer::letsencrypt-prod",
        ]);
        const rendered = await stack("prod", merge(PROD_KEDA, { kubernetes: { renderYamlToDirectory: "out/k8s" } }));
        expect(rendered.lookups).toEqual([]);
    });

    it("uses the configured kubeconfig/context, or renders YAML to a directory instead of applying", async () => {
        const provider = run.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
        expect(inputs(provider).renderYamlToDirectory).toBeUndefined();
        const rendered = await stack("prod", merge(PROD, { kubernetes: { context: "prod-eu", renderYamlToDirectory: "out/k8s" } }));
        expect(inputs(rendered.resources.find((r) => r.type === "pulumi:providers:kubernetes")!)).toMatchObject({
            context: "prod-eu",
            renderYamlToDirectory: "out/k8s",
        });
    });
});

describe("prod stack with KEDA", async () => {
    const run = await stack("prod", PROD_KEDA);

    it("scales workers with a ScaledObject holding a cpu and a redis trigger, and no HPA", () => {
        expect(all(run, T.hpa)).toHaveLength(0);
        const so = inputs(one(run, T.scaledObject, "workers"));
        expect(so.spec).toMatchObject({ scaleTargetRef: { name: "workers" }, minReplicaCount: 2, maxReplicaCount: 20 });
        expect(so.spec.triggers).toEqual([
            { type: "cpu", metricType: "Utilization", metadata: { value: "70" } },
            {
                type: "redis",
                metadata: { address: `redis.${NS}.svc:6379`, listName: "browser-jobs", listLength: "5" },
                authenticationRef: { name: "workers-redis-auth" },
            },
        ]);
        const auth = inputs(run.resources.find((r) => r.type === "kubernetes:keda.sh/v1alpha1:TriggerAuthentication")!);
        // KEDA's own ACL user, which may read the queue's length and nothing else.
        expect(auth.spec.secretTargetRef).toEqual([
            { parameter: "username", name: "redis-workers-scaler-credentials", key: "REDIS_USERNAME" },
            { parameter: "password", name: "redis-workers-scaler-credentials", key: "REDIS_PASSWORD" },
        ]);
        expect(one(run, T.deployment, "workers").options.ignoreChanges).toEqual(["spec.replicas"]);
    });

    it("scales busy workers in as slowly as the HPA does: one pod a minute after five quiet minutes", async () => {
        const hpa = inputs(one(await stack("prod", PROD), T.hpa, "workers")).spec.behavior;
        const so = inputs(one(run, T.scaledObject, "workers")).spec.advanced.horizontalPodAutoscalerConfig.behavior;
        expect(so).toEqual(hpa);
        expect(so.scaleDown).toEqual({ stabilizationWindowSeconds: 300, policies: [{ type: "Pods", value: 1, periodSeconds: 60 }] });
    });

    it("lets the KEDA operator read the queue from Redis, and no other pod of its namespace", () => {
        const p = inputs(all(run, T.networkPolicy).find((r) => r.name === "redis-from-keda")!);
        expect(p.spec.ingress[0].from).toEqual([
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "keda" } }, podSelector: { matchLabels: { app: "keda-operator" } } },
        ]);
    });

    it("takes the controller's and the operator's pod labels from config, and `[]` for every pod of their namespaces", async () => {
        const custom = await stack(
            "prod",
            merge(PROD_INGRESS, {
                workers: { autoscaler: "keda" },
                kubernetes: { ingressControllerPodLabels: ["app.kubernetes.io/name=traefik"], kedaOperatorPodLabels: [] },
            }),
        );
        const from = (name: string) => inputs(all(custom, T.networkPolicy).find((r) => r.name === name)!).spec.ingress[0].from[0];
        expect(from("backend-from-ingress").podSelector).toEqual({ matchLabels: { "app.kubernetes.io/name": "traefik" } });
        expect(from("redis-from-keda")).toEqual({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "keda" } } });
        expect(() => resolveConfig(merge(PROD, { kubernetes: { kedaOperatorPodLabels: ["app"] } }))).toThrow(
            /quorvex:kubernetes\.kedaOperatorPodLabels\[0\] = "app": must be a pod label as key=value/,
        );
    });

    it("puts no credential of a data service's own in any pod's env: the servers and their setup tasks read them from files", () => {
        const roots = new Set(
            all(run, T.secret)
                .filter((r) => inputs(r).metadata.labels?.["quorvex.io/root-credentials"])
                .map((r) => inputs(r).metadata.name),
        );
        expect([...roots].sort()).toEqual(["minio-credentials", "postgres-credentials", "redis-credentials"]);
        const pods = [...workloads(run), ...all(run, T.cronJob)].map((w) => ({
            name: w.name,
            pod: w.type === T.cronJob ? inputs(w).spec.jobTemplate.spec.template.spec : podOf(w),
        }));
        const fileReaders: string[] = [];
        for (const { name, pod } of pods) {
            for (const c of pod.containers) {
                const env: Json[] = c.env ?? [];
                // No root Secret behind any env value ...
                expect(env.filter((e) => roots.has(e.valueFrom?.secretKeyRef?.name)).map((e) => `${name} ${e.name}`)).toEqual([]);
                // ... and where one is a file, its path is all the env says.
                for (const e of env) if (e.name.endsWith("_FILE")) expect(e.value).toMatch(/^\/run\/secrets\/quorvex\/[a-z-]+\/[A-Z_]+$/);
            }
            if ((pod.volumes ?? []).some((v: Json) => roots.has(v.secret?.secretName))) fileReaders.push(name);
        }
        expect(fileReaders.sort()).toEqual(["minio", "minio-buckets", "postgres", "postgres-roles", "redis"]);
    });

    it("hands a secret as a file only to a container that reads it: its image, or its own script", () => {
        // What the images read themselves (the postgres image's entrypoint; the minio server).
        const imageReads = ["POSTGRES_PASSWORD_FILE", "MINIO_ROOT_USER_FILE", "MINIO_ROOT_PASSWORD_FILE"];
        const containers = [...workloads(run), ...all(run, T.cronJob)].flatMap((w) =>
            (w.type === T.cronJob ? inputs(w).spec.jobTemplate.spec.template.spec : podOf(w)).containers.map((c: Json) => ({ w: w.name, c })),
        );
        let files = 0;
        for (const { w, c } of containers) {
            const script = (c.command ?? []).join("\n");
            for (const e of (c.env ?? []) as Json[]) {
                if (!e.name.endsWith("_FILE")) continue;
                files++;
                if (!imageReads.includes(e.name)) expect(script, `${w}/${c.name} reads ${e.name}`).toContain(`\${${e.name}:-}`);
            }
        }
        expect(files).toBeGreaterThan(10);
    });

    it("validates every object, the KEDA custom resources included", () => {
        for (const r of k8sObjects(run)) expect(() => validateObject(inputs(r)), `${r.type} ${r.name}`).not.toThrow();
    });
});

describe("schema validation is real", () => {
    it("rejects a Deployment with a malformed field", () => {
        expect(() =>
            validateObject({
                apiVersion: "apps/v1",
                kind: "Deployment",
                metadata: { name: "x" },
                spec: { replicas: "two", selector: {}, template: { spec: { containers: [] } } },
            }),
        ).toThrow();
    });
});
