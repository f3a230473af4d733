/**
 * Reads a stack's config the way the Pulumi CLI does, without the CLI:
 * `Pulumi.yaml` (project-level defaults) under `Pulumi.<stack>.yaml`, then
 * `--set path=value` overrides (`pulumi config set --path` syntax, values
 * parsed as YAML scalars).
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";

export class UsageError extends Error {}

type Raw = Record<string, unknown>;

export interface StackConfig {
    project: string;
    /** `quorvex:*` keys, nested. */
    config: Raw;
    /** Other namespaces' keys, verbatim. */
    extra: Record<string, string>;
}

function readYaml(file: string): Raw {
    try {
        return (parseYaml(fs.readFileSync(file, "utf8")) ?? {}) as Raw;
    } catch (err) {
        throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
    }
}

function hasSecure(v: unknown): boolean {
    if (typeof v !== "object" || v === null) return false;
    if ("secure" in (v as Raw) && Object.keys(v as Raw).length === 1) return true;
    return Object.values(v as Raw).some(hasSecure);
}

/** `workers.replicas` / `quorvex:workers.replicas` / `a.b[0]` -> path segments. */
export function parsePath(p: string, namespace: string): (string | number)[] {
    const bare = p.startsWith(`${namespace}:`) ? p.slice(namespace.length + 1) : p;
    if (bare.includes(":")) throw new UsageError(`--set ${p}: only ${namespace}:* keys can be set`);
    const segments: (string | number)[] = [];
    for (const part of bare.split(".")) {
        const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
        if (!m) throw new UsageError(`--set ${p}: cannot read the path segment "${part}"`);
        segments.push(m[1]);
        for (const idx of m[2].match(/\d+/g) ?? []) segments.push(Number(idx));
    }
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
        const v = parseYaml(text);
        return typeof v === "object" && v !== null ? text : v;
    } catch {
        return text;
    }
}

export function readStackConfig(root: string, stack: string, sets: string[]): StackConfig {
    if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new UsageError(`--stack ${stack}: not a stack name`);
    const projectFile = path.join(root, "Pulumi.yaml");
    const stackFile = path.join(root, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(stackFile)) throw new UsageError(`no stack file ${path.basename(stackFile)} (stacks: ${listStacks(root).join(", ") || "none"})`);
    const project = readYaml(projectFile);
    const namespace = String(project.name ?? "quorvex");
    const config: Raw = {};
    const extra: Record<string, string> = {};
    const put = (fullKey: string, value: unknown, origin: string) => {
        const [ns, key] = fullKey.includes(":") ? [fullKey.slice(0, fullKey.indexOf(":")), fullKey.slice(fullKey.indexOf(":") + 1)] : [namespace, fullKey];
        if (hasSecure(value)) throw new UsageError(`${origin}: ${fullKey} is encrypted (secure:); the offline plan cannot decrypt it - override it with --set`);
        if (ns === namespace) config[key] = value;
        else extra[`${ns}:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
    };
    const stackValues = ((readYaml(stackFile).config ?? {}) as Raw) ?? {};
    for (const [k, decl] of Object.entries((project.config ?? {}) as Raw)) {
        const d = decl as Raw;
        if (typeof d === "object" && d !== null && ("default" in d || "value" in d)) put(k, d.value ?? d.default, "Pulumi.yaml");
        else if (!(k in stackValues) && !(`${namespace}:${k}` in stackValues)) {
            // The Pulumi CLI refuses such a stack before the program runs: so does the plan.
            throw new UsageError(`Stack '${stack}' is missing configuration value '${k}' (Pulumi.yaml declares it without a default)`);
        }
    }
    for (const [k, v] of Object.entries(stackValues)) put(k, v, path.basename(stackFile));
    for (const s of sets) {
        const eq = s.indexOf("=");
        if (eq <= 0) throw new UsageError(`--set ${s}: expected path=value`);
        setPath(config, parsePath(s.slice(0, eq), namespace), parseScalar(s.slice(eq + 1)));
    }
    return { project: namespace, config, extra };
}

export function listStacks(root: string): string[] {
    return fs
        .readdirSync(root)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}
