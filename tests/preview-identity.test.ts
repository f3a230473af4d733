/**
 * The PR preview identity (cluster-setup/preview-identity.yaml) may dry-run every kind the
 * prod stack creates in its namespace: a kind it is not granted would make the preview fail
 * Forbidden, or show the program's inputs instead of what the server would do.
 */
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { merge, PROD, PROD_INGRESS, stack } from "./helpers";

interface Rule {
    apiGroups: string[];
    resources: string[];
    verbs: string[];
}
const docs = parseAllDocuments(fs.readFileSync(path.join(__dirname, "..", "cluster-setup", "preview-identity.yaml"), "utf8")).map(
    (d) => d.toJSON() as { kind: string; metadata: { name: string; namespace?: string }; rules?: Rule[] },
);

/** `group/resource` the identity may dry-run (create, update and patch) in a namespace, or cluster-wide. */
function granted(kind: "Role" | "ClusterRole", namespace?: string): Set<string> {
    const out = new Set<string>();
    for (const d of docs.filter((d) => d.kind === kind && d.metadata.namespace === namespace))
        for (const r of d.rules ?? [])
            if (["create", "update", "patch"].every((v) => r.verbs.includes(v)))
                for (const g of r.apiGroups) for (const res of r.resources) out.add(`${g}/${res}`);
    return out;
}

/** The REST resource of a provider type token: `kubernetes:apps/v1:Deployment` -> `apps/deployments`. */
function resourceOf(type: string): string {
    const [, groupVersion, kind] = type.split(":");
    const first = groupVersion.split("/")[0];
    const group = first === "core" ? "" : first;
    const lower = kind.toLowerCase();
    const plural = /[^aeiou]y$/.test(lower) ? `${lower.slice(0, -1)}ies` : lower.endsWith("s") ? `${lower}es` : `${lower}s`;
    return `${group}/${plural}`;
}

const VARIANTS: [string, Record<string, unknown>][] = [
    ["the checked-in prod stack (a route on a shared Gateway)", PROD],
    ["an Ingress", PROD_INGRESS],
    [
        "a Gateway of the stack's own",
        merge(PROD, {
            ingress: {
                gateway: { className: "eg", namespace: null, sectionName: null, dataPlaneNamespace: "envoy" },
                tls: { mode: "secret", secretName: "t" },
            },
        }),
    ],
    ["KEDA", merge(PROD, { workers: { autoscaler: "keda" } })],
    ["monitoring and placement", merge(PROD, { kubernetes: { monitoring: { enabled: true }, placement: { workers: { priorityClassName: "browsers" } } } })],
];

describe("the PR preview identity", () => {
    it("maps provider types to the API's resources", () => {
        expect(resourceOf("kubernetes:apps/v1:Deployment")).toBe("apps/deployments");
        expect(resourceOf("kubernetes:core/v1:Service")).toBe("/services");
        expect(resourceOf("kubernetes:policy/v1:PodDisruptionBudget")).toBe("policy/poddisruptionbudgets");
        expect(resourceOf("kubernetes:networking.k8s.io/v1:NetworkPolicy")).toBe("networking.k8s.io/networkpolicies");
        expect(resourceOf("kubernetes:networking.k8s.io/v1:Ingress")).toBe("networking.k8s.io/ingresses");
        expect(resourceOf("kubernetes:gateway.networking.k8s.io/v1:Gateway")).toBe("gateway.networking.k8s.io/gateways");
        expect(resourceOf("kubernetes:rbac.authorization.k8s.io/v1:Policy")).toBe("rbac.authorization.k8s.io/policies");
    });

    for (const [title, config] of VARIANTS) {
        it(`may dry-run every kind of ${title} in the platform's namespace, Secrets aside`, async () => {
            const run = await stack("prod", config);
            const role = granted("Role", "playwright-agent");
            const needed = run.resources
                .filter((r) => r.type.startsWith("kubernetes:") && !r.type.endsWith(":Namespace") && r.type !== "kubernetes:core/v1:Secret")
                .filter((r) => !run.lookups.includes(`${r.type}::${r.name}`))
                .map((r) => resourceOf(r.type));
            expect([...new Set(needed)].filter((n) => !role.has(n)).sort()).toEqual([]);
        });
    }
});
