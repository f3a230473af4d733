/** `ingress-requires-tls`: the compliant fixtures pass; each test breaks one field. */
import { describe, expect, it } from "vitest";
import { violations, type Fixture, type Json } from "./fixtures";

describe("ingress-requires-tls", () => {
    const ingress = (tls: Json[] | undefined): Fixture => ({
        type: "kubernetes:networking.k8s.io/v1:Ingress",
        name: "ing",
        inputs: { metadata: { name: "ing" }, spec: { rules: [{ host: "q.example.com" }], tls } },
    });

    it("passes an Ingress whose hosts all have TLS, and flags one that does not", async () => {
        expect(await violations("ingress-requires-tls", ingress([{ hosts: ["q.example.com"], secretName: "t" }]))).toEqual([]);
        expect((await violations("ingress-requires-tls", ingress(undefined)))[0].message).toBe(
            "Ingress `ing`: host `q.example.com` (`spec.rules[0].host`) has no TLS entry in `spec.tls`",
        );
        expect(await violations("ingress-requires-tls", ingress(undefined), { "ingress-requires-tls": { exemptHosts: ["q.example.com"] } })).toEqual([]);
    });
});
