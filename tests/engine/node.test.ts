/**
 * Engine tier, the node rung: `pulumi up -s prod` on the control plane of
 * rung 3 with a real node (node.ts): containerd, runc, the CNI bridge, the
 * kubelet and kube-proxy run the platform's containers (the stand-in images)
 * under the `restricted` Pod Security Standard the stack's namespace enforces,
 * and CoreDNS answers for the Service names. What kwok only marks Ready, here
 * starts, probes, migrates, stores, restores and rolls; and the real KEDA
 * operator (keda.ts) scales the workers and starts task Jobs on the queue.
 */
import * as fs from "fs";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cluster, findClusterBinaries } from "./cluster";
import { DockerEngine, dockerEngineMissing } from "./docker-engine";
import { EngineProject, NO_ENTRY_CHECK, ROOT } from "./harness";
import { installKeda, kedaMissing } from "./keda";
import { clusterDns, Node, NODE_NETWORK, nodeMissing } from "./node";
import { buildStandins, KEDA_IMAGES, NODE_IMAGES, standinImages, standinsMissing } from "./standins";

const NAMESPACE = "playwright-agent";
const TASKS = "playwright-tasks";
const bin = findClusterBinaries();
const missing = nodeMissing(bin) ?? dockerEngineMissing() ?? standinsMissing(bin);
if (missing) console.log(`node rung skipped: ${missing}`);
/** KEDA's live tests need one more unit: without it, the rest of the rung runs. */
const noKeda = missing ?? kedaMissing(bin);
if (!missing && noKeda) console.log(`node rung: KEDA's tests skipped: ${noKeda}`);

/** The machine has 2 CPUs: the prod stack's CPU requests, scaled to fit one small node (memory and shm stay prod's). */
const SMALL_NODE = [
    "backend.resources.cpu.request=100m",
    "workers.resources.cpu.request=100m",
    "postgres.resources.cpu.request=100m",
    "redis.resources.cpu.request=50m",
    "minio.resources.cpu.request=100m",
];

interface Pod {
    metadata: { name: string; labels?: Record<string, string>; deletionTimestamp?: string; ownerReferences?: { kind: string }[] };
    spec: { nodeName?: string; containers: { name: string }[] };
    status: {
        phase: string;
        podIP?: string;
        conditions?: { type: string; status: string }[];
        containerStatuses?: { name: string; ready: boolean; restartCount: number; containerID?: string; state: Record<string, unknown> }[];
    };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Tries a TCP connection to each `host:port` given (3 s each); prints `{"host:port": "open" | "blocked: ..."}`. */
const CONNECT = [
    "import json, socket, sys",
    "out = {}",
    "for target in sys.argv[1:]:",
    "    host, port = target.rsplit(':', 1)",
    "    try:",
    "        socket.create_connection((host, int(port)), timeout=3).close(); out[target] = 'open'",
    "    except Exception as e:",
    "        out[target] = 'blocked: ' + type(e).__name__",
    "print(json.dumps(out))",
].join("\n");
const svc = (name: string, port: number) => `${name}.${NAMESPACE}.svc.cluster.local:${port}`;
/** GETs a URL (5 s); prints its body, or `blocked: ...`. */
const SCRAPE = [
    "import sys, urllib.request",
    "try:",
    "    print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())",
    "except Exception as e:",
    "    print('blocked: ' + type(e).__name__)",
].join("\n");

describe.skipIf(missing !== null)("prod with its pods running on a real node", () => {
    let engine: DockerEngine;
    let cluster: Cluster;
    let node: Node;
    let project: EngineProject;
    const settings = new Map<string, string>();
    const configure = (...sets: string[]) => {
        for (const s of sets) settings.set(s.slice(0, s.indexOf("=")), s);
        project.writeConfig([...settings.values()]);
    };

    const pods = async (selector?: string): Promise<Pod[]> =>
        (await cluster.getJson<{ items: Pod[] }>(["pods", "-n", NAMESPACE, ...(selector ? ["-l", selector] : [])])).items;
    /** Polls `read` every second until it returns a value, at most `seconds`. */
    const eventually = async <T>(what: string, seconds: number, read: () => Promise<T | null>): Promise<T> => {
        const started = Date.now();
        for (;;) {
            const value = await read();
            if (value !== null) return value;
            if (Date.now() - started > seconds * 1000) throw new Error(`${what}: not within ${seconds} s\n${node.logs()}`);
            await sleep(1000);
        }
    };
    const condition = (o: { status?: { conditions?: { type: string; status: string }[] } }, type: string) =>
        o.status?.conditions?.find((c) => c.type === type)?.status;

    /** The pods of `selector` that are Ready and not going away. */
    const readyPods = async (selector: string): Promise<Pod[]> =>
        (await pods(selector)).filter((p) => !p.metadata.deletionTimestamp && condition(p, "Ready") === "True");
    const running = async (selector: string): Promise<Pod> => {
        const ready = await readyPods(selector);
        if (!ready.length) throw new Error(`no Ready pod for ${selector}`);
        return ready[0];
    };
    /** A request from inside the container of a Ready pod of `selector`, to a URL (by a Service name: the cluster's DNS and kube-proxy). */
    const fromPod = async (selector: string, method: string, url: string, body = ""): Promise<{ status: number; json: unknown }> => {
        const pod = await running(selector);
        const script = [
            "import sys, urllib.request, urllib.error",
            "req = urllib.request.Request(sys.argv[2], data=(sys.argv[3].encode() if sys.argv[1] == 'POST' else None), method=sys.argv[1])",
            "try:",
            "    r = urllib.request.urlopen(req, timeout=10); print(r.status); print(r.read().decode())",
            "except urllib.error.HTTPError as e:",
            "    print(e.code); print(e.read().decode())",
        ].join("\n");
        const r = await node.exec(NAMESPACE, pod.metadata.name, pod.spec.containers[0].name, ["python3", "-c", script, method, url, body]);
        if (r.code !== 0) throw new Error(`request from ${pod.metadata.name} failed (exit ${r.code}): ${r.stderr}`);
        const [status, ...rest] = r.stdout.trim().split("\n");
        return { status: Number(status), json: JSON.parse(rest.join("\n") || "null") as unknown };
    };
    const fromWorker = (method: string, url: string, body = "") => fromPod("app.kubernetes.io/name=workers", method, url, body);
    const backend = `http://backend.${NAMESPACE}.svc.cluster.local:8000`;
    const waitReady = (selector: string, count: number) =>
        eventually(`${selector}: ${count} Ready`, 180, async () => {
            const ready = await readyPods(selector);
            return ready.length >= count ? ready : null;
        });

    beforeAll(async () => {
        engine = await DockerEngine.start();
        const images = [...standinImages(), ...NODE_IMAGES, ...(noKeda ? [] : KEDA_IMAGES)];
        const report = await buildStandins(engine, bin!, images);
        console.log(`stand-in images: ${report.built.length} built, ${report.reused.length} reused, ${report.seconds} s`);
        cluster = await Cluster.start(bin!, NODE_NETWORK);
        const t0 = Date.now();
        node = await Node.start(cluster, bin!, { engine, refs: images.map((i) => i.ref) });
        await cluster.apply(clusterDns());
        await cluster.ok(["rollout", "status", "-n", "kube-system", "deployment/coredns", "--timeout=120s"]);
        console.log(`node Ready with its DNS in ${Math.round((Date.now() - t0) / 1000)} s`);
        project = await EngineProject.create({ stack: "prod", sets: [] });
        configure(NO_ENTRY_CHECK, `kubernetes.kubeconfig=${cluster.kubeconfig}`, ...SMALL_NODE);
    });
    afterAll(async () => {
        project?.dispose();
        await node?.dispose();
        await cluster?.dispose();
        await engine?.dispose();
    });

    it("`pulumi up` completes with every container started by the node's containerd, Ready under `restricted`, every Job complete, and nothing left to change", async () => {
        const started = Date.now();
        await project.up();
        console.log(`pulumi up of prod on the node: ${Math.round((Date.now() - started) / 1000)} s`);
        const ns = await cluster.getJson<{ metadata: { labels: Record<string, string> } }>(["namespace", NAMESPACE]);
        expect(ns.metadata.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
        const all = await pods();
        // A Job may retry in a new pod (a task's first connection can race the NetworkPolicy): its pods are judged by the Job below.
        const longRunning = all.filter((p) => !p.metadata.ownerReferences?.some((o) => o.kind === "Job"));
        expect(longRunning.map((p) => p.metadata.labels?.["app.kubernetes.io/name"]).sort()).toEqual(
            expect.arrayContaining(["backend", "backend", "minio", "postgres", "redis", "workers", "workers"]),
        );
        const [a, b, c] = NODE_NETWORK.podCidr.split(".");
        for (const p of all) {
            expect(p.spec.nodeName, p.metadata.name).toBe(NODE_NETWORK.name);
            expect(p.status.podIP, p.metadata.name).toMatch(new RegExp(`^${a}\\.${b}\\.${c}\\.\\d+$`));
            for (const s of p.status.containerStatuses ?? []) expect(s.containerID, `${p.metadata.name}/${s.name}`).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
        }
        for (const p of longRunning) {
            expect(p.status.phase, p.metadata.name).toBe("Running");
            for (const s of p.status.containerStatuses ?? []) {
                expect(s.ready, `${p.metadata.name}/${s.name}`).toBe(true);
                expect(s.restartCount, `${p.metadata.name}/${s.name} restarts`).toBe(0);
            }
        }
        const jobs = await cluster.getJson<{ items: { metadata: { name: string }; status: { succeeded?: number } }[] }>(["jobs", "-n", NAMESPACE]);
        expect(jobs.items.length).toBeGreaterThanOrEqual(3);
        for (const j of jobs.items) expect(j.status.succeeded, j.metadata.name).toBe(1);
        const again = await project.preview(["--expect-no-changes"]);
        expect(again.code, again.stdout + again.stderr).toBe(0);
    });

    it("gives the HPA the workers' CPU: metrics-server scrapes the kubelet, the controller manager reads it through the metrics API", async () => {
        type Hpa = {
            status: {
                currentMetrics?: { resource?: { name: string; current: { averageUtilization?: number } } }[];
                conditions?: { type: string; status: string; reason: string; message: string }[];
            };
        };
        const started = Date.now();
        let hpa: Hpa = { status: {} };
        for (;;) {
            hpa = await cluster.getJson<Hpa>(["hpa", "workers", "-n", NAMESPACE]);
            const cpu = hpa.status.currentMetrics?.find((m) => m.resource?.name === "cpu")?.resource?.current.averageUtilization;
            if (cpu !== undefined) break;
            if (Date.now() - started > 180_000) throw new Error(`the HPA has no CPU reading: ${JSON.stringify(hpa.status.conditions)}\n${node.logs()}`);
            await sleep(3000);
        }
        console.log(`the HPA read the workers' CPU after ${Math.round((Date.now() - started) / 1000)} s`);
        expect(hpa.status.conditions?.find((c) => c.type === "ScalingActive")).toMatchObject({ status: "True", reason: "ValidMetricFound" });
        const metrics = JSON.parse(await cluster.ok(["get", "--raw", `/apis/metrics.k8s.io/v1beta1/namespaces/${NAMESPACE}/pods`])) as {
            items: { metadata: { name: string }; containers: { usage: { cpu: string; memory: string } }[] }[];
        };
        const workers = metrics.items.filter((i) => i.metadata.name.startsWith("workers-"));
        expect(workers.length).toBe(2);
        for (const w of workers) expect(w.containers[0].usage.memory).toMatch(/^\d+Ki$/);
    });

    it("serves through the Service names: the backend answers a worker as its own database role and Redis user, at the migrated revision", async () => {
        const who = await fromWorker("GET", `${backend}/whoami`);
        expect(who.status).toBe(200);
        const me = who.json as { database_user: string; redis_user: string; revision: string; uid: number };
        expect(me.database_user).toBe("quorvex_app");
        expect(me.redis_user).toBe("backend");
        expect(me.revision).toBe("0001");
        expect(me.uid).not.toBe(0);
        // The app role may not do what the owner role does.
        const ddl = await fromWorker("POST", `${backend}/sql`, "CREATE TABLE intruder (id int)");
        expect(ddl.json).toMatchObject({ ok: false });
    });

    it("runs a browser job end to end: the backend queues it, a worker takes it and stores its report in MinIO, the backend reads it back", async () => {
        const queued = await fromWorker("POST", `${backend}/jobs`, '{"seconds": 0}');
        expect(queued.status).toBe(202);
        const id = (queued.json as { id: string }).id;
        let report: { status: number; json: unknown } = { status: 0, json: null };
        for (let i = 0; i < 30 && report.status !== 200; i++) {
            report = await fromWorker("GET", `${backend}/jobs/${id}`);
            if (report.status !== 200) await sleep(1000);
        }
        expect(report.status).toBe(200);
        const workers = (await pods("app.kubernetes.io/name=workers")).map((p) => p.metadata.name);
        const r = report.json as { job: string; worker: string; uid: number; shm_bytes: number };
        expect(r.job).toBe(id);
        expect(workers).toContain(r.worker);
        expect(r.uid).not.toBe(0);
        // The shared-memory volume the workers mount at /dev/shm is the size the stack gives it.
        expect(r.shm_bytes).toBe(1024 ** 3);
    });

    it("keeps its data when a pod dies: a row in Postgres and an object in MinIO survive their pods' deletion", async () => {
        const value = `kept-${Date.now()}`;
        expect((await fromWorker("POST", `${backend}/items`, value)).status).toBe(201);
        const queued = await fromWorker("POST", `${backend}/jobs`, "{}");
        const id = (queued.json as { id: string }).id;
        for (let i = 0; i < 30 && (await fromWorker("GET", `${backend}/jobs/${id}`)).status !== 200; i++) await sleep(1000);
        await cluster.ok(["delete", "pod", "-n", NAMESPACE, "postgres-0", "minio-0", "--wait=true", "--timeout=120s"]);
        await waitReady("app.kubernetes.io/name=postgres", 1);
        await waitReady("app.kubernetes.io/name=minio", 1);
        await waitReady("app.kubernetes.io/name=backend", 2);
        // Ready is not yet reachable from everywhere: kube-proxy moves the Service to the new pod's address, and
        // kube-router admits that address, a moment later (runs read a 500 from the backend then).
        const items = await eventually("the row read back from the new Postgres pod", 60, async () => {
            const r = await fromWorker("GET", `${backend}/items`);
            return r.status === 200 ? (r.json as { value: string }[]) : null;
        });
        expect(items.map((i) => i.value)).toContain(value);
        const report = await eventually("the report read back from the new MinIO pod", 30, async () => {
            const r = await fromWorker("GET", `${backend}/jobs/${id}`);
            return r.status === 200 ? r : null;
        });
        expect(report.json).toMatchObject({ job: id });
    });

    it("comes back with its data after a power cut: every container, containerd and the kubelet killed at once, the runtime state lost", async () => {
        const value = `survives-restart-${Date.now()}`;
        expect((await fromWorker("POST", `${backend}/items`, value)).status).toBe(201);
        const containerIds = async () =>
            new Set((await pods()).flatMap((p) => (p.status.containerStatuses ?? []).map((c) => c.containerID).filter((id): id is string => !!id)));
        const before = await containerIds();
        await node.restart();
        // Every long-running pod Ready again, each with containers the restarted node started.
        const started = Date.now();
        for (;;) {
            const running = (await pods()).filter((p) => p.status.phase !== "Succeeded" && p.status.phase !== "Failed");
            const fresh = running.every(
                (p) => condition(p, "Ready") === "True" && (p.status.containerStatuses ?? []).every((c) => c.containerID && !before.has(c.containerID)),
            );
            if (fresh && running.length >= 7) break;
            if (Date.now() - started > 240_000)
                throw new Error(`pods not back after the restart:\n${JSON.stringify(running.map((p) => [p.metadata.name, p.status.phase]))}\n${node.logs()}`);
            await sleep(2000);
        }
        console.log(`node restart: every pod Ready again in ${Math.round((Date.now() - started) / 1000)} s`);
        const items = await fromWorker("GET", `${backend}/items`);
        expect((items.json as { value: string }[]).map((i) => i.value)).toContain(value);
        expect((await fromWorker("GET", `${backend}/whoami`)).json).toMatchObject({ database_user: "quorvex_app" });
    });

    it("enforces the NetworkPolicies (kube-router): a pod elsewhere in the cluster reaches none of the platform's services, a worker reaches Redis, MinIO and the backend but not Postgres", async () => {
        await cluster.apply([
            {
                apiVersion: "v1",
                kind: "Pod",
                metadata: { name: "engine-probe", namespace: "default", labels: { app: "engine-probe" } },
                spec: {
                    containers: [{ name: "probe", image: "ghcr.io/quorvex/quorvex-browser-worker:1.0.0", command: ["sleep", "infinity"] }],
                    terminationGracePeriodSeconds: 0,
                },
            },
        ]);
        await cluster.ok(["wait", "--for=condition=Ready", "pod/engine-probe", "-n", "default", "--timeout=60s"]);
        const targets = [svc("postgres", 5432), svc("redis", 6379), svc("minio", 9000), svc("backend", 8000)];
        const dns = "kube-dns.kube-system.svc.cluster.local:53";
        const probe = await node.exec("default", "engine-probe", "probe", ["python3", "-c", CONNECT, dns, ...targets]);
        const seen = JSON.parse(probe.stdout) as Record<string, string>;
        // The probe's own traffic is free (no policy in its namespace): the cluster DNS answers it by name.
        expect(seen[dns]).toBe("open");
        for (const t of targets) expect(seen[t], t).toMatch(/^blocked/);
        const worker = await running("app.kubernetes.io/name=workers");
        const fromWorker = await node.exec(NAMESPACE, worker.metadata.name, worker.spec.containers[0].name, ["python3", "-c", CONNECT, ...targets]);
        expect(JSON.parse(fromWorker.stdout)).toEqual({
            [svc("postgres", 5432)]: expect.stringMatching(/^blocked/),
            [svc("redis", 6379)]: "open",
            [svc("minio", 9000)]: "open",
            [svc("backend", 8000)]: "open",
        });
        await cluster.ok(["delete", "pod", "engine-probe", "-n", "default", "--wait=false"]);
    });

    it("is scraped by the configured Prometheus alone (exporters, monitoring): its pods read each exporter's metrics through the NetworkPolicies, from the live services as their own users; a pod elsewhere is refused", async () => {
        configure("exporters.enabled=true", "kubernetes.monitoring.enabled=true");
        await project.up();
        await waitReady("app.kubernetes.io/name=redis-exporter", 1);
        await waitReady("app.kubernetes.io/name=postgres-exporter", 1);
        // A Prometheus as kube-prometheus-stack runs it (its namespace and pod label), and the same pod without that label.
        const scraper = (name: string, labels: Record<string, string>) => ({
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name, namespace: "monitoring", labels },
            spec: {
                containers: [{ name: "probe", image: "ghcr.io/quorvex/quorvex-browser-worker:1.0.0", command: ["sleep", "infinity"] }],
                terminationGracePeriodSeconds: 0,
            },
        });
        await cluster.apply([
            { apiVersion: "v1", kind: "Namespace", metadata: { name: "monitoring" } },
            scraper("prometheus", { "app.kubernetes.io/name": "prometheus" }),
            scraper("intruder", { app: "intruder" }),
        ]);
        await cluster.ok(["wait", "--for=condition=Ready", "pod/prometheus", "pod/intruder", "-n", "monitoring", "--timeout=60s"]);
        const scrape = async (pod: string, target: string) =>
            (await node.exec("monitoring", pod, "probe", ["python3", "-c", SCRAPE, `http://${target}/metrics`])).stdout;
        // The new pods' policies take kube-router up to its sync period (30 s): until then the
        // scrape is refused, or the exporter cannot reach its service yet (`redis_up 0`).
        const scraped = (target: string, up: RegExp) =>
            eventually(`${target} scraped, its service up`, 90, async () => {
                const out = await scrape("prometheus", target);
                return up.test(out) ? out : null;
            });
        const redis = await scraped(svc("redis-exporter", 9121), /^redis_up 1$/m);
        expect(redis).toMatch(/^redis_key_size\{db="db0",key="browser-jobs"\} \d+$/m);
        expect(redis).toMatch(/^redis_memory_max_bytes [1-9]/m);
        const postgres = await scraped(svc("postgres-exporter", 9187), /^pg_up 1$/m);
        expect(postgres).toMatch(/^pg_database_size_bytes\{datname="quorvex"[^}]*\} \d/m);
        for (const target of [svc("redis-exporter", 9121), svc("postgres-exporter", 9187)])
            expect(await scrape("intruder", target), target).toMatch(/^blocked/);
        // Nothing else of the platform opens to the Prometheus pods.
        const other = await node.exec("monitoring", "prometheus", "probe", ["python3", "-c", CONNECT, svc("redis", 6379), svc("postgres", 5432)]);
        for (const state of Object.values(JSON.parse(other.stdout) as Record<string, string>)) expect(state).toMatch(/^blocked/);
        await cluster.ok(["delete", "namespace", "monitoring", "--wait=false"]);
        configure("exporters.enabled=false", "kubernetes.monitoring.enabled=false");
        await project.up();
        await eventually("the exporters' pods gone", 60, async () => ((await pods("app.kubernetes.io/component=monitoring")).length ? null : true));
    });

    it("backs up on demand: a Job made from the backup CronJob dumps the database and uploads it to MinIO under the NetworkPolicies", async () => {
        await cluster.ok(["create", "job", "-n", NAMESPACE, "--from=cronjob/postgres-backup", "backup-by-hand"]);
        const done = await cluster.kubectl(["wait", "-n", NAMESPACE, "--for=condition=Complete", "job/backup-by-hand", "--timeout=180s"]);
        expect(done.code, `${done.stdout}${done.stderr}\n${node.logs()}`).toBe(0);
        const pod = (await pods("job-name=backup-by-hand")).find((p) => p.status.phase === "Succeeded")!;
        const statuses = await cluster.getJson<{
            status: {
                initContainerStatuses: { name: string; state: { terminated?: { exitCode: number } } }[];
                containerStatuses: { name: string; state: { terminated?: { exitCode: number } } }[];
            };
        }>(["pod", pod.metadata.name, "-n", NAMESPACE]);
        const exits = [...statuses.status.initContainerStatuses, ...statuses.status.containerStatuses].map((c) => [c.name, c.state.terminated?.exitCode]);
        expect(exits).toEqual([
            ["dump", 0],
            ["upload", 0],
        ]);
    });

    it("restores that backup as docs/operations.md says, its commands' scripts run in the pods as written: what was written after the dump is gone, the rest is back", async () => {
        // The procedure's `kubectl exec POD -- sh -c '...'` scripts, as the docs give them.
        const ops = fs.readFileSync(path.join(ROOT, "docs", "operations.md"), "utf8");
        const scripts = [...ops.matchAll(/exec (?:-i )?(minio-0|postgres-0) -- sh -c '([^']+)'/g)].map((m) => ({ pod: m[1], script: m[2] }));
        const list = scripts.find((s) => s.pod === "minio-0" && s.script.includes("mc ls"));
        const download = scripts.find((s) => s.pod === "minio-0" && s.script.includes("mc cat"));
        const load = scripts.find((s) => s.pod === "postgres-0" && s.script.includes("pg_restore"));
        expect([list, download, load].every(Boolean), "the restore procedure's three scripts").toBe(true);
        const before = (await fromWorker("GET", `${backend}/items`)).json as { value: string }[];
        expect((await fromWorker("POST", `${backend}/items`, "written after the dump")).status).toBe(201);

        // Step 1: the dumps there are.
        const listed = await node.exec(NAMESPACE, "minio-0", "minio", ["sh", "-c", list!.script]);
        expect(listed.code, listed.stderr).toBe(0);
        const stamp = [...listed.stdout.matchAll(/(\d{8}T\d{6}Z)\.dump/g)]
            .map((m) => m[1])
            .sort()
            .pop();
        expect(stamp, listed.stdout).toBeDefined();
        // Step 3: stop the writers, stream the dump from MinIO into pg_restore, start them again.
        await cluster.ok(["scale", "deploy/backend", "deploy/workers", "--replicas", "0", "-n", NAMESPACE]);
        await cluster.ok(["wait", "--for=delete", "pod", "-l", "app.kubernetes.io/name in (backend,workers)", "-n", NAMESPACE, "--timeout=180s"]);
        const dump = await node.execBytes(
            { namespace: NAMESPACE, pod: "minio-0", container: "minio" },
            ["sh", "-c", download!.script.replace("<stamp>", stamp!)],
            {
                seconds: 120,
            },
        );
        expect({ code: dump.code, stderr: dump.stderr }, "mc cat").toEqual({ code: 0, stderr: "" });
        expect(dump.stdout.subarray(0, 5).toString(), "a custom-format dump").toBe("PGDMP");
        const restored = await node.execBytes({ namespace: NAMESPACE, pod: "postgres-0", container: "postgres" }, ["sh", "-c", load!.script], {
            input: dump.stdout,
            seconds: 120,
        });
        expect({ code: restored.code, stderr: restored.stderr }, "pg_restore").toEqual({ code: 0, stderr: "" });
        await cluster.ok(["scale", "deploy/workers", "--replicas", "2", "-n", NAMESPACE]);
        await project.up(["--refresh"]);
        await waitReady("app.kubernetes.io/name=backend", 2);
        await waitReady("app.kubernetes.io/name=workers", 2);
        const after = (await fromWorker("GET", `${backend}/items`)).json as { value: string }[];
        expect(after.map((i) => i.value)).toEqual(before.map((i) => i.value));
    });

    it("rolls the backend to a new image with no failed request from a client polling its Service all along", async () => {
        const worker = await running("app.kubernetes.io/name=workers");
        // A client inside the cluster (in a worker's container), asking the backend by its Service name every 100 ms for 70 s.
        const poll = [
            "import sys, time, urllib.request",
            "end = time.time() + float(sys.argv[2])",
            "while time.time() < end:",
            "    try:",
            "        print(urllib.request.urlopen(sys.argv[1], timeout=5).status, flush=True)",
            "    except Exception as e:",
            "        print('failed', type(e).__name__, e, flush=True)",
            "    time.sleep(0.1)",
        ].join("\n");
        const client = node.exec(NAMESPACE, worker.metadata.name, worker.spec.containers[0].name, ["python3", "-c", poll, `${backend}/health/ready`, "70"]);
        await sleep(3000);
        const before = (await pods("app.kubernetes.io/name=backend")).map((p) => p.metadata.name);
        configure("images.backend=ghcr.io/quorvex/quorvex-backend-slim:1.1.0");
        await project.up();
        const answers = (await client).stdout.trim().split("\n");
        const after = await waitReady("app.kubernetes.io/name=backend", 2);
        expect(after.map((p) => p.metadata.name).some((n) => before.includes(n))).toBe(false);
        const failed = answers.filter((a) => a !== "200");
        console.log(`rollout: ${answers.length} requests, ${failed.length} failed`);
        expect(answers.length).toBeGreaterThan(200);
        expect(failed).toEqual([]);
        expect((await fromWorker("GET", `${backend}/whoami`)).json).toMatchObject({ revision: "0002" });
    });

    it("asks a stopping worker to finish its job first: its preStop `GET /drain` comes before SIGTERM, and the job in hand completes", async () => {
        // Both workers busy for 12 s; one is deleted (a finalizer of the test's keeps its final status to read).
        const ids = await queueJobs(2, 12);
        await sleep(3000);
        const [worker] = await pods("app.kubernetes.io/name=workers");
        const name = worker.metadata.name;
        await cluster.ok(["patch", "pod", name, "-n", NAMESPACE, "--type=merge", "-p", JSON.stringify({ metadata: { finalizers: ["quorvex.test/keep"] } })]);
        try {
            await cluster.ok(["delete", "pod", name, "-n", NAMESPACE, "--wait=false"]);
            const words = await eventually("the stopped worker's termination message", 120, async () => {
                const p = await cluster.getJson<{ status: { containerStatuses?: { state: { terminated?: { message?: string; exitCode: number } } }[] } }>([
                    "pod",
                    name,
                    "-n",
                    NAMESPACE,
                ]);
                const done = p.status.containerStatuses?.[0]?.state.terminated;
                return done ? done : null;
            });
            const events = (words.message ?? "").split("\n");
            console.log(`a stopping worker: ${events.join(", ")} (exit ${words.exitCode})`);
            expect(events[0], "the preStop hook's /drain, before any SIGTERM").toBe("drain");
            expect(
                events.some((e) => /^job \S+ done$/.test(e) && ids.includes(e.split(" ")[1])),
                "its job done before it stopped",
            ).toBe(true);
            expect(words.exitCode).toBe(0);
        } finally {
            await cluster.ok(["patch", "pod", name, "-n", NAMESPACE, "--type=merge", "-p", JSON.stringify({ metadata: { finalizers: null } })]);
        }
        for (const id of ids) expect((await fromWorker("GET", `${backend}/jobs/${id}`)).status).toBe(200);
    });

    /** Queues `count` jobs of `seconds` each through the backend, from inside its own pod (one request after the other); their ids. */
    /** Queues `count` jobs of `seconds` each through the backend: the default pool's, or a named pool's (`/pools/<pool>/jobs`). */
    const queueJobs = async (count: number, seconds: number, pool?: string): Promise<string[]> => {
        const pod = await running("app.kubernetes.io/name=backend");
        const script = [
            "import json, sys, urllib.request",
            "ids = []",
            "for _ in range(int(sys.argv[1])):",
            "    req = urllib.request.Request('http://127.0.0.1:8000' + sys.argv[3], data=json.dumps({'seconds': float(sys.argv[2])}).encode(), method='POST')",
            "    ids.append(json.loads(urllib.request.urlopen(req, timeout=10).read())['id'])",
            "print(json.dumps(ids))",
        ].join("\n");
        const path = pool ? `/pools/${pool}/jobs` : "/jobs";
        const r = await node.exec(NAMESPACE, pod.metadata.name, pod.spec.containers[0].name, ["python3", "-c", script, String(count), String(seconds), path]);
        if (r.code !== 0) throw new Error(`queueing jobs failed (exit ${r.code}): ${r.stderr}`);
        return JSON.parse(r.stdout) as string[];
    };
    it.skipIf(noKeda !== null)(
        "scales the workers on the queue with the real KEDA operator, which reads the list's length as the `scaler` Redis user through the stack's TriggerAuthentication",
        async () => {
            const started = Date.now();
            await installKeda(cluster, node, bin!);
            console.log(`KEDA installed and its external metrics API available in ${Math.round((Date.now() - started) / 1000)} s`);
            configure("workers.autoscaler=keda");
            await project.up();
            type Scaled = { metadata: { name: string }; status?: { conditions?: { type: string; status: string; message?: string }[] } };
            // The operator took the ScaledObject (its scalers built, the Redis one authenticated) and made the pool's HPA.
            await eventually("the ScaledObject Ready", 180, async () => {
                const so = await cluster.getJson<Scaled>(["scaledobject", "workers", "-n", NAMESPACE]);
                return condition(so, "Ready") === "True" ? so : null;
            });
            type Hpa = {
                metadata: { name: string; ownerReferences?: { kind: string; name: string }[] };
                spec: { minReplicas: number; maxReplicas: number };
                status: { currentMetrics?: { type: string; external?: { metric: { name: string }; current: { averageValue?: string } } }[] };
            };
            const hpas = await cluster.getJson<{ items: Hpa[] }>(["hpa", "-n", NAMESPACE]);
            expect(hpas.items.map((h) => h.metadata.name)).toEqual(["keda-hpa-workers"]);
            expect(hpas.items[0].metadata.ownerReferences).toEqual([expect.objectContaining({ kind: "ScaledObject", name: "workers" })]);
            expect(hpas.items[0].spec).toMatchObject({ minReplicas: 2, maxReplicas: 20 });

            // More slow jobs than the two workers hold: the queue stays long, 5 jobs per replica asks for more.
            const queuedAt = Date.now();
            const ids = await queueJobs(24, 20);
            const seen = await eventually("the HPA reading the queue and scaling the pool up", 240, async () => {
                const hpa = await cluster.getJson<Hpa>(["hpa", "keda-hpa-workers", "-n", NAMESPACE]);
                const queue = hpa.status.currentMetrics?.find((m) => m.type === "External")?.external;
                const replicas = (await cluster.getJson<{ spec: { replicas: number } }>(["deployment", "workers", "-n", NAMESPACE])).spec.replicas;
                return queue && replicas > 2 ? { queue, replicas } : null;
            });
            console.log(
                `KEDA: ${seen.queue.metric.name} at ${seen.queue.current.averageValue} per replica, the pool at ${seen.replicas} replicas, ${Math.round((Date.now() - queuedAt) / 1000)} s after queueing`,
            );
            expect(seen.queue.metric.name).toMatch(/redis-browser-jobs$/);
            expect(parseFloat(seen.queue.current.averageValue ?? "0")).toBeGreaterThan(0);
            // The new workers take jobs too: every job done, by more than the first two workers.
            const workersDone = await eventually("every queued job done", 300, async () => {
                const reports = await Promise.all(ids.map((id) => fromWorker("GET", `${backend}/jobs/${id}`)));
                return reports.every((r) => r.status === 200) ? new Set(reports.map((r) => (r.json as { worker: string }).worker)) : null;
            });
            expect(workersDone.size).toBeGreaterThan(2);
        },
    );

    it.skipIf(noKeda !== null)(
        "scales a second pool on its own list apart from the first: its jobs take it up from its minimum, and only its workers run them",
        async () => {
            const pool = ["workers.pools.firefox.autoscaler=keda", "workers.pools.firefox.min=1", "workers.pools.firefox.max=4"];
            configure(...pool);
            await project.up();
            await eventually("the second pool's ScaledObject Ready", 180, async () => {
                const so = await cluster.getJson<{ status?: { conditions?: { type: string; status: string }[] } }>([
                    "scaledobject",
                    "workers-firefox",
                    "-n",
                    NAMESPACE,
                ]);
                return condition(so, "Ready") === "True" ? so : null;
            });
            await waitReady("app.kubernetes.io/name=workers-firefox", 1);
            const queuedAt = Date.now();
            const ids = await queueJobs(12, 10, "firefox");
            const replicas = await eventually("the second pool scaled on its own list", 240, async () => {
                const n = (await cluster.getJson<{ spec: { replicas: number } }>(["deployment", "workers-firefox", "-n", NAMESPACE])).spec.replicas;
                return n > 1 ? n : null;
            });
            console.log(`KEDA: the second pool at ${replicas} replicas, ${Math.round((Date.now() - queuedAt) / 1000)} s after queueing 12 jobs on its list`);
            const done = await eventually("every job of the second pool done", 300, async () => {
                const reports = await Promise.all(ids.map((id) => fromWorker("GET", `${backend}/jobs/${id}`)));
                return reports.every((r) => r.status === 200) ? reports.map((r) => (r.json as { worker: string }).worker) : null;
            });
            // Its pods (workers-firefox-<hash>-<id>), some perhaps gone again by now; none of the first pool's.
            expect(done.filter((w) => !w.startsWith("workers-firefox-"))).toEqual([]);
            for (const s of pool) settings.delete(s.slice(0, s.indexOf("=")));
            project.writeConfig([...settings.values()]);
            await project.up();
            expect(await cluster.ok(["get", "scaledobject,deployment", "-n", NAMESPACE, "-o", "name"])).not.toMatch(/firefox/);
        },
    );

    it.skipIf(noKeda !== null)(
        "runs each queued job as a task Job that the real KEDA operator starts in the tasks namespace, past its quota and admission policy",
        async () => {
            // The pool steps aside (no replicas): only KEDA's task Jobs take from the queue.
            configure("tasks.enabled=true", "tasks.resources.cpu.request=100m", "workers.autoscaler=keda-job", "workers.min=0", "workers.replicas=0");
            await project.up();
            // KEDA's HPA can outlive its ScaledObject for a moment (the engine deletes the ScaledObject after it
            // updates the pool, and KEDA the HPA after that) and set the pool back to its minimum once more; once
            // the HPA is gone, the next `up` takes the count back.
            await eventually("KEDA's HPA gone", 120, async () =>
                (await cluster.ok(["get", "hpa", "-n", NAMESPACE, "-o", "name"])).trim() === "" ? true : null,
            );
            await project.up();
            const so = await eventually("the ScaledJob Ready", 180, async () => {
                const sj = await cluster.getJson<{ status?: { conditions?: { type: string; status: string }[] } }>(["scaledjob", "browser-tasks", "-n", TASKS]);
                return condition(sj, "Ready") === "True" ? sj : null;
            });
            expect(so).toBeTruthy();
            // The pool's last workers leave first (each drains): from then on only KEDA's Jobs take from the queue.
            await eventually("the pool's workers gone", 180, async () => ((await pods("app.kubernetes.io/name=workers")).length === 0 ? true : null));
            const ids = await queueJobs(3, 0);
            const done = await eventually("every queued job done by a task", 240, async () => {
                const reports = await Promise.all(ids.map((id) => fromPod("app.kubernetes.io/name=backend", "GET", `http://127.0.0.1:8000/jobs/${id}`)));
                return reports.every((r) => r.status === 200) ? reports.map((r) => r.json as { worker: string; uid: number; shm_bytes: number }) : null;
            });
            const jobs = await cluster.getJson<{ items: { metadata: { name: string; labels: Record<string, string> } }[] }>(["jobs", "-n", TASKS]);
            expect(jobs.items.length).toBeGreaterThanOrEqual(ids.length);
            for (const j of jobs.items) expect(j.metadata.labels).toMatchObject({ "scaledjob.keda.sh/name": "browser-tasks" });
            for (const r of done) {
                expect(r.worker).toMatch(/^browser-tasks-/);
                expect(r.uid).not.toBe(0);
                expect(r.shm_bytes).toBe(1024 ** 3);
            }
        },
    );
});
