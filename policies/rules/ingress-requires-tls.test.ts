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

    const HTTP_ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";
    const route = (name: string, parentRefs: Json[], rules: Json[] = [{ backendRefs: [{ name: "backend", port: 8000 }] }]): Fixture => ({
        type: HTTP_ROUTE,
        name,
        inputs: { metadata: { name, namespace: "qa" }, spec: { parentRefs, hostnames: ["q.example.com"], rules } },
    });
    const gateway = (listeners: Json[]): Fixture => ({
        type: "kubernetes:gateway.networking.k8s.io/v1:Gateway",
        name: "gw",
        inputs: { metadata: { name: "quorvex", namespace: "qa" }, spec: { gatewayClassName: "eg", listeners } },
    });
    const https = { name: "https", protocol: "HTTPS", port: 443, tls: { certificateRefs: [{ name: "ingress-tls" }] } };
    const http = { name: "http", protocol: "HTTP", port: 80 };
    const redirect = [{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] }];
    const messages = async (...fixtures: Fixture[]) => (await violations("ingress-requires-tls", fixtures)).map((v) => v.message);

    it("passes an HTTPRoute on a Gateway's HTTPS listener, and the route that only redirects on its HTTP one", async () => {
        expect(
            await messages(
                gateway([https, http]),
                route("ingress", [{ name: "quorvex", sectionName: "https" }]),
                route("ingress-redirect", [{ name: "quorvex", sectionName: "http" }], redirect),
            ),
        ).toEqual([]);
    });

    it("flags an HTTPRoute served by a plain HTTP listener, or by every listener of a Gateway that has one", async () => {
        expect(await messages(gateway([https, http]), route("ingress", [{ name: "quorvex", sectionName: "http" }]))).toEqual([
            "HTTPRoute `ingress`: host `q.example.com` is served by listener `http` of Gateway `qa/quorvex` (`spec.parentRefs[0]`), which is HTTP without a certificate",
        ]);
        expect(await messages(gateway([https, http]), route("ingress", [{ name: "quorvex" }]))).toHaveLength(1);
        expect(await messages(gateway([{ ...https, tls: { certificateRefs: [] } }]), route("ingress", [{ name: "quorvex" }]))).toHaveLength(1);
    });

    it("requires a listener for a Gateway outside the stack, whose protocol the program checks live", async () => {
        expect(await messages(route("ingress", [{ name: "public", namespace: "gateway-system", sectionName: "https" }]))).toEqual([]);
        expect(await messages(route("ingress", [{ name: "public", namespace: "gateway-system" }]))).toEqual([
            "HTTPRoute `ingress`: host `q.example.com` attaches to every listener of Gateway `gateway-system/public` (`spec.parentRefs[0]`), plain HTTP ones included; name its HTTPS listener in `sectionName`",
        ]);
        expect(
            await violations("ingress-requires-tls", route("ingress", [{ name: "public" }]), { "ingress-requires-tls": { exemptHosts: ["q.example.com"] } }),
        ).toEqual([]);
    });
});
