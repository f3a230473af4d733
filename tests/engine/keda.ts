/**
 * KEDA on the node rung, installed as its release installs it: KEDA's own
 * manifests (the toolchain's `keda.yaml`, read from its module: the CRDs, the
 * namespace, the RBAC, the operator and the metrics API server, their Services
 * and the external metrics APIService), run from images the rung builds of the
 * toolchain's binaries. Two changes, both for this machine: the images are ours
 * (no registry) and the API server reaches the metrics API server through the
 * node's relay (the control plane is outside the node's network namespace), so
 * that Service is an ExternalName one (`Node.exposeToApiServer`). KEDA's
 * admission webhooks are not installed (the rung's cluster plays their rule
 * for ScaledObjects: cluster.ts), so the operator patches no webhook.
 */
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import type { Cluster } from "./cluster";
import type { Node } from "./node";
import { KEDA_IMAGES } from "./standins";

export const KEDA_NAMESPACE = "keda";
const OPERATOR = "keda-operator";
const METRICS_API = "keda-metrics-apiserver";
const METRICS_API_PORT = 6443;
const EXTERNAL_METRICS = "v1beta1.external.metrics.k8s.io";

/** Why the node rung cannot run KEDA here, or null. */
export function kedaMissing(bin: string | null): string | null {
    const needed = ["keda-operator", "keda-adapter", "keda.yaml"];
    if (!bin || needed.some((b) => !fs.existsSync(path.join(bin, b))))
        return 'the toolchain\'s `keda` unit is not on PATH (QUORVEX_TOOLCHAIN_UNITS="keda" npm run toolchain)';
    return null;
}

interface Doc {
    kind: string;
    metadata: { name: string; namespace?: string };
    spec?: {
        template?: { spec: { containers: { name: string; image: string; imagePullPolicy?: string; args?: string[] }[] } };
        service?: { port?: number };
    };
}

/** Installs KEDA and waits until its operator runs and the API server serves its external metrics. */
export async function installKeda(cluster: Cluster, node: Node, bin: string): Promise<void> {
    const docs = parseAllDocuments(fs.readFileSync(path.join(bin, "keda.yaml"), "utf8"))
        .map((d) => d.toJSON() as Doc | null)
        .filter((d): d is Doc => d !== null);
    const ref = (dir: string) => KEDA_IMAGES.find((i) => i.dir === dir)!.ref;
    const images: Record<string, string> = { [OPERATOR]: ref("keda"), [METRICS_API]: ref("keda-metrics-apiserver") };
    for (const d of docs) {
        for (const c of d.kind === "Deployment" ? (d.spec?.template?.spec.containers ?? []) : []) {
            c.image = images[c.name] ?? c.image;
            c.imagePullPolicy = "IfNotPresent";
            // As KEDA's chart runs it without its webhooks: no ValidatingWebhookConfiguration to keep a CA in.
            if (c.name === OPERATOR) c.args = [...(c.args ?? []), "--enable-webhook-patching=false"];
        }
    }
    // KEDA's CRDs take the place of the rung's own minimal ones (cluster.ts): server-side, as they are too large for an annotation.
    const crds = docs.filter((d) => d.kind === "CustomResourceDefinition");
    await cluster.ok(["apply", "--server-side", "--force-conflicts", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: crds }));
    await cluster.ok(["wait", "--for=condition=Established", "--timeout=60s", ...crds.map((d) => `crd/${d.metadata.name}`)]);
    const reachedByApiServer = (d: Doc) => (d.kind === "Service" && d.metadata.name === METRICS_API) || d.kind === "APIService";
    await cluster.apply(docs.filter((d) => d.kind !== "CustomResourceDefinition" && !reachedByApiServer(d)));
    for (const name of [OPERATOR, METRICS_API]) {
        await cluster.ok(["rollout", "status", "-n", KEDA_NAMESPACE, `deployment/${name}`, "--timeout=300s"]);
    }
    const pods = await cluster.getJson<{ items: { status: { podIP?: string } }[] }>(["pods", "-n", KEDA_NAMESPACE, "-l", `app=${METRICS_API}`]);
    const podIP = pods.items[0]?.status.podIP;
    if (!podIP) throw new Error(`${METRICS_API} has no pod address`);
    const port = await node.exposeToApiServer({ host: podIP, port: METRICS_API_PORT }, { name: METRICS_API, namespace: KEDA_NAMESPACE });
    const apiService = docs.find((d) => d.kind === "APIService")!;
    apiService.spec!.service!.port = port;
    await cluster.apply([apiService]);
    await cluster.ok(["wait", "--for=condition=Available", "--timeout=180s", `apiservice/${EXTERNAL_METRICS}`]);
}
