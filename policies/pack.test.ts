/**
 * The CrossGuard pack as a whole: each policy's identity and defaults, the
 * marker labels it shares with the program, and that it never mutates its input.
 */
import { describe, expect, it } from "vitest";
import { MARKERS } from "../targets/contract";
import { evaluate, settingsFor } from "./evaluate";
import { MARKERS as POLICY_MARKERS } from "./lib/markers";
import { policies, resourcePolicies, stackPolicies } from "./pack";
import { browserDeployment, clone, dockerWorker, violations } from "./rules/fixtures";

describe("the pack", () => {
    it("has kebab-case names, a level and a description that tells the fix, and a config schema on every policy", () => {
        expect(policies.length).toBeGreaterThanOrEqual(10);
        for (const p of policies) {
            expect(p.name).toMatch(/^[a-z]+(-[a-z]+)+$/);
            expect(["mandatory", "advisory"]).toContain(p.enforcementLevel);
            expect(p.description).toMatch(/Fix: /);
            expect(p.configSchema).toBeDefined();
        }
    });

    it.each([
        ["containers-have-memory-limits", "mandatory", { requireRequests: true }],
        ["browser-workers-have-shm", "mandatory", { minShmMiB: 1024 }],
        ["shm-within-memory-limit", "mandatory", { minHeadroomMiB: 1024 }],
        ["memory-within-bounds", "advisory", { browser: { minMiB: 2048, maxMiB: 32768 } }],
        ["no-latest-images", "mandatory", { exemptImages: [] }],
        ["stateful-data-protected", "mandatory", { requireProtection: false }],
        ["one-autoscaler-per-workload", "mandatory", {}],
        ["docker-host-memory-budget", "advisory", { hostMemoryMiB: 32768, reserveMiB: 0 }],
        ["browser-workers-have-cpu-limits", "mandatory", { maxCores: 8 }],
        ["ingress-requires-tls", "mandatory", { exemptHosts: [] }],
        ["kubernetes-containers-hardened", "advisory", { requireReadOnlyRootFilesystem: false }],
        ["pack-reads-every-resource", "mandatory", { inertPackages: ["pulumi", "random", "tls", "command", "quorvex"] }],
    ])("%s is %s with defaults %j", (name, level, defaults) => {
        const p = policies.find((x) => x.name === name)!;
        expect(p).toBeDefined();
        const s = settingsFor(p);
        expect(s.level).toBe(level);
        expect(s.values).toMatchObject(defaults);
    });

    it("keeps resource and stack policies apart", () => {
        expect(stackPolicies.map((p) => p.name).sort()).toEqual([
            "browsers-hold-no-root-credential",
            "docker-host-memory-budget",
            "ingress-requires-tls",
            "one-autoscaler-per-workload",
            "pack-reads-every-resource",
        ]);
        expect(resourcePolicies.every((p) => "validateResource" in p)).toBe(true);
    });

    it("reads the same marker labels the components set", () => expect(POLICY_MARKERS).toEqual(MARKERS));

    it("lets the config raise a level or disable a policy, and refuses unknown properties", async () => {
        const r = browserDeployment();
        r.inputs.spec.template.spec.volumes[0].emptyDir.sizeLimit = "512Mi";
        expect(await violations("browser-workers-have-shm", r, { "browser-workers-have-shm": "disabled" })).toEqual([]);
        expect(
            (
                await violations("memory-within-bounds", dockerWorker(), {
                    "memory-within-bounds": { enforcementLevel: "mandatory", browser: { minMiB: 4096, maxMiB: 8192 } },
                })
            )[0].level,
        ).toBe("mandatory");
        await expect(evaluate([r], { "browser-workers-have-shm": { minShm: 1 } })).rejects.toThrow(/unknown property minShm/);
    });
});

// --- containers-have-memory-limits --------------------------------------------

describe("the pack on fixtures cloned from a real resource", () => {
    it("does not mutate its input", async () => {
        const r = browserDeployment();
        const before = clone(r);
        await evaluate([r]);
        expect(r).toEqual(before);
    });
});
