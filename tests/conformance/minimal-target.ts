/**
 * A target that exists only in the tests: one generic resource per thing the
 * composition places, and nothing else. It proves the seam: a target is a
 * plug-in plus a `Target`, and the program, the schema and the composition
 * take it without a change.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { isSecretRef, type EnvValue, type PlacementOptions, type RouteSpec, type SecretOptions } from "../../targets/contract";
import type { ServiceSpecBase, StatefulServiceSpec, Target, TaskSpec, WorkloadSpec } from "../../targets/contract";
import { markerLabels, standardLabels } from "../../targets/labels";
import type { TargetPlugin } from "../../targets/plugin";

class Thing extends pulumi.CustomResource {
    constructor(kind: string, name: string, props: pulumi.Inputs, opts: pulumi.CustomResourceOptions) {
        super(`minimal:index:${kind}`, name, props, opts);
    }
}

const env = (e: Record<string, EnvValue> = {}) => Object.fromEntries(Object.entries(e).map(([k, v]) => [k, isSecretRef(v) ? v.secret.values[v.key] : v]));

class MinimalTarget implements Target {
    readonly namespace = null;
    constructor(private readonly stack: string) {}

    serviceHost = (role: string) => `${role}.minimal`;

    secret(role: string, values: Record<string, pulumi.Input<string>>, opts: SecretOptions) {
        const secretValues = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, pulumi.secret(pulumi.output(v))]));
        return { name: role, values: secretValues, version: opts.version ?? "0", root: opts.root ?? false };
    }

    private place(kind: string, spec: WorkloadSpec & Partial<ServiceSpecBase>, opts: PlacementOptions, extra: pulumi.Inputs = {}, data?: StatefulServiceSpec) {
        const protection = opts.protection ?? { protect: false, retainOnDelete: false };
        const labels = { ...standardLabels(this.stack, spec), ...markerLabels(spec, data && { kind: data.volume.data, ...protection }) };
        const dependsOn = [...(spec.waitFor ?? []), ...(spec.after ?? [])].flatMap((h) => h.ready);
        const props = { image: spec.image, env: env(spec.env), labels, connectsTo: (spec.connectsTo ?? []).map((s) => s.role), ...extra };
        return new Thing(kind, spec.role, props, { parent: opts.parent, dependsOn });
    }

    private handle(spec: ServiceSpecBase, ready: pulumi.Resource[]) {
        return { role: spec.role, host: this.serviceHost(spec.role), ports: Object.fromEntries(spec.ports.map((p) => [p.name, p.port])), ready };
    }

    statelessService(spec: Parameters<Target["statelessService"]>[0], opts: PlacementOptions) {
        return this.handle(spec, [this.place("Service", spec, opts, { replicas: spec.replicas })]);
    }

    statefulService(spec: StatefulServiceSpec, opts: PlacementOptions) {
        const protection = opts.protection ?? { protect: false, retainOnDelete: false };
        const labels = markerLabels({}, { kind: spec.volume.data, ...protection });
        const volume = new Thing("Volume", `${spec.role}-data`, { sizeMiB: spec.volume.sizeMiB, labels }, { parent: opts.parent, ...protection });
        return this.handle(spec, [this.place("Service", spec, opts, { volume: volume.urn }, spec)]);
    }

    task(spec: TaskSpec, opts: PlacementOptions) {
        const run = this.place("Task", spec, opts, { runKey: spec.runKey });
        return { role: spec.role, ready: [run], succeeded: run.urn.apply(() => "succeeded") };
    }

    route(spec: RouteSpec, opts: PlacementOptions) {
        const route = new Thing("Route", spec.role, { host: spec.host, to: spec.backend.role }, { parent: opts.parent, dependsOn: spec.backend.ready });
        return {
            url: `http://${spec.host}`,
            kind: "proxy" as const,
            ready: [route],
            entry: { connect: null, trust: null, revision: route.urn.apply((u) => u) },
        };
    }
}

const section = z.strictObject({ zone: z.string() });

export const minimal: TargetPlugin<"minimal", typeof section> = {
    name: "minimal",
    description: "the tests' own target",
    capabilities: {
        modes: ["workers"],
        autoscalers: ["none"],
        scheduledTasks: false,
        tlsModes: ["none"],
        routeKinds: ["ingress"],
        registryCredentials: "auth",
        minCpuLimitMilli: 1,
        taskNamespaces: false,
    },
    config: { schema: section, defaults: { zone: "test" }, docs: { zone: "Where the tests' target places things." } },
    sizingTable: "cluster",
    sharedDefaults: () => ({ ingress: { tls: { mode: "none" } } }),
    review: {
        holdsData: (r) => r.type === "minimal:index:Volume",
        dataLossReasons: (_before, after, fields) => (after.type === "minimal:index:Volume" ? fields.map((f) => `replaces the volume (${f.path})`) : []),
        capacity: () => [],
    },
    create: (stack) => new MinimalTarget(stack),
};
