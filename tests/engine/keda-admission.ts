/**
 * KEDA's admission rule, played on the engine tier's control plane: a
 * validating webhook (an HTTPS server in the test process, on 127.0.0.1)
 * that refuses a ScaledObject whose target another HorizontalPodAutoscaler
 * already scales, as KEDA's own webhook does ("the workload ... is already
 * managed by the hpa ..."). The HPA KEDA creates for a ScaledObject (owned by
 * it) does not count.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as https from "https";
import type { AddressInfo } from "net";
import * as path from "path";

export interface Hpa {
    metadata: { name: string; ownerReferences?: { kind: string; name: string }[] };
    spec: { scaleTargetRef: { kind: string; name: string } };
}

interface ScaledObject {
    metadata: { name: string; namespace: string };
    spec: { scaleTargetRef: { kind?: string; name: string } };
}

export class KedaAdmission {
    private constructor(
        private readonly server: https.Server,
        readonly caPem: string,
    ) {}

    /** Starts the webhook server; `listHpas(namespace)` reads the cluster (kubectl, as the admin). */
    static async start(dir: string, listHpas: (namespace: string) => Hpa[]): Promise<KedaAdmission> {
        const key = path.join(dir, "webhook.key");
        const crt = path.join(dir, "webhook.crt");
        execFileSync(
            "openssl",
            [
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                key,
                "-out",
                crt,
                "-days",
                "1",
                "-subj",
                "/CN=keda-admission",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
            ],
            { stdio: "ignore" },
        );
        const server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(crt) }, (req, res) => {
            const chunks: Buffer[] = [];
            req.on("data", (c: Buffer) => chunks.push(c));
            req.on("end", () => {
                const review = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { request: { uid: string; object: ScaledObject } };
                const refusal = KedaAdmission.refusal(review.request.object, listHpas);
                res.setHeader("Content-Type", "application/json");
                res.end(
                    JSON.stringify({
                        apiVersion: "admission.k8s.io/v1",
                        kind: "AdmissionReview",
                        response: { uid: review.request.uid, allowed: !refusal, ...(refusal ? { status: { code: 403, message: refusal } } : {}) },
                    }),
                );
            });
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        return new KedaAdmission(server, fs.readFileSync(crt, "utf8"));
    }

    /** KEDA's rule: no other HPA may scale the ScaledObject's target. */
    static refusal(so: ScaledObject, listHpas: (namespace: string) => Hpa[]): string | undefined {
        const kind = so.spec.scaleTargetRef.kind ?? "Deployment";
        for (const hpa of listHpas(so.metadata.namespace)) {
            const target = hpa.spec.scaleTargetRef;
            if (target.kind !== kind || target.name !== so.spec.scaleTargetRef.name) continue;
            if (hpa.metadata.ownerReferences?.some((o) => o.kind === "ScaledObject" && o.name === so.metadata.name)) continue;
            return `the workload '${target.name}' of type 'apps/v1.${kind}' is already managed by the hpa '${hpa.metadata.name}'`;
        }
        return undefined;
    }

    /** The ValidatingWebhookConfiguration that sends ScaledObjects here. */
    configuration(): object {
        const { port } = this.server.address() as AddressInfo;
        return {
            apiVersion: "admissionregistration.k8s.io/v1",
            kind: "ValidatingWebhookConfiguration",
            metadata: { name: "engine-keda-admission" },
            webhooks: [
                {
                    name: "vscaledobject.keda.sh",
                    clientConfig: {
                        url: `https://127.0.0.1:${port}/validate-keda-sh-v1alpha1-scaledobject`,
                        caBundle: Buffer.from(this.caPem).toString("base64"),
                    },
                    rules: [{ apiGroups: ["keda.sh"], apiVersions: ["v1alpha1"], operations: ["CREATE", "UPDATE"], resources: ["scaledobjects"] }],
                    admissionReviewVersions: ["v1"],
                    sideEffects: "None",
                    failurePolicy: "Fail",
                    timeoutSeconds: 10,
                },
            ],
        };
    }

    close(): Promise<void> {
        return new Promise((resolve) => this.server.close(() => resolve()));
    }
}
