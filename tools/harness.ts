/**
 * Runs the real Pulumi program under Pulumi's mock runtime and returns every
 * registered resource with its inputs and options, and the stack outputs.
 * This is the engine behind `npm run plan`, the tests and the benchmarks.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { SECRET_PLACEHOLDER } from "../targets/review";
import { TARGETS } from "../targets/registry";

/** Pulumi's wire marker for a secret value (`{[SIG]: SECRET_SIG, value}`). */
const SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export { SECRET_PLACEHOLDER };

export interface ResourceOptionsSeen {
    protect: boolean;
    retainOnDelete: boolean;
    ignoreChanges: string[];
    dependsOn: string[];
    deleteBeforeReplace: boolean;
    /** Former identities (`type::name`) the resource answers to. */
    aliases: string[];
    /** How long the provider may wait for it (create/update/delete), where the program says. */
    customTimeouts?: { create?: string; update?: string; delete?: string };
    /** Properties whose change replaces it, where the program says. */
    replaceOnChanges?: string[];
}

export interface PlannedResource {
    type: string;
    name: string;
    /** `type::name` of the parent, or null at the stack's root. */
    parent: string | null;
    custom: boolean;
    /** Inputs as the engine receives them; secrets are `{[SIG]: SECRET_SIG, value}` wrappers. */
    inputs: Record<string, unknown>;
    options: ResourceOptionsSeen;
}

export interface StackRun {
    stack: string;
    resources: PlannedResource[];
    outputs: Record<string, { value: unknown; secret: boolean }>;
    /** Values generated as secrets by the mocks (passwords, keys): for hygiene checks. */
    generatedSecrets: string[];
    logs: string[];
    /** Cluster objects the program reads (`.get`) rather than manages, as `type::name`: its prerequisites. */
    lookups: string[];
}

export function isSecretWrapper(v: unknown): v is { value: unknown } {
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG] === SECRET_SIG;
}

/** Removes secret wrappers, keeping the values (for assertions on wiring). */
export function reveal(v: unknown): unknown {
    if (isSecretWrapper(v)) return reveal(v.value);
    if (Array.isArray(v)) return v.map(reveal);
    if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reveal(x)]));
    return v;
}

/**
 * The shape of a secret without its values: object keys stay (a Secret's
 * data keys), env entries keep their names (`KEY=[secret]`), every other
 * leaf becomes "[secret]".
 */
function hideValues(v: unknown): unknown {
    if (isSecretWrapper(v)) return hideValues(v.value);
    if (Array.isArray(v)) return v.map(hideValues);
    if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, hideValues(x)]));
    if (typeof v === "string") {
        const env = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(v);
        if (env) return `${env[1]}=${SECRET_PLACEHOLDER}`;
    }
    return SECRET_PLACEHOLDER;
}

/** Replaces every secret value by "[secret]" (what `npm run plan` prints). */
export function redact(v: unknown): unknown {
    if (isSecretWrapper(v)) return typeof v.value === "object" && v.value !== null ? hideValues(v.value) : SECRET_PLACEHOLDER;
    if (Array.isArray(v)) return v.map(redact);
    if (typeof v === "object" && v !== null) {
        if (pulumi.asset.Asset.isInstance(v) || pulumi.asset.Archive.isInstance(v)) return "[asset]";
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redact(x)]));
    }
    return v;
}

export const key = (type: string, name: string) => `${type}::${name}`;

function fakeValue(seed: string, length: number): string {
    let out = "";
    for (let i = 0; out.length < length; i++)
        out += createHash("sha256")
            .update(`${seed}:${i}`)
            .digest("base64")
            .replace(/[^A-Za-z0-9]/g, "");
    return out.slice(0, length);
}

/** Deterministic stand-ins for what providers compute, so plans are reproducible. */
function mockState(type: string, name: string, inputs: Record<string, unknown>, secrets: string[]): Record<string, unknown> {
    const seed = `${type}:${name}:${JSON.stringify(reveal(inputs.keepers ?? {}))}`;
    switch (type) {
        case "random:index/randomPassword:RandomPassword": {
            const result = `pw${fakeValue(seed, Number(inputs.length ?? 32) - 2)}`;
            secrets.push(result);
            return { ...inputs, result: pulumi.secret(result) };
        }
        case "random:index/randomString:RandomString":
            return { ...inputs, result: fakeValue(seed, Number(inputs.length ?? 16)).toLowerCase() };
        case "tls:index/privateKey:PrivateKey": {
            const pem = `-----BEGIN PRIVATE KEY-----\n${fakeValue(seed, 64)}\n-----END PRIVATE KEY-----\n`;
            secrets.push(pem);
            return {
                ...inputs,
                privateKeyPem: pulumi.secret(pem),
                publicKeyPem: `-----BEGIN PUBLIC KEY-----\n${fakeValue(`${seed}:pub`, 64)}\n-----END PUBLIC KEY-----\n`,
            };
        }
        case "tls:index/selfSignedCert:SelfSignedCert":
            return { ...inputs, certPem: `-----BEGIN CERTIFICATE-----\n${fakeValue(seed, 64)}\n-----END CERTIFICATE-----\n` };
        default:
            // What a target's provider computes (an image's id), as the target's own readers model it.
            for (const t of TARGETS) {
                const state = t.review.mockState?.(type, inputs);
                if (state) return state;
            }
            return inputs;
    }
}

/** What the engine returns for a StackReference: its outputs, and which are secret. */
function stackReferenceState(name: string, known: RunOptions["stackReferences"]): Record<string, unknown> {
    const stack = known?.[name];
    if (!stack) throw new Error(`unknown stack reference ${name}`);
    const outputs = Object.fromEntries(Object.entries(stack).map(([k, v]) => [k, v.secret ? pulumi.secret(v.value) : v.value]));
    return {
        name,
        outputs,
        secretOutputNames: Object.entries(stack)
            .filter(([, v]) => v.secret)
            .map(([k]) => k),
    };
}

/** Resource type and name of a resource object (SDK internals, stable across 3.x). */
/**
 * A resource's identity as the engine forms its URN: its ancestors' types, its type and its name
 * (the project and stack are the same for all). Two registrations with one identity fail a real
 * `pulumi up` ("Duplicate resource URN"), so they fail the plan too.
 */
function urnOf(type: string, name: string, parent: unknown): string {
    const chain: string[] = [];
    for (let p = parent as { __pulumiType?: string; __parentResource?: unknown } | undefined; p?.__pulumiType; p = p.__parentResource as typeof p) {
        if (p.__pulumiType !== "pulumi:pulumi:Stack") chain.unshift(p.__pulumiType);
    }
    return `${[...chain, type].join("$")}::${name}`;
}

function ident(r: unknown): string | null {
    const res = r as { __pulumiType?: string; __name?: string } | undefined;
    return res?.__pulumiType && res.__name ? key(res.__pulumiType, res.__name) : null;
}

/** The program threw; `registered` counts the resources it had registered by then. */
export class ProgramFailed extends Error {
    constructor(
        message: string,
        public readonly registered: number,
        public readonly cause: unknown,
    ) {
        super(message);
        this.name = "ProgramFailed";
    }
}

export interface RunOptions {
    stack: string;
    /** The `quorvex:*` config, nested (`{ workers: { replicas: 4 } }`). */
    config: Record<string, unknown>;
    /** Other namespaces' config keys, verbatim (`kubernetes:context`). */
    extraConfig?: Record<string, string>;
    /** The program to run. @default the repository's index.ts */
    program?: string;
    /** Stacks a StackReference may read: name -> outputs (value and secrecy). */
    stackReferences?: Record<string, Record<string, { value: unknown; secret: boolean }>>;
    /** Or an inline program (component tests): its return value is the stack's exports. */
    build?: () => Record<string, unknown> | void;
    project?: string;
}

const ROOT = path.resolve(__dirname, "..");
const DEFAULT_PROGRAM = path.join(ROOT, "index.ts");

/**
 * Forgets the program's entry so that requiring it runs it again. The modules it imports stay loaded,
 * as the tool's own imports of them do (one load each per process): none of them holds state.
 */
function unloadProgram(program: string): void {
    delete require.cache[path.resolve(program)];
}

/** Pulumi loads `index.ts` through ts-node; so do we, whatever loaded the harness. */
function ensureTsNode(): void {
    if (require.extensions[".ts"]) return;
    (require("ts-node") as typeof import("ts-node")).register({ project: path.join(ROOT, "tsconfig.pulumi.json") });
}

let running: Promise<unknown> = Promise.resolve();

/** Runs one stack under mocks. Runs are serialized: the Pulumi runtime is process-global. */
export function runStack(opts: RunOptions): Promise<StackRun> {
    const next = running.then(() => runOnce(opts));
    running = next.catch(() => undefined);
    return next;
}

async function runOnce(opts: RunOptions): Promise<StackRun> {
    const resources = new Map<string, PlannedResource>();
    const order: string[] = [];
    const generatedSecrets: string[] = [];
    const logs: string[] = [];
    const lookups: string[] = [];
    /** A read of an existing object (a target's prerequisite): not a resource of the plan. */
    const isLookup = (type: string, id: unknown) => TARGETS.some((t) => t.review.isLookup?.(type, id));
    const allConfig: Record<string, string> = { ...(opts.extraConfig ?? {}) };
    for (const [k, v] of Object.entries(opts.config)) allConfig[`quorvex:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
    pulumi.runtime.setAllConfig(allConfig, []);

    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                const k = key(args.type, args.name);
                if (isLookup(args.type, args.id)) {
                    lookups.push(`${args.type}::${String(args.id)}`);
                    return { id: String(args.id), state: {} };
                }
                const seen = resources.get(k);
                if (seen) seen.inputs = args.inputs;
                else {
                    resources.set(k, {
                        type: args.type,
                        name: args.name,
                        parent: null,
                        custom: args.custom ?? true,
                        inputs: args.inputs,
                        options: emptyOptions(),
                    });
                    order.push(k);
                }
                if (seen) seen.custom = args.custom ?? true;
                if (args.type === "pulumi:pulumi:StackReference")
                    return { id: args.name, state: stackReferenceState(String(args.inputs.name ?? args.name), opts.stackReferences) };
                return { id: args.custom === false ? undefined : `${args.name}-id`, state: mockState(args.type, args.name, args.inputs, generatedSecrets) };
            },
            call(args) {
                return args.inputs;
            },
        },
        opts.project ?? "quorvex",
        opts.stack,
        false,
    );

    const log = pulumi.log as unknown as Record<string, (msg: string) => Promise<void>>;
    const saved = { warn: log.warn, info: log.info, error: log.error };
    for (const level of ["warn", "info", "error"] as const) {
        log[level] = async (msg: string) => {
            logs.push(`${level}: ${msg}`);
        };
    }

    // Pulumi records a stack trace for every promise it makes (for leak reports), and ts-node maps
    // each frame through source maps: that was most of the plan's time, growing with the fleet.
    // The offline plan reports no leaks, so it records none (QUORVEX_PLAN_STACKS=1 keeps them).
    const stackTraceLimit = Error.stackTraceLimit;
    const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: <T>(p: Promise<T>, ctx: unknown) => Promise<T> };
    const debuggablePromise = debuggable.debuggablePromise;
    if (!process.env.QUORVEX_PLAN_STACKS) {
        Error.stackTraceLimit = 0;
        // The same for the leak detector's wrapper around every promise: three extra promises and
        // a stack trace each, for a report the plan never prints.
        debuggable.debuggablePromise = (p) => p;
    }
    let exported: Record<string, unknown> = {};
    let programError: unknown;
    // Like Pulumi's language host, a rejection nobody handled fails the program (and is not lost).
    const rejections: unknown[] = [];
    const others = process.listeners("unhandledRejection");
    process.removeAllListeners("unhandledRejection");
    const onRejection = (reason: unknown) => void rejections.push(reason);
    process.on("unhandledRejection", onRejection);
    const program = opts.program ?? DEFAULT_PROGRAM;
    if (!opts.build) unloadProgram(program);
    const urns = new Set<string>();
    const duplicates: string[] = [];
    try {
        await pulumi.runtime.runInPulumiStack(async () => {
            pulumi.runtime.registerStackTransformation((args) => {
                const k = key(args.type, args.name);
                const o = args.opts as pulumi.CustomResourceOptions;
                if (isLookup(args.type, o.id)) return undefined;
                const urn = urnOf(args.type, args.name, o.parent);
                if (urns.has(urn)) duplicates.push(urn);
                urns.add(urn);
                const entry: PlannedResource = resources.get(k) ?? {
                    type: args.type,
                    name: args.name,
                    parent: null,
                    custom: true,
                    inputs: {},
                    options: emptyOptions(),
                };
                if (!resources.has(k)) {
                    resources.set(k, entry);
                    order.push(k);
                }
                const parent = ident(o.parent);
                entry.parent = parent && !parent.startsWith("pulumi:pulumi:Stack") ? parent : null;
                entry.options = {
                    protect: o.protect === true,
                    retainOnDelete: o.retainOnDelete === true,
                    ignoreChanges: [...(o.ignoreChanges ?? [])],
                    dependsOn: (Array.isArray(o.dependsOn) ? o.dependsOn : o.dependsOn ? [o.dependsOn] : [])
                        .map((d) => ident(d))
                        .filter((d): d is string => d !== null),
                    deleteBeforeReplace: o.deleteBeforeReplace === true,
                    aliases: (o.aliases ?? []).map((a) => aliasKey(a, args.type, args.name)),
                    ...(o.customTimeouts ? { customTimeouts: { ...o.customTimeouts } } : {}),
                    ...(o.replaceOnChanges?.length ? { replaceOnChanges: [...o.replaceOnChanges] } : {}),
                };
                return undefined;
            });
            // A program that throws (bad config) must fail this run, not leave rejected promises behind.
            try {
                // A build may create a target through its plug-in, which loads the target's modules lazily.
                ensureTsNode();
                if (opts.build) exported = opts.build() ?? {};
                else exported = require(program);
            } catch (err) {
                programError = err;
            }
            return programError ? {} : exported;
        });
        if (!programError && duplicates.length) programError = new Error(`Duplicate resource URN: ${duplicates.join(", ")} (registered twice)`);
        if (programError) {
            const registered = order.filter((k) => !k.startsWith("pulumi:pulumi:Stack")).length;
            throw new ProgramFailed((programError as Error).message ?? String(programError), registered, programError);
        }
        const outputs: StackRun["outputs"] = {};
        let outputError: unknown;
        for (const [name, v] of Object.entries(exported)) {
            if (pulumi.Output.isInstance(v)) {
                const out = v as unknown as { promise(): Promise<unknown>; isSecret: Promise<boolean> };
                try {
                    outputs[name] = { value: await out.promise(), secret: await out.isSecret };
                } catch (err) {
                    outputError ??= err;
                }
            } else {
                outputs[name] = { value: v, secret: false };
            }
        }
        await waitForRpcs();
        await new Promise((resolve) => setImmediate(resolve));
        const failure = outputError ?? rejections[0];
        if (failure) throw new ProgramFailed((failure as Error).message ?? String(failure), order.length, failure);
        return {
            stack: opts.stack,
            resources: order.map((k) => resources.get(k)!).filter((r) => !r.type.startsWith("pulumi:pulumi:Stack")),
            outputs,
            generatedSecrets,
            logs,
            lookups,
        };
    } finally {
        Object.assign(log, saved);
        // Rejections are reported a tick after nobody handled them: let the failed program's stragglers land here.
        for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
        process.removeListener("unhandledRejection", onRejection);
        Error.stackTraceLimit = stackTraceLimit;
        debuggable.debuggablePromise = debuggablePromise;
        for (const l of others) process.on("unhandledRejection", l);
    }
}

/** `type::name` an alias points at (a URN string, or an object defaulting to the resource's own type and name). */
function aliasKey(alias: unknown, type: string, name: string): string {
    if (typeof alias === "string") {
        const parts = alias.split("::");
        const qualified = parts[parts.length - 2] ?? type;
        return `${qualified.slice(qualified.lastIndexOf("$") + 1)}::${parts[parts.length - 1]}`;
    }
    const a = (alias ?? {}) as { name?: unknown; type?: unknown };
    return `${typeof a.type === "string" ? a.type : type}::${typeof a.name === "string" ? a.name : name}`;
}

function emptyOptions(): ResourceOptionsSeen {
    return { protect: false, retainOnDelete: false, ignoreChanges: [], dependsOn: [], deleteBeforeReplace: false, aliases: [] };
}

async function waitForRpcs(): Promise<void> {
    const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
    await settings.waitForRPCs();
}
