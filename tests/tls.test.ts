/** TLS certificates given in config (`provided`): served on both targets, the key kept secret everywhere. */
import * as fs from "fs";
import { describe, expect, it } from "vitest";
import { selfSigned } from "./certs";
import { resolveConfig } from "../config/load";
import { redact } from "../tools/harness";
import { DEV, envOf, inputs, merge, one, PROD_INGRESS, stack, T } from "./helpers";
import { tempFolders } from "./temp";

function pem(): { certificate: string; key: string } {
    const { cert, key } = selfSigned(tmp("quorvex-tls-"));
    return { certificate: fs.readFileSync(cert, "utf8"), key: fs.readFileSync(key, "utf8") };
}

const tmp = tempFolders();

describe("ingress.tls.mode = provided", () => {
    const given = pem();
    const tls = { mode: "provided", ...given };

    it("hands the certificate to the Docker proxy, with the key as a secret", async () => {
        const run = await stack("dev", merge(DEV, { ingress: { tls } }));
        const proxy = one(run, T.container, "ingress");
        expect(envOf(proxy).TLS_CERT).toBe(given.certificate);
        expect(JSON.stringify(redact(proxy.inputs))).not.toContain(given.key.split("\n")[1]);
        expect(run.resources.some((r) => r.type.startsWith("tls:"))).toBe(false);
    });

    it("creates a kubernetes.io/tls Secret on Kubernetes, referenced by the Ingress", async () => {
        const run = await stack("prod", merge(PROD_INGRESS, { ingress: { tls: { ...tls, clusterIssuer: null } } }));
        const secret = one(run, T.secret, "ingress-tls");
        expect(inputs(secret).type).toBe("kubernetes.io/tls");
        expect(inputs(secret).stringData["tls.crt"]).toBe(given.certificate);
        expect(JSON.stringify(redact(secret.inputs))).not.toContain(given.key.split("\n")[1]);
        expect(inputs(one(run, T.ingress, "ingress")).spec.tls).toEqual([{ hosts: ["quorvex.example.com"], secretName: "ingress-tls" }]);
        expect(inputs(one(run, T.ingress, "ingress")).metadata.annotations["cert-manager.io/cluster-issuer"]).toBeUndefined();
    });

    it("requires both halves and never echoes the key in an error", () => {
        expect(() => resolveConfig({ ingress: { tls: { mode: "provided", certificate: given.certificate } } })).toThrow(
            /quorvex:ingress.tls.key = null: is required/,
        );
        try {
            resolveConfig({ ingress: { tls: { mode: "provided", certificate: given.certificate, key: "not a key but a secret" } } });
            expect.unreachable();
        } catch (err) {
            expect((err as Error).message).toContain('quorvex:ingress.tls.key = "[secret]": must be a PEM private key');
            expect((err as Error).message).not.toContain("not a key but a secret");
        }
    });
});
