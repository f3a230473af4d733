/**
 * The way into a Kubernetes stack: a Gateway API HTTPRoute on a shared Gateway or on the
 * stack's own, or an Ingress written for a named controller; what lets the traffic in, what
 * the pack says of each, what the outputs name, and the config refused where it cannot work.
 */
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../config/load";
import { evaluate } from "../policies/evaluate";
import { compare } from "../tools/compare";
import { planStack } from "../tools/planner";
import { all, configProblems, inputs, merge, PROD, stack, T, type Json } from "./helpers";

const HTTP_ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";
const GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway";

/** The way in as an Ingress for ingress-nginx with cert-manager: what a stack that sets nothing gets. */
const INGRESS = merge(PROD, {
    ingress: {
        kind: "ingress",
        controller: "ingress-nginx",
        maxBodySize: "512m",
        tls: { mode: "certManager", clusterIssuer: "letsencrypt-prod" },
        gateway: { name: null, namespace: null, sectionName: null, dataPlaneNamespace: null },
    },
});
/** A route on the cluster admins' Gateway, whose HTTPS listener holds the certificate. */
const SHARED = merge(INGRESS, {
    ingress: {
        kind: "gateway",
        maxBodySize: null,
        tls: { mode: "gateway", clusterIssuer: null },
        gateway: { name: "public", namespace: "gateway-system", sectionName: "https", dataPlaneNamespace: "gateway-system" },
    },
});
/** A Gateway of the stack's own, its certificate from cert-manager. */
const OWN = merge(INGRESS, {
    ingress: {
        kind: "gateway",
        maxBodySize: null,
        gateway: { className: "eg", dataPlaneNamespace: "envoy-gateway-system", dataPlanePodLabels: ["gateway.envoyproxy.io/owning-gateway-name=quorvex"] },
    },
});

const packViolations = async (config: Json) => (await evaluate((await stack("prod", config)).resources)).map((v) => `${v.policy}: ${v.message}`);
const named = (run: Awaited<ReturnType<typeof stack>>, type: string) => Object.fromEntries(all(run, type).map((r) => [inputs(r).metadata.name, inputs(r)]));

describe("a route on a shared Gateway", () => {
    it("attaches to the named HTTPS listener, for the host, with the timeout, and replaces the Ingress", async () => {
        const run = await stack("prod", SHARED);
        expect(all(run, T.ingress)).toEqual([]);
        expect(all(run, GATEWAY)).toEqual([]);
        const route = named(run, HTTP_ROUTE).ingress;
        expect(route.spec).toEqual({
            parentRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "public", namespace: "gateway-system", sectionName: "https" }],
            hostnames: ["quorvex.example.com"],
            rules: [
                {
                    matches: [{ path: { type: "PathPrefix", value: "/" } }],
                    backendRefs: [{ kind: "Service", name: "backend", port: 8000 }],
                    timeouts: { request: "3600s" },
                },
            ],
        });
        // `up` waits for what the Gateway's controller reports of the route.
        expect(JSON.parse(route.metadata.annotations["pulumi.com/waitFor"])).toEqual([
            'jsonpath={.status.parents[0].conditions[?(@.type=="Accepted")].status}=True',
            'jsonpath={.status.parents[0].conditions[?(@.type=="ResolvedRefs")].status}=True',
        ]);
        expect(run.outputs.routeKind.value).toBe("httproute");
        expect(run.outputs.backendUrl.value).toBe("https://quorvex.example.com");
    });

    it("admits the Gateway's proxies to the backend, and no ingress controller; issues no certificate of its own", async () => {
        const run = await stack("prod", SHARED);
        const policies = named(run, T.networkPolicy);
        expect(policies["backend-from-ingress"]).toBeUndefined();
        expect(policies["backend-from-gateway"].spec.ingress[0].from).toEqual([
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "gateway-system" } } },
        ]);
        expect(Object.keys(policies).filter((n) => n.startsWith("acme-"))).toEqual([]);
        expect(all(run, T.secret).map((s) => inputs(s).metadata.name)).not.toContain("ingress-tls");
    });

    it("passes the pack", async () => {
        expect(await packViolations(SHARED)).toEqual([]);
    });
});

describe("a Gateway of the stack's own", () => {
    it("serves HTTPS for the host with cert-manager's certificate, and HTTP only to redirect", async () => {
        const run = await stack("prod", OWN);
        const [gateway] = all(run, GATEWAY).map(inputs);
        expect(gateway.metadata).toMatchObject({ name: "quorvex", namespace: "playwright-agent" });
        expect(gateway.metadata.annotations).toEqual({ "cert-manager.io/cluster-issuer": "letsencrypt-prod", "pulumi.com/waitFor": "condition=Programmed" });
        expect(gateway.spec).toEqual({
            gatewayClassName: "eg",
            listeners: [
                {
                    name: "https",
                    protocol: "HTTPS",
                    port: 443,
                    hostname: "quorvex.example.com",
                    tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: "ingress-tls" }] },
                    allowedRoutes: { namespaces: { from: "Same" } },
                },
                { name: "http", protocol: "HTTP", port: 80, hostname: "quorvex.example.com", allowedRoutes: { namespaces: { from: "Same" } } },
            ],
        });
        const routes = named(run, HTTP_ROUTE);
        expect(routes.ingress.spec.parentRefs).toEqual([
            { group: "gateway.networking.k8s.io", kind: "Gateway", name: "quorvex", namespace: "playwright-agent", sectionName: "https" },
        ]);
        expect(routes["ingress-redirect"].spec).toEqual({
            parentRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "quorvex", namespace: "playwright-agent", sectionName: "http" }],
            hostnames: ["quorvex.example.com"],
            rules: [{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] }],
        });
    });

    it("lets the proxies reach the backend and cert-manager's HTTP-01 solver, by their labels", async () => {
        const policies = named(await stack("prod", OWN), T.networkPolicy);
        const proxies = [
            {
                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "envoy-gateway-system" } },
                podSelector: { matchLabels: { "gateway.envoyproxy.io/owning-gateway-name": "quorvex" } },
            },
        ];
        expect(policies["backend-from-gateway"].spec.ingress[0].from).toEqual(proxies);
        expect(policies["acme-http01-from-gateway"].spec.ingress[0]).toEqual({ from: proxies, ports: [{ protocol: "TCP", port: 8089 }] });
    });

    it("passes the pack, which fails a route the Gateway serves in clear", async () => {
        expect(await packViolations(OWN)).toEqual([]);
        expect(await packViolations(merge(OWN, { ingress: { tls: { mode: "none" } } }))).toEqual([
            "ingress-requires-tls: HTTPRoute `ingress`: host `quorvex.example.com` is served by listener `http` of Gateway `playwright-agent/quorvex` (`spec.parentRefs[0]`), which is HTTP without a certificate",
        ]);
    });
});

describe("an Ingress for a named controller", () => {
    const annotationsOf = async (config: Json) => named(await stack("prod", merge(INGRESS, config)), T.ingress).ingress;

    it("keeps ingress-nginx's class and annotations for a stack that sets nothing, and warns of its retirement", async () => {
        const ingress = await annotationsOf({});
        expect(ingress.spec.ingressClassName).toBe("nginx");
        expect(ingress.metadata.annotations).toEqual({
            "nginx.ingress.kubernetes.io/proxy-body-size": "512m",
            "nginx.ingress.kubernetes.io/proxy-read-timeout": "3600",
            "nginx.ingress.kubernetes.io/proxy-send-timeout": "3600",
            "nginx.ingress.kubernetes.io/proxy-request-buffering": "off",
            "nginx.ingress.kubernetes.io/ssl-redirect": "true",
            "cert-manager.io/cluster-issuer": "letsencrypt-prod",
        });
        expect(resolveConfig(INGRESS).warnings.join("\n")).toMatch(
            /quorvex:ingress\.controller = ingress-nginx: the Kubernetes project retired ingress-nginx on 24 March 2026/,
        );
        expect((await stack("prod", INGRESS)).outputs.routeKind.value).toBe("ingress");
    });

    it.each([
        [
            "f5-nginx",
            "nginx",
            {
                "nginx.org/client-max-body-size": "512m",
                "nginx.org/proxy-read-timeout": "3600s",
                "nginx.org/proxy-send-timeout": "3600s",
                "ingress.kubernetes.io/ssl-redirect": "true",
            },
        ],
        ["haproxy", "haproxy", { "haproxy.org/timeout-server": "3600s", "haproxy.org/ssl-redirect": "true" }],
        ["traefik", "traefik", { "traefik.ingress.kubernetes.io/router.entrypoints": "websecure", "traefik.ingress.kubernetes.io/router.tls": "true" }],
    ])("writes %s's class and settings", async (controller, className, settings) => {
        const ingress = await annotationsOf({ ingress: { controller } });
        expect(ingress.spec.ingressClassName).toBe(className);
        expect(ingress.metadata.annotations).toEqual({ ...settings, "cert-manager.io/cluster-issuer": "letsencrypt-prod" });
    });

    it("tells F5's controller which Service takes WebSockets (the VNC path, in standard mode)", async () => {
        const { INGRESS_PROFILES } = await import("../targets/kubernetes/ingress-profiles");
        const settings = { maxBodySize: null, timeoutSeconds: 60, tls: false, websocketServices: ["backend"] };
        expect(INGRESS_PROFILES["f5-nginx"].annotations(settings)["nginx.org/websocket-services"]).toBe("backend");
        expect(INGRESS_PROFILES["ingress-nginx"].annotations(settings)["nginx.ingress.kubernetes.io/proxy-body-size"]).toBe("0");
    });

    it("takes another controller's class and annotations from config, over a profile's", async () => {
        const other = await annotationsOf({ ingress: { controller: "other", className: "internal", annotations: { "example.com/waf": "strict" } } });
        expect(other.spec.ingressClassName).toBe("internal");
        expect(other.metadata.annotations).toEqual({ "cert-manager.io/cluster-issuer": "letsencrypt-prod", "example.com/waf": "strict" });
        const over = await annotationsOf({ ingress: { annotations: { "nginx.ingress.kubernetes.io/proxy-read-timeout": "60" } } });
        expect(over.metadata.annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]).toBe("60");
    });

    it("warns of a limit the controller cannot enforce per route, and not once it is null", () => {
        const warn = (config: Json) => resolveConfig(merge(INGRESS, config)).warnings.join("\n");
        expect(warn({ ingress: { controller: "traefik" } })).toMatch(
            /quorvex:ingress\.maxBodySize = 512m: the traefik Ingress has no per-route body limit, so nothing enforces it/,
        );
        expect(warn({ ingress: { controller: "traefik" } })).toMatch(/quorvex:ingress\.timeoutSeconds = 3600: the traefik Ingress has no per-route timeout/);
        expect(warn({ ingress: { controller: "haproxy", maxBodySize: null } })).not.toMatch(/maxBodySize/);
        expect(warn({ ingress: { controller: "f5-nginx" } })).toBe("");
        expect(resolveConfig(merge(SHARED, { ingress: { maxBodySize: "512m" } })).warnings.join("\n")).toMatch(
            /maxBodySize = 512m: an HTTPRoute has no per-route body limit/,
        );
        expect(resolveConfig(SHARED).warnings).toEqual([]);
    });
});

describe("moving the way in", () => {
    /** The checked-in prod stack (a route on the shared Gateway) as it was before: an Ingress for ingress-nginx. */
    const AS_INGRESS = ["ingress.kind=ingress", "ingress.tls.mode=certManager", "ingress.tls.clusterIssuer=letsencrypt-prod", "ingress.maxBodySize=512m"];

    it("from an Ingress to a Gateway route loses no data: the route and its policy are added, the Ingress removed after", async () => {
        const [before, after] = await Promise.all([planStack({ stack: "prod", sets: AS_INGRESS }), planStack({ stack: "prod" })]);
        const c = compare(before.document.resources, after.document.resources);
        expect(c.dataLoss).toEqual([]);
        expect(c.refused).toEqual([]);
        expect(c.added).toEqual(expect.arrayContaining([`${HTTP_ROUTE}::ingress`, `${T.networkPolicy}::backend-from-gateway`]));
        expect(c.removed).toEqual(expect.arrayContaining([`${T.ingress}::ingress`, `${T.networkPolicy}::backend-from-ingress`]));
    });
});

describe("refused config", () => {
    it.each([
        [
            "a Gateway route with no proxies to admit",
            merge(SHARED, { ingress: { gateway: { dataPlaneNamespace: null } } }),
            "quorvex:ingress.gateway.dataPlaneNamespace",
            /required/,
        ],
        [
            "the proxies in the platform's namespace",
            merge(SHARED, { ingress: { gateway: { dataPlaneNamespace: "playwright-agent" } } }),
            "quorvex:ingress.gateway.dataPlaneNamespace",
            /default-deny/,
        ],
        [
            "a shared Gateway with no listener named",
            merge(SHARED, { ingress: { gateway: { sectionName: null } } }),
            "quorvex:ingress.gateway.sectionName",
            /plain HTTP ones included/,
        ],
        ["no Gateway at all", merge(SHARED, { ingress: { gateway: { name: null } } }), "quorvex:ingress.gateway.name", /required/],
        [
            "a certificate the stack cannot attach to a shared Gateway",
            merge(SHARED, { ingress: { tls: { mode: "certManager", clusterIssuer: "x" } } }),
            "quorvex:ingress.tls.mode",
            /`gateway`/,
        ],
        [
            "a shared Gateway's certificate on the stack's own",
            merge(OWN, { ingress: { tls: { mode: "gateway" } } }),
            "quorvex:ingress.tls.mode",
            /must not be `gateway`/,
        ],
        [
            "the stack's own Gateway elsewhere",
            merge(OWN, { ingress: { gateway: { namespace: "gateway-system" } } }),
            "quorvex:ingress.gateway.namespace",
            /must be null/,
        ],
        [
            "a Gateway's certificate on an Ingress",
            merge(INGRESS, { ingress: { tls: { mode: "gateway" } } }),
            "quorvex:ingress.tls.mode",
            /only with ingress.kind `gateway`/,
        ],
        ["another controller without its class", merge(INGRESS, { ingress: { controller: "other" } }), "quorvex:ingress.className", /required/],
        [
            "an unknown controller",
            merge(INGRESS, { ingress: { controller: "nginx" } }),
            "quorvex:ingress.controller",
            /ingress-nginx, f5-nginx, haproxy, traefik or other/,
        ],
        [
            "an annotation key the API server refuses",
            merge(INGRESS, { ingress: { annotations: { "bad key": "x" } } }),
            "quorvex:ingress.annotations",
            /annotation key/,
        ],
        ["a Gateway route on Docker", { ingress: { kind: "gateway" } }, "quorvex:ingress.kind", /must be ingress on the docker target/],
    ])("refuses %s, naming the key", (_title, config, key, rule) => {
        const message = configProblems(config).join("\n");
        expect(message).toContain(`${key}`);
        expect(message).toMatch(rule);
    });
});
