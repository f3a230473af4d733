/**
 * Engine tier, rung 3: `pulumi up -s prod` against a real Kubernetes control
 * plane on loopback (etcd, kube-apiserver, controller manager, scheduler; kwok
 * plays the kubelets). Admission, server-side validation, server-side apply
 * and the provider's await logic are the real ones.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { manifestsOf } from "../../targets/kubernetes/manifests";
import { toYaml } from "../../tools/yaml";
import { planStack } from "../../tools/planner";
import { Cluster, findClusterBinaries } from "./cluster";
import * as path from "path";
import { cliMissing, EngineProject, NO_ENTRY_CHECK, previewSteps, ROOT, urnId } from "./harness";

const NAMESPACE = "playwright-agent";

interface Workload {
    metadata: { name: string; generation: number; uid: string; annotations?: Record<string, string> };
    spec: { replicas?: number; template: { spec: { containers: { image: string }[] } } };
    status: { availableReplicas?: number; readyReplicas?: number; updatedReplicas?: number; observedGeneration?: number; replicas?: number };
}
interface Job {
    metadata: { name: string };
    spec: { template: { spec: { containers: { image: string }[] } } };
    status: { succeeded?: number };
}
interface List<T> {
    items: T[];
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- objects read back from the API server, free-form
type Json = Record<string, any>;

const bin = findClusterBinaries();
const missing = cliMissing() ?? (bin ? null : "no control plane on PATH: run `npm run toolchain` (unit `cluster`) and put the folder it prints first on PATH");
if (missing) console.log(`rung 3 skipped: ${missing}`);

describe.skipIf(missing !== null)("prod on a real Kubernetes API server, through the real engine", () => {
    let cluster: Cluster;
    let project: EngineProject;
    /** The stack's `--set` overrides so far: each test changes some, the later ones build on them. */
    const settings = new Map<string, string>();
    const configure = (...sets: string[]) => {
        for (const s of sets) settings.set(s.slice(0, s.indexOf("=")), s);
        project.writeConfig([...settings.values()]);
    };

    beforeAll(async () => {
        cluster = await Cluster.start(bin!);
        project = await EngineProject.create({ stack: "prod", sets: [] });
        configure(NO_ENTRY_CHECK, `kubernetes.kubeconfig=${cluster.kubeconfig}`);
    });
    afterAll(async () => {
        project?.dispose();
        await cluster?.dispose();
    });

    it("`pulumi up` completes: every Deployment available, every StatefulSet ready with its claim bound, every Job complete", async () => {
        await project.up();
        const deployments = await cluster.getJson<List<Workload>>(["deployments", "-n", NAMESPACE]);
        expect(deployments.items.map((d) => d.metadata.name).sort()).toEqual(expect.arrayContaining(["backend"]));
        for (const d of deployments.items) expect(d.status.availableReplicas ?? 0, d.metadata.name).toBe(d.spec.replicas);
        const sts = await cluster.getJson<List<Workload>>(["statefulsets", "-n", NAMESPACE]);
        expect(sts.items.length).toBeGreaterThanOrEqual(3);
        for (const s of sts.items) expect(s.status.readyReplicas ?? 0, s.metadata.name).toBe(s.spec.replicas);
        const pvcs = await cluster.getJson<List<{ metadata: { name: string }; status: { phase: string } }>>(["pvc", "-n", NAMESPACE]);
        expect(pvcs.items.length).toBeGreaterThanOrEqual(3);
        for (const p of pvcs.items) expect(p.status.phase, p.metadata.name).toBe("Bound");
        const jobs = await cluster.getJson<List<Job>>(["jobs", "-n", NAMESPACE]);
        expect(jobs.items.length).toBeGreaterThanOrEqual(2);
        for (const j of jobs.items) expect(j.status.succeeded, j.metadata.name).toBe(1);
    });

    it("holds each credential where least privilege puts it: roles before the migration, no root Secret in a pod's env, root files only in their service's pods", async () => {
        type Stamped = { metadata: { name: string; creationTimestamp: string; labels?: Record<string, string> }; status: { completionTime?: string } };
        const jobs = await cluster.getJson<List<Stamped>>(["jobs", "-n", NAMESPACE]);
        const job = (prefix: string) => jobs.items.find((j) => j.metadata.name.startsWith(prefix))!;
        // The engine created the migration only after the roles task had completed (it connects as a role that task makes).
        const roles = job("postgres-roles-");
        const migrate = job("backend-migrate-");
        expect(roles.status.completionTime, "the roles Job completed").toBeDefined();
        expect(Date.parse(migrate.metadata.creationTimestamp)).toBeGreaterThanOrEqual(Date.parse(roles.status.completionTime!));
        const secrets = await cluster.getJson<List<Stamped>>(["secrets", "-n", NAMESPACE]);
        const roots = new Set(secrets.items.filter((x) => x.metadata.labels?.["quorvex.io/root-credentials"]).map((x) => x.metadata.name));
        expect([...roots].sort()).toEqual(["minio-credentials", "postgres-credentials", "redis-credentials"]);
        type Pod = {
            volumes?: { secret?: { secretName: string } }[];
            containers: { env?: { name: string; valueFrom?: { secretKeyRef?: { name: string } } }[] }[];
        };
        const kinds: [string, (o: Json) => Pod][] = [
            ["deployments", (o) => o.spec.template.spec],
            ["statefulsets", (o) => o.spec.template.spec],
            ["jobs", (o) => o.spec.template.spec],
            ["cronjobs", (o) => o.spec.jobTemplate.spec.template.spec],
        ];
        const mountsRoot: string[] = [];
        for (const [kind, podOf] of kinds) {
            for (const o of (await cluster.getJson<List<Json>>([kind, "-n", NAMESPACE])).items) {
                const pod = podOf(o);
                const inEnv = pod.containers.flatMap((c) => (c.env ?? []).filter((e) => roots.has(e.valueFrom?.secretKeyRef?.name ?? "")).map((e) => e.name));
                expect(inEnv, `${kind}/${o.metadata.name}`).toEqual([]);
                if ((pod.volumes ?? []).some((v) => roots.has(v.secret?.secretName ?? "")))
                    mountsRoot.push(String(o.metadata.name).replace(/-[0-9a-f]{8}$/, ""));
            }
        }
        expect(mountsRoot.sort()).toEqual(["minio", "minio-buckets", "postgres", "postgres-roles", "redis"]);
    });

    it("routes through the shared Gateway: its controller accepted the route and resolved the backend, and no Ingress exists", async () => {
        const route = await cluster.getJson<Json>(["httproute", "ingress", "-n", NAMESPACE]);
        const conditions = Object.fromEntries(route.status.parents[0].conditions.map((c: Json) => [c.type, c.status]));
        expect(conditions).toEqual({ Accepted: "True", ResolvedRefs: "True" });
        expect(route.status.parents[0].parentRef).toMatchObject({ name: "public", namespace: "gateway-system", sectionName: "https" });
        expect(await cluster.ok(["get", "ingress", "-n", NAMESPACE, "-o", "name"])).toBe("");
        // The real CRD's own rules hold on this API server: a backend timeout longer than the request's is refused.
        const bad: Json = { ...route, metadata: { name: "too-long", namespace: NAMESPACE }, status: undefined };
        bad.spec.rules[0].timeouts = { request: "10s", backendRequest: "20s" };
        const r = await cluster.kubectl(["apply", "--dry-run=server", "-f", "-"], JSON.stringify(bad));
        expect(r.code).not.toBe(0);
        expect(r.stderr).toMatch(/backendRequest timeout cannot be longer than request timeout/);
    });

    it("stops at a missing prerequisite with its name: no shared Gateway, or no such listener on it, no preview", async () => {
        const gateway = await cluster.getJson<Json>(["gateway", "public", "-n", "gateway-system"]);
        await cluster.ok(["delete", "gateway", "public", "-n", "gateway-system"]);
        try {
            const r = await project.preview();
            expect(r.code).not.toBe(0);
            expect(r.stdout + r.stderr).toMatch(/gateway-system\/public' does not exist/);
        } finally {
            await cluster.apply([
                { apiVersion: gateway.apiVersion, kind: gateway.kind, metadata: { name: "public", namespace: "gateway-system" }, spec: gateway.spec },
            ]);
        }
        configure("ingress.gateway.sectionName=web");
        try {
            const r = await project.preview();
            expect(r.code).not.toBe(0);
            expect(r.stdout + r.stderr).toMatch(/ingress\.gateway\.sectionName: Gateway gateway-system\/public has no listener `web` \(it has https, http\)/);
            configure("ingress.gateway.sectionName=http");
            const clear = await project.preview();
            expect(clear.stdout + clear.stderr).toMatch(/listener `http` of Gateway gateway-system\/public is HTTP, not HTTPS/);
        } finally {
            configure("ingress.gateway.sectionName=https");
        }
        const again = await project.preview(["--expect-no-changes"]);
        expect(again.code, again.stdout + again.stderr).toBe(0);
    });

    it("the namespace enforces the `restricted` Pod Security Standard: a privileged pod is refused", async () => {
        const ns = await cluster.getJson<{ metadata: { labels: Record<string, string> } }>(["namespace", NAMESPACE]);
        expect(ns.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
        const r = await cluster.kubectl(
            ["apply", "-n", NAMESPACE, "-f", "-"],
            JSON.stringify({
                apiVersion: "v1",
                kind: "Pod",
                metadata: { name: "not-restricted" },
                spec: { containers: [{ name: "c", image: "example.invalid/x:1", securityContext: { privileged: true } }] },
            }),
        );
        expect(r.code).not.toBe(0);
        expect(r.stderr).toMatch(/violates PodSecurity "restricted/);
    });

    it("accepts the offline plan's manifests (`npm run plan -- --out`) through kubectl: `apply --dry-run=server`", async () => {
        const { document } = await planStack({ stack: "prod", sets: [...settings.values()] });
        const yaml = manifestsOf(document.resources)
            .map((m) => toYaml(m.object))
            .join("---\n");
        const r = await cluster.kubectl(["apply", "--server-side", "--force-conflicts", "--field-manager=plan-check", "--dry-run=server", "-f", "-"], yaml);
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        expect(r.stdout.trim().split("\n").length).toBe(manifestsOf(document.resources).length);
    });

    it("changes nothing afterwards: `pulumi preview --expect-no-changes` passes and a second up is a no-op", async () => {
        const preview = await project.preview(["--expect-no-changes"]);
        expect(preview.code, preview.stdout + preview.stderr).toBe(0);
        const before = await cluster.getJson<List<Workload>>(["deployments,statefulsets", "-n", NAMESPACE]);
        await project.up(["--expect-no-changes"]);
        const after = await cluster.getJson<List<Workload>>(["deployments,statefulsets", "-n", NAMESPACE]);
        expect(after.items.map((w) => `${w.metadata.name}@${w.metadata.generation}`)).toEqual(
            before.items.map((w) => `${w.metadata.name}@${w.metadata.generation}`),
        );
    });

    it("a backend image bump runs a new migration Job, then rolls the backend with no unavailable replica", async () => {
        configure("images.backend=ghcr.io/quorvex/quorvex-backend:1.0.1");
        const jobsBefore = await cluster.getJson<List<{ metadata: { name: string } }>>(["jobs", "-n", NAMESPACE]);
        const backend = await cluster.getJson<Workload>(["deployment", "backend", "-n", NAMESPACE]);
        const wanted = backend.spec.replicas ?? 1;
        let fewest = wanted;
        let watching = true;
        const watch = (async () => {
            while (watching) {
                const d = await cluster.getJson<Workload>(["deployment", "backend", "-n", NAMESPACE]);
                fewest = Math.min(fewest, d.status.availableReplicas ?? 0);
                await new Promise((r) => setTimeout(r, 300));
            }
        })();
        try {
            await project.up();
        } finally {
            watching = false;
            await watch;
        }
        const rolled = await cluster.getJson<Workload>(["deployment", "backend", "-n", NAMESPACE]);
        expect(rolled.spec.template.spec.containers[0].image).toBe("ghcr.io/quorvex/quorvex-backend:1.0.1");
        expect(rolled.status.updatedReplicas).toBe(wanted);
        expect(fewest).toBe(wanted);
        const jobsAfter = await cluster.getJson<List<Job>>(["jobs", "-n", NAMESPACE]);
        const fresh = jobsAfter.items.filter((j) => !jobsBefore.items.some((b) => b.metadata.name === j.metadata.name));
        expect(fresh.map((j) => j.spec.template.spec.containers[0].image)).toContain("ghcr.io/quorvex/quorvex-backend:1.0.1");
        for (const j of fresh) expect(j.status.succeeded, j.metadata.name).toBe(1);
    });

    it("a credential rotation updates its Secret in place and rolls exactly the workloads that read it", async () => {
        const before = await cluster.getJson<List<Workload>>(["deployments,statefulsets", "-n", NAMESPACE]);
        configure("secrets.rotation.redis=1");
        const preview = await project.preview(["--json"]);
        const steps = previewSteps(preview.stdout).filter((s) => s.op !== "same");
        // The Secret is updated, not deleted and recreated: no pod can start in a gap without it.
        const secretSteps = steps.filter((s) => s.type === "kubernetes:core/v1:Secret");
        expect(secretSteps.map((s) => `${urnId(s.urn)} ${s.op}`)).toEqual(secretSteps.map((s) => `${urnId(s.urn)} update`));
        await project.up();
        const after = await cluster.getJson<List<Workload>>(["deployments,statefulsets", "-n", NAMESPACE]);
        const rolled = after.items
            .filter((w) => before.items.find((b) => b.metadata.name === w.metadata.name)?.metadata.generation !== w.metadata.generation)
            .map((w) => w.metadata.name)
            .sort();
        expect(rolled).toEqual(["backend", "redis", "workers"].filter((n) => after.items.some((w) => w.metadata.name === n)));
    });

    it("a failing migration fails the up and leaves the backend serving; the next up after the fix succeeds with no manual step", async () => {
        const serving = "ghcr.io/quorvex/quorvex-backend:1.0.1";
        const next = "ghcr.io/quorvex/quorvex-backend:1.0.2";
        const failure = await cluster.failJobsRunning(next);
        configure(`images.backend=${next}`);
        const failed = await project.run(["up", "--yes", "--skip-preview", "--stack", project.stack]);
        expect(failed.code).not.toBe(0);
        expect(failed.stdout + failed.stderr).toMatch(/backend-migrate/);
        const untouched = await cluster.getJson<Workload>(["deployment", "backend", "-n", NAMESPACE]);
        expect(untouched.spec.template.spec.containers[0].image).toBe(serving);
        expect(untouched.status.availableReplicas).toBe(untouched.spec.replicas);

        // The cause is fixed outside the program (the database is back, say): the same config now succeeds.
        await failure.fixed();
        await project.up();
        const rolled = await cluster.getJson<Workload>(["deployment", "backend", "-n", NAMESPACE]);
        expect(rolled.spec.template.spec.containers[0].image).toBe(next);
        const jobs = await cluster.getJson<List<Job>>(["jobs", "-n", NAMESPACE]);
        const migrations = jobs.items.filter((j) => j.spec.template.spec.containers[0].image === next && j.metadata.name.startsWith("backend-migrate"));
        expect(migrations.map((j) => j.status.succeeded)).toEqual([1]);
    });

    it("moves the way in to an Ingress and back with a route at every moment: the new one is created before the old one goes", async () => {
        const toIngress = ["ingress.kind=ingress", "ingress.tls.mode=certManager", "ingress.tls.clusterIssuer=letsencrypt-prod", "ingress.maxBodySize=512m"];
        configure(...toIngress);
        const there = await project.up();
        const at = (text: string, line: RegExp) => text.split("\n").findIndex((l) => line.test(l));
        const created = at(there.stdout, /Ingress ingress created/);
        const deleted = at(there.stdout, /HTTPRoute ingress deleted/);
        expect(created, there.stdout).toBeGreaterThan(-1);
        expect(deleted, there.stdout).toBeGreaterThan(created);
        expect(await cluster.ok(["get", "ingress,httproute", "-n", NAMESPACE, "-o", "name"])).toBe("ingress.networking.k8s.io/ingress\n");
        expect(
            (await cluster.getJson<Json>(["networkpolicy", "backend-from-ingress", "-n", NAMESPACE])).spec.ingress[0].from[0].namespaceSelector.matchLabels,
        ).toEqual({
            "kubernetes.io/metadata.name": "ingress-nginx",
        });
        configure("ingress.kind=gateway", "ingress.tls.mode=gateway", "ingress.tls.clusterIssuer=null", "ingress.maxBodySize=null");
        const back = await project.up();
        expect(at(back.stdout, /Ingress ingress deleted/)).toBeGreaterThan(at(back.stdout, /HTTPRoute ingress created/));
        expect(await cluster.ok(["get", "ingress,httproute", "-n", NAMESPACE, "-o", "name"])).toBe("httproute.gateway.networking.k8s.io/ingress\n");
        expect((await project.outputs()).routeKind).toBe("httproute");
        const again = await project.preview(["--expect-no-changes"]);
        expect(again.code, again.stdout + again.stderr).toBe(0);
    });

    it("places the browsers at their PriorityClass, tolerating their taint: a missing class stops the preview, the pods then run at it", async () => {
        configure(
            "kubernetes.placement.workers.priorityClassName=browsers",
            "kubernetes.placement.workers.tolerations[0].key=quorvex.io/browsers",
            "kubernetes.placement.workers.tolerations[0].operator=Exists",
            "kubernetes.placement.workers.tolerations[0].effect=NoSchedule",
        );
        try {
            const missing = await project.preview();
            expect(missing.code).not.toBe(0);
            expect(missing.stdout + missing.stderr).toMatch(/'browsers' does not exist/);
            await cluster.apply([{ apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name: "browsers" }, value: 1000 }]);
            await project.up();
            const workers = await cluster.getJson<Json>(["deployment", "workers", "-n", NAMESPACE]);
            expect(workers.spec.template.spec.priorityClassName).toBe("browsers");
            expect(workers.spec.template.spec.tolerations).toEqual([{ key: "quorvex.io/browsers", operator: "Exists", effect: "NoSchedule" }]);
            expect(workers.spec.template.spec.topologySpreadConstraints.map((c: Json) => c.topologyKey)).toEqual([
                "kubernetes.io/hostname",
                "topology.kubernetes.io/zone",
            ]);
            // Admission resolved the class to its value on every pod.
            const pods = await cluster.getJson<List<Json>>(["pods", "-n", NAMESPACE, "-l", "app.kubernetes.io/name=workers"]);
            expect(pods.items.length).toBeGreaterThan(0);
            for (const pod of pods.items.filter((p) => !p.metadata.deletionTimestamp)) expect(pod.spec.priority).toBe(1000);
        } finally {
            configure("kubernetes.placement.workers.priorityClassName=null", "kubernetes.placement.workers.tolerations=null");
        }
        await project.up();
        const again = await project.preview(["--expect-no-changes"]);
        expect(again.code, again.stdout + again.stderr).toBe(0);
    });

    it("watches the stack when asked: the API server takes its PrometheusRule and the exporters' ServiceMonitors under the operator's real CRDs, and the dashboard; off again removes them", async () => {
        configure("kubernetes.monitoring.enabled=true", "exporters.enabled=true");
        try {
            await project.up();
            const rule = await cluster.getJson<Json>(["prometheusrule", "quorvex", "-n", NAMESPACE]);
            expect(rule.metadata.labels.release).toBe("kube-prometheus-stack");
            expect(rule.spec.groups[0].rules.map((r: Json) => r.alert)).toEqual(
                expect.arrayContaining(["QuorvexWorkersAtMax", "QuorvexQueueGrowing", "QuorvexRedisMemoryHigh", "QuorvexPostgresConnectionsHigh"]),
            );
            // Each exporter's ServiceMonitor selects its Service, whose port it names.
            for (const [name, port] of [
                ["redis-exporter", 9121],
                ["postgres-exporter", 9187],
            ] as const) {
                const monitor = await cluster.getJson<Json>(["servicemonitor", name, "-n", NAMESPACE]);
                expect(monitor.metadata.labels.release).toBe("kube-prometheus-stack");
                const service = await cluster.getJson<Json>(["service", name, "-n", NAMESPACE]);
                expect(service.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
                expect(service.spec.ports).toEqual([expect.objectContaining({ name: monitor.spec.endpoints[0].port, port })]);
                const deployment = await cluster.getJson<Json>(["deployment", name, "-n", NAMESPACE]);
                expect(deployment.status.availableReplicas, name).toBe(1);
            }
            // The CRD's own schema holds there too: an endpoint's scheme must be http or https.
            const monitor = await cluster.getJson<Json>(["servicemonitor", "redis-exporter", "-n", NAMESPACE]);
            const badMonitor: Json = {
                ...monitor,
                metadata: { name: "bad", namespace: NAMESPACE },
                spec: { ...monitor.spec, endpoints: [{ port: "metrics", scheme: "gopher" }] },
            };
            const refused = await cluster.kubectl(["apply", "--dry-run=server", "-f", "-"], JSON.stringify(badMonitor));
            expect(refused.code).not.toBe(0);
            expect(refused.stderr).toMatch(/scheme/);
            const board = await cluster.getJson<Json>(["configmap", "quorvex-dashboard", "-n", NAMESPACE]);
            expect(JSON.parse(board.data["quorvex.json"]).title).toBe(`Quorvex (${NAMESPACE})`);
            // The CRD's own schema holds: a rule without an expression is refused.
            const bad: Json = { ...rule, metadata: { name: "bad", namespace: NAMESPACE }, spec: { groups: [{ name: "g", rules: [{ alert: "A" }] }] } };
            const r = await cluster.kubectl(["apply", "--dry-run=server", "-f", "-"], JSON.stringify(bad));
            expect(r.code).not.toBe(0);
            expect(r.stderr).toMatch(/expr/);
        } finally {
            configure("kubernetes.monitoring.enabled=false", "exporters.enabled=false");
        }
        await project.up();
        expect(await cluster.ok(["get", "prometheusrules", "-n", NAMESPACE, "-o", "name"])).toBe("");
        expect(await cluster.ok(["get", "servicemonitors", "-n", NAMESPACE, "-o", "name"])).toBe("");
        expect(await cluster.ok(["get", "deployments", "-n", NAMESPACE, "-o", "name"])).not.toMatch(/exporter/);
    });

    it("switches `workers.autoscaler` from hpa to keda and back on the live stack, past KEDA's admission rule", async () => {
        // The cluster plays KEDA's webhook: a ScaledObject is refused while an HPA scales its target.
        const refused = await cluster.kubectl(
            ["apply", "--dry-run=server", "-f", "-"],
            JSON.stringify({
                apiVersion: "keda.sh/v1alpha1",
                kind: "ScaledObject",
                metadata: { name: "probe", namespace: NAMESPACE },
                spec: { scaleTargetRef: { name: "workers" }, triggers: [] },
            }),
        );
        expect(refused.stderr).toContain("the workload 'workers' of type 'apps/v1.Deployment' is already managed by the hpa 'workers'");
        configure("workers.autoscaler=keda");
        await project.up();
        const keda = await cluster.getJson<List<{ metadata: { name: string } }>>(["hpa,scaledobjects", "-n", NAMESPACE]);
        expect(keda.items.map((o) => o.metadata.name)).toEqual(["workers"]);
        expect(await cluster.ok(["get", "scaledobject", "workers", "-n", NAMESPACE, "-o", "name"])).toMatch(/scaledobject/);

        configure("workers.autoscaler=hpa");
        await project.up();
        expect(await cluster.ok(["get", "hpa,scaledobjects", "-n", NAMESPACE, "-o", "name"])).toBe("horizontalpodautoscaler.autoscaling/workers\n");
        const preview = await project.preview(["--expect-no-changes"]);
        expect(preview.code, preview.stdout + preview.stderr).toBe(0);
    });

    it("runs a second pool on tainted nodes, scaled by KEDA beside the first pool's HPA; removing it removes every object it had", async () => {
        const pool = [
            "workers.pools.firefox.autoscaler=keda",
            "workers.pools.firefox.min=1",
            "workers.pools.firefox.max=6",
            "workers.pools.firefox.env.BROWSER_FILTER=firefox",
            "kubernetes.placement.pools.firefox.nodeSelector[0]=quorvex.io/pool=firefox",
            "kubernetes.placement.pools.firefox.tolerations[0].key=quorvex.io/firefox",
            "kubernetes.placement.pools.firefox.tolerations[0].operator=Exists",
            "kubernetes.placement.pools.firefox.tolerations[0].effect=NoSchedule",
        ];
        const objects = async () =>
            (await cluster.ok(["get", "deployment,hpa,scaledobject,pdb,networkpolicy,secret", "-n", NAMESPACE, "-o", "name"]))
                .split("\n")
                .filter((n) => n.includes("firefox"))
                .sort();
        // The browser node the pool is pinned to (kwok's one node, labelled for it).
        await cluster.ok(["label", "node", "kwok-node-1", "quorvex.io/pool=firefox"]);
        configure(...pool);
        try {
            await project.up();
            const pods = await cluster.getJson<List<Json>>(["pods", "-n", NAMESPACE, "-l", "app.kubernetes.io/name=workers-firefox"]);
            expect(pods.items.map((p) => p.spec.nodeName)).toContain("kwok-node-1");
            const firefox = await cluster.getJson<Json>(["deployment", "workers-firefox", "-n", NAMESPACE]);
            expect(firefox.spec.template.spec.nodeSelector).toEqual({ "quorvex.io/pool": "firefox" });
            expect(firefox.spec.template.spec.tolerations).toEqual([{ key: "quorvex.io/firefox", operator: "Exists", effect: "NoSchedule" }]);
            const env = Object.fromEntries(firefox.spec.template.spec.containers[0].env.map((e: Json) => [e.name, e.value ?? e.valueFrom?.secretKeyRef?.name]));
            expect(env).toMatchObject({ BROWSER_JOB_QUEUE: "browser-jobs-firefox", BROWSER_FILTER: "firefox" });
            const so = await cluster.getJson<Json>(["scaledobject", "workers-firefox", "-n", NAMESPACE]);
            expect(so.spec).toMatchObject({ minReplicaCount: 1, maxReplicaCount: 6, scaleTargetRef: { name: "workers-firefox" } });
            expect(await cluster.ok(["get", "hpa", "-n", NAMESPACE, "-o", "name"])).toBe("horizontalpodautoscaler.autoscaling/workers\n");
            const names = await objects();
            for (const kind of ["deployment.apps/", "scaledobject.keda.sh/", "poddisruptionbudget.policy/", "networkpolicy.networking.k8s.io/"])
                expect(
                    names.some((n) => n.startsWith(`${kind}workers-firefox`)),
                    kind,
                ).toBe(true);
            const again = await project.preview(["--expect-no-changes"]);
            expect(again.code, again.stdout + again.stderr).toBe(0);
        } finally {
            for (const s of pool) settings.delete(s.slice(0, s.indexOf("=")));
            project.writeConfig([...settings.values()]);
            await cluster.ok(["label", "node", "kwok-node-1", "quorvex.io/pool-"]);
        }
        await project.up();
        expect(await objects()).toEqual([]);
    });

    it("the README's restore procedure brings the writers back, and `pulumi up` then keeps them", async () => {
        const replicas = async (name: string) => (await cluster.getJson<Workload>(["deployment", name, "-n", NAMESPACE])).spec.replicas;
        const backendCount = await replicas("backend");
        // Step 3: stop the writers (the restore itself is Postgres's business, not the stack's).
        await cluster.ok(["scale", "deploy/backend", "deploy/workers", "--replicas", "0", "-n", NAMESPACE]);
        // A plain `pulumi up` compares with its state and changes nothing: the backend would stay at 0.
        await project.up();
        expect(await replicas("backend")).toBe(0);
        // Then, as documented: the workers by hand, the backend by `pulumi up --refresh`.
        await cluster.ok(["scale", "deploy/workers", "--replicas", "2", "-n", NAMESPACE]);
        await project.up(["--refresh"]);
        expect(await replicas("backend")).toBe(backendCount);
        expect(await replicas("workers")).toBe(2);
        const again = await project.preview(["--refresh", "--expect-no-changes"]);
        expect(again.code, again.stdout + again.stderr).toBe(0);
    });

    it("previews a PR as the server would apply it with the PR identity of cluster-setup/, which cannot change anything", async () => {
        await cluster.ok(["apply", "-f", path.join(ROOT, "cluster-setup", "preview-identity.yaml")]);
        await cluster.ok(["create", "clusterrolebinding", "engine-read-only", "--clusterrole=view", "--group=engine:read-only"]);
        // What a read-only identity reads besides `view`: the prerequisites the program looks up (the ClusterIssuer, the shared Gateway).
        await cluster.ok([
            "create",
            "clusterrole",
            "engine-read-issuers",
            "--verb=get,list,watch",
            "--resource=clusterissuers.cert-manager.io,gateways.gateway.networking.k8s.io",
        ]);
        await cluster.ok(["create", "clusterrolebinding", "engine-read-issuers", "--clusterrole=engine-read-issuers", "--group=engine:read-only"]);
        const readOnly = cluster.identity("engine-viewer", ["engine:read-only"]);
        const previewer = cluster.identity("engine-pr", ["quorvex:preview"]);
        const serving = "ghcr.io/quorvex/quorvex-backend:1.0.2";

        try {
            // The API server refuses to shrink a claim. A read-only identity cannot dry-run, and the
            // provider then shows the program's inputs: the preview passes and hides the refusal.
            configure(`kubernetes.kubeconfig=${readOnly}`, "postgres.storageSize=40Gi");
            const blind = await project.preview();
            expect(blind.code, blind.stdout + blind.stderr).toBe(0);
            // The preview identity's dry run reaches the API server, which refuses it, in the preview.
            configure(`kubernetes.kubeconfig=${previewer}`);
            const seen = await project.preview();
            expect(seen.code).not.toBe(0);
            expect(seen.stdout + seen.stderr).toMatch(/postgres-data[\s\S]*can not be less than/);

            // An ordinary change previews cleanly with it, and the same identity cannot apply it.
            configure("postgres.storageSize=50Gi", "images.backend=ghcr.io/quorvex/quorvex-backend:1.0.3");
            const steps = previewSteps((await project.ok(["preview", "--json", "--stack", project.stack])).stdout);
            expect(steps.filter((s) => s.op === "update").map((s) => urnId(s.urn))).toContain("kubernetes:apps/v1:Deployment::backend");
            expect(steps.filter((s) => s.op === "replace" && s.type !== "kubernetes:batch/v1:Job")).toEqual([]);
            const denied = await project.run(["up", "--yes", "--skip-preview", "--stack", project.stack]);
            expect(denied.code).not.toBe(0);
            expect(denied.stdout + denied.stderr).toMatch(/forbidden|may only dry-run/);
            // What the role allows, the admission policy still refuses unless it is a dry run.
            const patch = ["patch", "deployment", "backend", "-n", NAMESPACE, "--type=merge", "-p", '{"metadata":{"labels":{"engine-test":"x"}}}'];
            const asPreviewer = (args: string[]) => cluster.kubectl(args, undefined, previewer);
            const dry = await asPreviewer([...patch, "--dry-run=server"]);
            expect(dry.code, dry.stderr).toBe(0);
            const real = await asPreviewer(patch);
            expect(real.code).not.toBe(0);
            expect(real.stderr).toMatch(/quorvex-preview-dry-run-only[\s\S]*may only dry-run/);
            const backend = await cluster.getJson<Workload>(["deployment", "backend", "-n", NAMESPACE]);
            expect(backend.spec.template.spec.containers[0].image).toBe(serving);
            const jobs = await cluster.getJson<List<Job>>(["jobs", "-n", NAMESPACE]);
            expect(jobs.items.map((j) => j.spec.template.spec.containers[0].image)).not.toContain("ghcr.io/quorvex/quorvex-backend:1.0.3");
        } finally {
            // Back to the admin identity, whatever happened above: the next tests deploy.
            configure(`kubernetes.kubeconfig=${cluster.kubeconfig}`, `images.backend=${serving}`, "postgres.storageSize=50Gi");
        }
        await project.up();
    });

    it("runs browser tasks (`tasks.enabled`): the backend's identity starts one from the published template and may do nothing else; the API server refuses a task that breaks the pack", async () => {
        const TASKS = "playwright-tasks";
        const controller = "system:serviceaccount:playwright-agent:backend";
        configure("tasks.enabled=true");
        await project.up();
        expect(await project.outputs()).toMatchObject({ tasksNamespace: TASKS, taskTemplate: "task-template" });

        const can = async (args: string[]) => (await cluster.kubectl(["auth", "can-i", ...args, "--as", controller])).stdout.trim();
        expect(await can(["create", "jobs.batch", "-n", TASKS])).toBe("yes");
        expect(await can(["get", "pods", "--subresource=log", "-n", TASKS])).toBe("yes");
        expect(await can(["get", "configmap/task-template", "-n", TASKS])).toBe("yes");
        for (const denied of [
            ["create", "jobs.batch", "-n", NAMESPACE],
            ["create", "pods", "-n", TASKS],
            ["create", "pods", "--subresource=exec", "-n", TASKS],
            ["get", "secrets", "-n", TASKS],
            ["get", "configmap/other", "-n", TASKS],
            ["list", "namespaces"],
        ])
            expect(await can(denied), denied.join(" ")).toBe("no");

        // The controller reads the template, names the task, and creates it: the API server admits it and the Job controller starts its pod.
        const asController = (args: string[], input?: string) => cluster.kubectl([...args, "--as", controller], input);
        const read = await asController(["get", "configmap", "task-template", "-n", TASKS, "-o", "json"]);
        expect(read.code, read.stderr).toBe(0);
        const template = JSON.parse((JSON.parse(read.stdout) as Json).data["job.json"] as string) as Json;
        const created = await asController(["create", "-f", "-", "-o", "name"], JSON.stringify(template));
        expect(created.code, created.stderr).toBe(0);
        const jobName = created.stdout.trim().replace("job.batch/", "");
        let pods: List<Json> = { items: [] };
        for (let i = 0; i < 60 && pods.items.length === 0; i++) {
            if (i > 0) await new Promise((r) => setTimeout(r, 1000));
            pods = await cluster.getJson<List<Json>>(["pods", "-n", TASKS, "-l", `job-name=${jobName}`]);
        }
        expect(pods.items.length).toBe(1);
        // The namespace's LimitRange gives it its scratch disk, which the quota then counts (a pod that names none counts as none).
        expect(pods.items[0].spec.containers[0].resources).toEqual({
            requests: { cpu: "1", memory: "1Gi", "ephemeral-storage": "5Gi" },
            limits: { cpu: "2", memory: "3Gi", "ephemeral-storage": "5Gi" },
        });

        // What breaks the pack is refused, whoever creates it: the policy names the rule.
        const refusal = async (change: (job: Json) => void) => {
            const job = structuredClone(template);
            change(job);
            const r = await cluster.kubectl(["create", "--dry-run=server", "-f", "-"], JSON.stringify(job));
            expect(r.code).not.toBe(0);
            return r.stderr;
        };
        const pod = (job: Json) => job.spec.template.spec;
        expect(await refusal((j) => delete pod(j).containers[0].resources.limits.memory)).toMatch(
            /quorvex-prod-tasks[\s\S]*denied request: containers-have-memory-limits: container browser-task/,
        );
        expect(
            await refusal((j) => {
                const shm = pod(j).volumes.find((v: Json) => v.emptyDir?.medium === "Memory");
                shm.emptyDir.sizeLimit = "64Mi";
            }),
        ).toMatch(/denied request: browser-workers-have-shm: \/dev\/shm is 64Mi; need at least 1024Mi/);
        expect(await refusal((j) => (pod(j).containers[0].securityContext.runAsNonRoot = false))).toMatch(
            /denied request: kubernetes-containers-hardened: container browser-task/,
        );
        // And the quota bounds them all: one task asking for more than all tasks may hold is refused.
        const greedy = {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "greedy", namespace: TASKS, labels: template.spec.template.metadata.labels },
            spec: structuredClone(template.spec.template.spec),
        };
        greedy.spec.containers[0].resources.limits.memory = "61Gi";
        const over = await cluster.kubectl(["create", "--dry-run=server", "-f", "-"], JSON.stringify(greedy));
        expect(over.stderr).toMatch(/exceeded quota: tasks, requested: limits.memory=61Gi/);

        // Queue-driven: KEDA's ScaledJob takes the pool's place as the queue's autoscaler, and a Job as
        // KEDA would start it (the ScaledJob's jobTargetRef) is admitted; then back to the HPA.
        configure("workers.autoscaler=keda-job", "workers.min=0");
        await project.up();
        expect(await cluster.ok(["get", "hpa,scaledobjects", "-n", NAMESPACE, "-o", "name"])).toBe("");
        const scaled = await cluster.getJson<Json>(["scaledjob", "browser-tasks", "-n", TASKS]);
        expect(scaled.spec).toMatchObject({ minReplicaCount: 0, maxReplicaCount: 20, rollout: { strategy: "gradual" }, jobTargetRef: template.spec });
        const byKeda = {
            apiVersion: "batch/v1",
            kind: "Job",
            metadata: { generateName: "browser-tasks-", namespace: TASKS, labels: scaled.metadata.labels },
            spec: scaled.spec.jobTargetRef,
        };
        const started = await cluster.kubectl(["create", "--dry-run=server", "-f", "-"], JSON.stringify(byKeda));
        expect(started.code, started.stderr).toBe(0);
        configure("workers.autoscaler=hpa", "workers.min=2");
        await project.up();
        expect(await cluster.ok(["get", "scaledjobs", "-n", TASKS, "-o", "name"])).toBe("");

        // Switched off again, the namespace goes with everything in it, the task too.
        configure("tasks.enabled=false");
        await project.up();
        expect((await cluster.kubectl(["get", "namespace", TASKS])).stderr).toMatch(/NotFound/);
        expect(await cluster.ok(["get", "networkpolicies", "-n", NAMESPACE, "-o", "name"])).not.toMatch(/from-tasks/);
        const after = await project.preview(["--expect-no-changes"]);
        expect(after.code, after.stdout + after.stderr).toBe(0);
    });

    it("`pulumi destroy` deletes nothing while protection is on, and with `retainOnDelete` leaves the namespace, the claims and the data", async () => {
        const before = await cluster.ok(["get", "all,secrets,pvc", "-n", NAMESPACE, "-o", "name"]);
        const refused = await project.run(["destroy", "--yes", "--stack", project.stack]);
        expect(refused.code).not.toBe(0);
        expect(refused.stdout + refused.stderr).toMatch(/cannot be deleted\s+because it is protected/);
        expect(await cluster.ok(["get", "all,secrets,pvc", "-n", NAMESPACE, "-o", "name"])).toBe(before);
        const claims = (await cluster.ok(["get", "pvc", "-n", NAMESPACE, "-o", "name"])).trim().split("\n").sort();
        expect(claims.length).toBeGreaterThanOrEqual(3);

        configure("protection.protect=false");
        await project.up();
        await project.ok(["destroy", "--yes", "--skip-preview", "--stack", project.stack]);
        expect((await cluster.ok(["get", "pvc", "-n", NAMESPACE, "-o", "name"])).trim().split("\n").sort()).toEqual(claims);
        // No pod outlives the stack holding a claim: a later `up` can create the StatefulSets again.
        expect(await cluster.ok(["get", "statefulsets,deployments", "-n", NAMESPACE, "-o", "name"])).toBe("");
        const volumes = await cluster.getJson<List<{ spec: { claimRef?: { namespace: string } }; status: { phase: string } }>>(["pv"]);
        expect(volumes.items.filter((pv) => pv.spec.claimRef?.namespace === NAMESPACE).map((pv) => pv.status.phase)).toEqual(claims.map(() => "Bound"));
        const state = await project.exportState();
        // An empty stack exports no resource list at all.
        expect((state.deployment.resources ?? []).filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"))).toEqual([]);
    });
});
