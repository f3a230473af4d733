/**
 * A target as a plug-in: everything the program knows about one place it
 * deploys to, registered once in `registry.ts`.
 *
 * The plug-in carries its config section, its defaults, what it can and cannot
 * do (its capabilities: validation asks these, never the target's name) and a
 * factory for its `Target`. Describing a target loads no provider SDK: only
 * `create` does, for the one target a stack chose.
 */
import type { z } from "zod";
import type { Autoscaler, IngressController, Mode, RouteKind, TlsMode } from "../config/fields";
import type { Raw, SizingTable } from "../config/sizing";
import type { WorkersSection } from "../components/services/workers";
import type { ResourceBudget, Target } from "./contract";
import type { PlanReaders } from "./review";

/**
 * What a target reads of a validated stack config besides its own section. The
 * assembled config (`config/schema.ts`, which knows every target and service)
 * has this shape, so a target never imports it: the assembly sits above the
 * targets, never beside them.
 */
export interface TargetView {
    target: string;
    mode: Mode;
    images: { readonly [image: string]: string };
    registry: { auth: { address: string; username: string; password: string }[]; pullSecrets: string[] };
    proxy: { resources: ResourceBudget };
    ingress: {
        host: string;
        kind: RouteKind;
        controller: IngressController;
        className: string | null;
        annotations: Record<string, string>;
        gateway: {
            name: string | null;
            namespace: string | null;
            sectionName: string | null;
            className: string | null;
            dataPlaneNamespace: string | null;
            dataPlanePodLabels: Record<string, string>;
        };
        tls: { mode: TlsMode; secretName: string | null; clusterIssuer: string | null; certificate: string | null; key: string | null };
        maxBodySize: string | null;
        timeoutSeconds: number;
        bindAddress: string;
        httpPort: number;
        httpsPort: number;
    };
    workers: WorkersSection;
    backup: { enabled: boolean };
    redis: { enabled: boolean };
    tasks: { enabled: boolean; namespace: string };
    exporters: { enabled: boolean; redis: { port: number }; postgres: { port: number } };
    protection: { protect: boolean; retainOnDelete: boolean };
}

/** A target's view of a stack config: the shared part, and its own section under its name. */
export type ConfigView<Name extends string, Section extends z.ZodType> = TargetView & { readonly [K in Name]: z.output<Section> };

export interface Capabilities {
    /** The modes it runs; the first is its default. */
    modes: readonly Mode[];
    /** The autoscalers it has for the worker pool (`none` at least). */
    autoscalers: readonly Autoscaler[];
    /** Whether it runs tasks on a schedule (the database backup). */
    scheduledTasks: boolean;
    /** Where a route's certificate may come from on it. */
    tlsModes: readonly TlsMode[];
    /** The kinds of way in it builds (`ingress.kind`). */
    routeKinds: readonly RouteKind[];
    /**
     * Who pulls private images: the deploying tool with `registry.auth` credentials,
     * or the cluster's nodes with the `registry.pullSecrets` it names.
     */
    registryCredentials: "auth" | "pullSecrets";
    /** The smallest CPU limit (millicores) it deploys exactly as written. */
    minCpuLimitMilli: number;
    /** Whether it gives ephemeral tasks a namespace of their own (`tasks.enabled`). */
    taskNamespaces: boolean;
}

/** A config rule: the key it is about (its path) and what is wrong. */
export type RuleReporter = (path: (string | number)[], message: string) => void;

export interface TargetPlugin<Name extends string = string, Section extends z.ZodType = z.ZodType> {
    /** The value of `quorvex:target`, and the name of its own config section. */
    readonly name: Name;
    /** One line for the config reference: what deploying there means. */
    readonly description: string;
    readonly capabilities: Capabilities;
    readonly config: {
        /** Its section (`quorvex:<name>.*`): present, with its defaults, on every stack. */
        readonly schema: Section;
        readonly defaults: Raw;
        /** One line per key of its section, for the config reference (keys without the section name). */
        readonly docs: Readonly<Record<string, string>>;
    };
    /** The sizing table its services' defaults follow (each service keeps its lines of both). */
    readonly sizingTable: SizingTable;
    /** Its defaults for shared keys beyond the sizing (where a cluster's stack differs from a host's), laid over the shared ones. */
    sharedDefaults(mode: Mode): Raw;
    /** Rules of its own beyond what its capabilities say, run on a stack that chose it. */
    rules?(config: ConfigView<Name, Section>, rule: RuleReporter): void;
    /** Advice that does not stop the run (`key` names a config key as the user writes it). */
    warnings?(config: ConfigView<Name, Section>, key: (path: string[]) => string): string[];
    /** What the offline tools (review, capacity, mock runtime, manifests) read from its resources. */
    readonly review: PlanReaders<ConfigView<Name, Section>>;
    /** Registers its provider and stack-wide resources, and returns where the components go. */
    create(stack: string, config: ConfigView<Name, Section>): Target;
}
