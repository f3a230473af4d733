/**
 * What every target must honour, run against every registered target and
 * against a minimal one defined only here (which proves the seam: a target is
 * its plug-in and its `Target`, nothing else changes).
 *
 * A target declares what it can do; the schema holds a stack to that; the
 * composition plans on it with its defaults in every mode it runs; secrets stay
 * secret; the policy pack finds its markers on browser workloads and data; data
 * is protected exactly when the stack asks; and services are found where the
 * target says they are.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { compose, type Composition } from "../../stacks/compose";
import { stackOutputs } from "../../stacks/outputs";
import { resolveConfig } from "../../config/load";
import { outputsSchema } from "../../contract/outputs";
import { MARKERS, type Target } from "../../targets/contract";
import type { TargetPlugin } from "../../targets/plugin";
import { TARGETS } from "../../targets/registry";
import { reveal, runStack, type StackRun } from "../../tools/harness";
import { leaks, plainStrings } from "../helpers";
import { SERVICES } from "../../components/registry";
import type { ServicePlugin } from "../../components/plugin";
import { describeKey } from "../../config/docs";
import { cache } from "./cache-service";
import { minimal } from "./minimal-target";

const SUBJECTS: readonly TargetPlugin[] = [...TARGETS, minimal];
/** The registered services and a seventh, the tests' own: every target must place it too. */
const WITH_CACHE: readonly ServicePlugin[] = [...SERVICES, cache];

interface Planned {
    run: StackRun;
    target: Target;
    parts: Composition;
}

async function plan(plugin: TargetPlugin, raw: Record<string, unknown> = {}): Promise<Planned> {
    const { config } = resolveConfig({ target: plugin.name, ...raw }, SUBJECTS, WITH_CACHE);
    let target: Target | undefined;
    let parts: Composition | undefined;
    const run = await runStack({
        stack: "conformance",
        config: {},
        build: () => {
            target = plugin.create("conformance", config);
            parts = compose(target, config, WITH_CACHE);
            return stackOutputs("conformance", config, target.namespace, parts);
        },
    });
    return { run, target: target!, parts: parts! };
}

/** Every (key, value) pair anywhere in a resource's inputs, secrets revealed: where markers sit differs per target. */
function pairs(v: unknown, out: [string, unknown][] = []): [string, unknown][] {
    if (Array.isArray(v)) for (const x of v) pairs(x, out);
    else if (typeof v === "object" && v !== null) {
        const o = v as Record<string, unknown>;
        // Docker-style label lists: { label, value }.
        if (typeof o.label === "string" && "value" in o) out.push([o.label, o.value]);
        for (const [k, x] of Object.entries(o)) {
            out.push([k, x]);
            pairs(x, out);
        }
    }
    return out;
}
const carries = (inputs: unknown, key: string, value?: string) => pairs(reveal(inputs)).some(([k, v]) => k === key && (value === undefined || v === value));

describe.each(SUBJECTS.map((t) => [t.name, t] as const))("target %s", (_name, plugin) => {
    it("declares what it can do: at least one mode, the `none` autoscaler, a TLS mode, a CPU floor", () => {
        const can = plugin.capabilities;
        expect(can.modes.length).toBeGreaterThan(0);
        expect(can.autoscalers).toContain("none");
        expect(can.tlsModes.length).toBeGreaterThan(0);
        expect(can.minCpuLimitMilli).toBeGreaterThanOrEqual(1);
        expect(plugin.name).toMatch(/^[a-z][a-z0-9-]*$/);
    });

    it("describes every key of its own section, and its defaults pass its own schema", () => {
        const parsed = plugin.config.schema.parse(plugin.config.defaults) as Record<string, unknown>;
        // A nested key is described leaf by leaf (`placement.default.tolerations`); the config table holds every leaf to a line.
        expect([...new Set(Object.keys(plugin.config.docs).map((k) => k.split(".")[0]))].sort()).toEqual(Object.keys(parsed).sort());
    });

    it.each(plugin.capabilities.modes.map((m) => [m]))(
        "plans the whole composition in %s mode with its defaults, and exports the outputs contract",
        async (mode) => {
            const { run } = await plan(plugin, { mode });
            expect(run.resources.length).toBeGreaterThan(10);
            const outputs = Object.fromEntries(Object.entries(run.outputs).map(([k, o]) => [k, o.value]));
            expect(() => outputsSchema.parse(outputs)).not.toThrow();
            expect(outputs.target).toBe(plugin.name);
        },
    );

    it("is refused, before any resource, a mode, autoscaler, TLS mode or schedule it does not declare", () => {
        const can = plugin.capabilities;
        const refused = (raw: Record<string, unknown>) => () => resolveConfig({ target: plugin.name, ...raw }, SUBJECTS, WITH_CACHE);
        if (!can.modes.includes("standard")) expect(refused({ mode: "standard" })).toThrow(/quorvex:mode/);
        if (!can.autoscalers.includes("keda")) expect(refused({ workers: { autoscaler: "keda" } })).toThrow(/quorvex:workers\.autoscaler/);
        if (!can.tlsModes.includes("certManager"))
            expect(refused({ ingress: { tls: { mode: "certManager", clusterIssuer: "x" } } })).toThrow(/quorvex:ingress\.tls\.mode/);
        if (!can.scheduledTasks) expect(refused({ backup: { enabled: true } })).toThrow(/quorvex:backup\.enabled/);
    });

    it("places a seventh service from its plug-in alone: its section validated with its defaults and its table's sizing, its rule kept, its workload there", async () => {
        const { run } = await plan(plugin);
        const cacheResources = run.resources.filter((r) => r.parent === "quorvex:test:Cache::cache" || r.name.startsWith("cache"));
        expect(cacheResources.length).toBeGreaterThan(0);
        expect(
            run.resources.some(
                (r) => carries(r.inputs, "app.kubernetes.io/component", "cache") || JSON.stringify(r.inputs).includes("memcached:1.6.39-alpine"),
            ),
        ).toBe(true);
        const { config } = resolveConfig({ target: plugin.name }, SUBJECTS, WITH_CACHE);
        const own = (config as unknown as Record<string, { replicas: number }>).cache;
        expect(own.replicas).toBe(plugin.sizingTable === "singleHost" ? 1 : 2);
        expect(() => resolveConfig({ target: plugin.name, cache: { port: 80 } }, SUBJECTS, WITH_CACHE)).toThrow(
            "quorvex:cache.port = 80: must be 1024 or above: the cache runs without privileges",
        );
        expect(() => resolveConfig({ target: plugin.name, cache: { size: 1 } }, SUBJECTS, WITH_CACHE)).toThrow(/quorvex:cache\.size = 1: unknown key/);
    });

    it("has a scheduler exactly when it declares scheduled tasks", async () => {
        const { target } = await plan(plugin);
        expect(typeof target.scheduledTask === "function").toBe(plugin.capabilities.scheduledTasks);
    });

    it("keeps every generated secret out of plain inputs and plain outputs", async () => {
        const { run } = await plan(plugin);
        expect(run.generatedSecrets.length).toBeGreaterThanOrEqual(4);
        for (const r of run.resources)
            for (const [path, text] of plainStrings(r.inputs)) expect(leaks(text, run.generatedSecrets), `${r.name} ${path}`).toEqual([]);
        for (const [name, o] of Object.entries(run.outputs))
            if (!o.secret) expect(leaks(JSON.stringify(o.value) ?? "", run.generatedSecrets), name).toEqual([]);
    });

    it("marks what the policy pack reads: browser workloads, and each data service's data", async () => {
        const { run } = await plan(plugin, { workers: { replicas: 2 } });
        expect(run.resources.some((r) => carries(r.inputs, MARKERS.runsBrowsers, "true"))).toBe(true);
        for (const data of ["postgres", "redis", "minio"])
            expect(
                run.resources.some((r) => carries(r.inputs, MARKERS.statefulData, data)),
                data,
            ).toBe(true);
    });

    it("runs a named pool beside the default one: a browser workload of its own, found where the target says", async () => {
        const { run, parts, target } = await plan(plugin, { workers: { replicas: 1, pools: { second: { replicas: 1 } } } });
        expect(parts.pools.map((p) => [p.pool.role, p.pool.queue.listName])).toEqual([
            ["workers", "browser-jobs"],
            ["workers-second", "browser-jobs-second"],
        ]);
        const browsers = run.resources.filter((r) => carries(r.inputs, MARKERS.runsBrowsers, "true")).map((r) => r.name);
        expect(browsers.filter((n) => n.startsWith("workers-second")).length, browsers.join(" ")).toBeGreaterThan(0);
        expect(parts.pools[1].workers.service.host).toBe(target.serviceHost("workers-second"));
    });

    it("lets no workload but a data service and its own setup task hold that service's root credential", async () => {
        const can = plugin.capabilities;
        const { run } = await plan(plugin, {
            workers: { replicas: 2, ...(can.autoscalers.includes("keda") ? { autoscaler: "keda" } : {}) },
            backup: { enabled: can.scheduledTasks },
        });
        const valueOf = (inputs: unknown, key: string) => pairs(reveal(inputs)).find(([k]) => k === key)?.[1] as string | undefined;
        const holders = run.resources.flatMap((r) => {
            const roots = valueOf(r.inputs, MARKERS.rootCredentials);
            return roots ? roots.split(".").map((root) => ({ root, resource: r.name, component: valueOf(r.inputs, "app.kubernetes.io/component") })) : [];
        });
        // Each service's own server holds its root (the marker is there to be read) ...
        for (const service of ["postgres", "redis", "minio"])
            expect(
                holders.some((h) => h.root === service && h.resource === service),
                service,
            ).toBe(true);
        // ... and nothing outside its component does: not the backend, its migration, the workers or the backup.
        expect(holders.filter((h) => h.component !== h.root)).toEqual([]);
        expect(holders.map((h) => h.resource).filter((n) => /backend|workers|backup/.test(n))).toEqual([]);
    });

    it.each([
        [true, "protects"],
        [false, "does not protect"],
    ])("with protection %s, %s every data service's data (protect and retainOnDelete)", async (on) => {
        const { run } = await plan(plugin, { protection: { protect: on, retainOnDelete: on } });
        for (const data of ["postgres", "redis", "minio"]) {
            const holders = run.resources.filter((r) => carries(r.inputs, MARKERS.statefulData, data));
            const kept = holders.filter((r) => r.options.protect && r.options.retainOnDelete);
            if (on) expect(kept.length, data).toBeGreaterThan(0);
            else
                expect(
                    holders.filter((r) => r.options.protect || r.options.retainOnDelete),
                    data,
                ).toEqual([]);
        }
    });

    it("finds each service where it says: a handle's host is the target's host for that role", async () => {
        const { target, parts } = await plan(plugin);
        for (const part of [parts.postgres, parts.redis!, parts.minio, parts.backend]) {
            expect(part.service.host).toBe(target.serviceHost(part.service.role));
        }
    });
});

describe("the minimal target", () => {
    it("is a few dozen lines: the seam asks little of a target", async () => {
        const { readFileSync } = await import("fs");
        const lines = readFileSync(require.resolve("./minimal-target.ts"), "utf8").split("\n").length;
        expect(lines).toBeLessThan(100);
    });

    it("adds its section to a stack's config without a change to the shared schema", () => {
        const { config } = resolveConfig({ target: "minimal", minimal: { zone: "eu" } }, SUBJECTS);
        expect((config as unknown as Record<string, unknown>).minimal).toEqual({ zone: "eu" });
        expect(() => resolveConfig({ target: "minimal", minimal: { zonee: "eu" } }, SUBJECTS)).toThrow(
            /quorvex:minimal\.zonee = "eu": unknown key \(did you mean `zone`\?\)/,
        );
        expect(() => z.string().parse(config.target)).not.toThrow();
    });
});

describe("every service's plug-in", () => {
    it.each(WITH_CACHE.map((s) => [s.name, s] as const))("%s describes every key of its section, and its defaults pass its own schema", (_name, service) => {
        const parsed = service.config.schema.parse(service.config.defaults) as Record<string, unknown>;
        const keys = (o: Record<string, unknown>, prefix = ""): string[] =>
            Object.entries(o).flatMap(([k, v]) =>
                k === "resources"
                    ? []
                    : typeof v === "object" && v !== null && !Array.isArray(v) && k !== "tls"
                      ? keys(v as Record<string, unknown>, `${prefix}${k}.`)
                      : [`${prefix}${k}`],
            );
        for (const key of keys(parsed)) {
            const described = service.config.docs[key] ?? Object.keys(service.config.docs).find((d) => d.startsWith(`${key}.`));
            expect(described, `${service.name}.${key}`).toBeTruthy();
        }
        if (SERVICES.some((s) => s === service))
            for (const key of Object.keys(service.config.docs)) expect(describeKey(`${service.name}.${key}`), key).toBeTruthy();
    });
});
