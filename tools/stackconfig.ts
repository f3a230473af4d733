/**
 * Reads a stack's config the way the Pulumi CLI does, without the CLI:
 * `Pulumi.yaml` (project-level defaults) under `Pulumi.<stack>.yaml`, then
 * `--set path=value` overrides (`pulumi config set --path` syntax, values
 * parsed as YAML scalars).
 *
 * Its input comes from pull requests, so it is strict and bounded: a file
 * that is not what it seems is refused (never read as "no config"), keys
 * that would reach an object's prototype are unknown keys, and paths,
 * indices and values have limits.
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { UsageError } from "./cli";

export { UsageError };

type Raw = Record<string, unknown>;

export interface StackConfig {
    project: string;
    /** `quorvex:*` keys, nested. */
    config: Raw;
    /** Other namespaces' keys, verbatim. */
    extra: Record<string, string>;
}

/** Limits on what `--set` and the stack files may hold. */
export const LIMITS = {
    /** Segments in one key path (`a.b[0].c` is 4). */
    pathSegments: 16,
    /** Characters in one key path. */
    pathLength: 256,
    /** Largest list index (config lists are short: exempt images, hosts). */
    listIndex: 255,
    /** Characters in one value (a PEM certificate chain fits). */
    valueLength: 65_536,
    /** Bytes in one stack file. */
    fileBytes: 1_048_576,
} as const;

/** Keys that would reach an object's prototype: never config keys. */
const PROTOTYPE_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** Top-level keys of a stack file, as the Pulumi CLI knows them. */
const STACK_FILE_KEYS = ["config", "encryptionsalt", "secretsprovider", "encryptedkey", "environment"];

const isMapping = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v);

function readYaml(file: string): unknown {
    let text: string;
    try {
        const size = fs.statSync(file).size;
        if (size > LIMITS.fileBytes) throw new Error(`${size} bytes, more than the ${LIMITS.fileBytes} a stack file may have`);
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new UsageError(`cannot read ${path.basename(file)}: ${(err as Error).message}`);
    }
    try {
        return parseYaml(text, { maxAliasCount: 100, logLevel: "error" }) ?? {};
    } catch (err) {
        throw new UsageError(`cannot read ${path.basename(file)}: ${(err as Error).message.split("\n")[0]}`);
    }
}

/** A YAML file that must be a mapping (a list or a scalar is not a Pulumi file). */
function readMapping(file: string): Raw {
    const doc = readYaml(file);
    if (!isMapping(doc))
        throw new UsageError(
            `${path.basename(file)}: expected a mapping of keys (such as \`config:\`), found ${Array.isArray(doc) ? "a list" : `a ${typeof doc}`}`,
        );
    return doc;
}

/** The key paths (dotted, from `at`) under `v` that hold a `secure:` value. */
function securePaths(v: unknown, at: string): string[] {
    if (!isMapping(v)) return [];
    if ("secure" in v && Object.keys(v).length === 1) return [at];
    return Object.entries(v).flatMap(([k, x]) => securePaths(x, `${at}.${k}`));
}

/** Refuses keys that would reach a prototype, anywhere in a value read from a file. */
function checkKeys(v: unknown, at: string, depth = 0): void {
    if (depth > LIMITS.pathSegments) throw new UsageError(`${at}: nested more than ${LIMITS.pathSegments} levels deep`);
    if (Array.isArray(v)) v.forEach((x, i) => checkKeys(x, `${at}[${i}]`, depth + 1));
    else if (isMapping(v)) {
        for (const [k, x] of Object.entries(v)) {
            if (PROTOTYPE_KEYS.has(k)) throw new UsageError(`${at}.${k}: unknown key`);
            checkKeys(x, `${at}.${k}`, depth + 1);
        }
    }
}

/** `workers.replicas` / `quorvex:workers.replicas` / `a.b[0]` -> path segments. */
export function parsePath(p: string, namespace: string): (string | number)[] {
    if (p.length > LIMITS.pathLength) throw new UsageError(`--set ${p.slice(0, 40)}...: a key path has at most ${LIMITS.pathLength} characters`);
    const bare = p.startsWith(`${namespace}:`) ? p.slice(namespace.length + 1) : p;
    if (bare.includes(":")) throw new UsageError(`--set ${p}: only ${namespace}:* keys can be set`);
    const segments: (string | number)[] = [];
    for (const part of bare.split(".")) {
        const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
        if (!m) throw new UsageError(`--set ${p}: cannot read the path segment "${part}"`);
        if (PROTOTYPE_KEYS.has(m[1])) throw new UsageError(`${namespace}:${bare}: unknown key`);
        segments.push(m[1]);
        for (const idx of m[2].match(/\d+/g) ?? []) {
            const n = Number(idx);
            if (!(n <= LIMITS.listIndex))
                throw new UsageError(`--set ${p}: list index ${idx.length > 12 ? `${idx.slice(0, 12)}...` : idx} is above ${LIMITS.listIndex}`);
            segments.push(n);
        }
    }
    if (segments.length > LIMITS.pathSegments) throw new UsageError(`--set ${p.slice(0, 60)}...: a key path has at most ${LIMITS.pathSegments} segments`);
    return segments;
}

export function setPath(target: Raw, segments: (string | number)[], value: unknown): void {
    let cur: Raw | unknown[] = target;
    segments.forEach((seg, i) => {
        const last = i === segments.length - 1;
        const container = cur as Record<string | number, unknown>;
        if (last) {
            container[seg] = value;
            return;
        }
        const nextIsIndex = typeof segments[i + 1] === "number";
        if (typeof container[seg] !== "object" || container[seg] === null) container[seg] = nextIsIndex ? [] : {};
        cur = container[seg] as Raw;
    });
}

export function parseScalar(text: string): unknown {
    try {
        const v = parseYaml(text, { logLevel: "error" });
        return typeof v === "object" && v !== null ? text : v;
    } catch {
        return text;
    }
}

export function readStackConfig(root: string, stack: string, sets: string[]): StackConfig {
    if (!/^[A-Za-z0-9_.-]{1,100}$/.test(stack)) throw new UsageError(`--stack ${stack.slice(0, 100)}: not a stack name (letters, digits, '_', '.', '-')`);
    const projectFile = path.join(root, "Pulumi.yaml");
    const stackFile = path.join(root, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(stackFile)) throw new UsageError(`no stack file ${path.basename(stackFile)} (stacks: ${listStacks(root).join(", ") || "none"})`);
    const project = readMapping(projectFile);
    const namespace = String(project.name ?? "quorvex");

    // --set first: they decide which encrypted values the plan never needs to read.
    const overrides = sets.map((s) => {
        const eq = s.indexOf("=");
        if (eq <= 0) throw new UsageError(`--set ${s.slice(0, 80)}: expected path=value`);
        const value = s.slice(eq + 1);
        if (value.length > LIMITS.valueLength) throw new UsageError(`--set ${s.slice(0, eq)}: a value has at most ${LIMITS.valueLength} characters`);
        const segments = parsePath(s.slice(0, eq), namespace);
        return { segments, dotted: segments.map(String).join("."), value: parseScalar(value) };
    });
    const overridden = (dotted: string) => overrides.some((o) => dotted === o.dotted || dotted.startsWith(`${o.dotted}.`));

    const config: Raw = {};
    const extra: Record<string, string> = {};
    const put = (fullKey: string, value: unknown, origin: string) => {
        const [ns, key] = fullKey.includes(":") ? [fullKey.slice(0, fullKey.indexOf(":")), fullKey.slice(fullKey.indexOf(":") + 1)] : [namespace, fullKey];
        if (PROTOTYPE_KEYS.has(key) || PROTOTYPE_KEYS.has(ns)) throw new UsageError(`${origin}: ${fullKey}: unknown key`);
        checkKeys(value, `${origin}: ${ns}:${key}`);
        const secure = securePaths(value, key).find((p) => !(ns === namespace && overridden(p)));
        if (secure) {
            throw new UsageError(
                `${origin}: ${ns}:${secure} is encrypted (secure:); the offline plan cannot decrypt it - override it with --set ${ns === namespace ? secure : `${ns}:${secure}`}=<value>`,
            );
        }
        if (ns === namespace) config[key] = value;
        else extra[`${ns}:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
    };

    const stackDoc = readMapping(stackFile);
    for (const k of Object.keys(stackDoc)) {
        if (!STACK_FILE_KEYS.includes(k)) {
            const near = STACK_FILE_KEYS.find((known) => known[0] === k[0]?.toLowerCase() && Math.abs(known.length - k.length) <= 2);
            throw new UsageError(
                `${path.basename(stackFile)}: unknown top-level key \`${k.slice(0, 60)}\`${near ? ` (did you mean \`${near}\`?)` : ""}; stack files hold ${STACK_FILE_KEYS.join(", ")}`,
            );
        }
    }
    const stackValues = stackDoc.config ?? {};
    if (!isMapping(stackValues)) throw new UsageError(`${path.basename(stackFile)}: \`config:\` must be a mapping of keys to values`);
    const declared = project.config ?? {};
    if (!isMapping(declared)) throw new UsageError(`Pulumi.yaml: \`config:\` must be a mapping of keys to declarations`);
    for (const [k, decl] of Object.entries(declared)) {
        const d = decl as Raw;
        if (isMapping(d) && ("default" in d || "value" in d)) put(k, d.value ?? d.default, "Pulumi.yaml");
        else if (!(k in stackValues) && !(`${namespace}:${k}` in stackValues)) {
            // The Pulumi CLI refuses such a stack before the program runs: so does the plan.
            throw new UsageError(`Stack '${stack}' is missing configuration value '${k}' (Pulumi.yaml declares it without a default)`);
        }
    }
    for (const [k, v] of Object.entries(stackValues)) put(k, v, path.basename(stackFile));
    for (const o of overrides) setPath(config, o.segments, o.value);
    return { project: namespace, config, extra };
}

export function listStacks(root: string): string[] {
    return fs
        .readdirSync(root)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}
