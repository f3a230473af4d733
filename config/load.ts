/**
 * Turns raw stack config into a validated `QuorvexConfig`, or a `ConfigError`
 * with one line per problem: `quorvex:<key> = <value>: <rule>`.
 */
import { SERVICES, type ServicePlugin } from "../components/registry";
import { TARGETS } from "../targets/registry";
import type { TargetPlugin } from "../targets/plugin";
import { configSchema, configSchemaFor, MODES, type Mode, type QuorvexConfig } from "./schema";
import { defaultsOf } from "./defaults";
import { withMirror } from "./images";
import { deepMerge, type Raw } from "./sizing";

export { deepMerge };

export const NAMESPACE = "quorvex";

/** At most this many problems are printed; the rest are counted. */
const MAX_PROBLEMS_SHOWN = 20;

/** Problems as indented lines, the first 20 of them, then a count of the rest. */
export function listProblems(problems: string[]): string {
    const more = problems.length - MAX_PROBLEMS_SHOWN;
    return [...problems.slice(0, MAX_PROBLEMS_SHOWN), ...(more > 0 ? [`... and ${more} more`] : [])].join("\n  ");
}

export class ConfigError extends Error {
    constructor(public readonly problems: string[]) {
        super(`invalid stack config (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  ${listProblems(problems)}`);
        this.name = "ConfigError";
    }
}

export interface ResolvedConfig {
    config: QuorvexConfig;
    warnings: string[];
}

const isObject = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v);

function at(obj: unknown, path: PropertyKey[]): unknown {
    let cur = obj;
    for (const p of path) {
        if (!isObject(cur) && !Array.isArray(cur)) return undefined;
        cur = (cur as Record<PropertyKey, unknown>)[p];
    }
    return cur;
}

/**
 * Key names that suggest a credential: a value under them (or a typo of them)
 * is never shown. This covers the secret keys (`ingress.tls.key`,
 * `registry.auth[n].password`) and their misspellings alike.
 */
const SECRET_LOOKING_KEY = /key|pass|secret|token|credential|cert|private/i;

function show(value: unknown, path: PropertyKey[] = []): string {
    if (value === undefined) return "(missing)";
    if (value === null) return "null";
    if (path.some((p) => typeof p === "string" && SECRET_LOOKING_KEY.test(p))) return '"[secret]"';
    // A list or object refused as a whole still hides what sits under a secret-looking key inside it.
    const s = JSON.stringify(value, (k, v: unknown) => (k !== "" && SECRET_LOOKING_KEY.test(k) ? "[secret]" : v)) ?? String(value);
    // A PEM block (a key pasted under a mistyped name) is never echoed either.
    if (/-----BEGIN|PRIVATE KEY/.test(s)) return '"[secret]"';
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function distance(a: string, b: string): number {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)] as number[]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++)
        for (let j = 1; j <= b.length; j++)
            d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
    return d[a.length][b.length];
}

function suggestion(key: string, known: string[]): string {
    const best = known.map((k) => ({ k, d: distance(key, k) })).sort((x, y) => x.d - y.d)[0];
    return best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? ` (did you mean \`${best.k}\`?)` : "";
}

/** `quorvex:a.b[0].c`, as `pulumi config set --path` writes it. */
const keyName = (path: PropertyKey[]): string =>
    `${NAMESPACE}:${path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i ? "." : ""}${String(p)}`)).join("")}`;

/**
 * Validates raw config (as nested objects) and applies the defaults. Throws ConfigError.
 * `targets`, `services`: the registered ones, or a test's own.
 */
export function resolveConfig(raw: Raw, targets: readonly TargetPlugin[] = TARGETS, services: readonly ServicePlugin[] = SERVICES): ResolvedConfig {
    // An unknown target is reported by the schema; the defaults are then the first target's.
    const target = targets.find((t) => t.name === raw.target) ?? targets[0];
    const mode: Mode = (MODES as readonly unknown[]).includes(raw.mode) ? (raw.mode as Mode) : target.capabilities.modes[0];
    const defaults = defaultsOf(target, mode, targets, services);
    const merged = deepMerge(defaults, raw);
    const schema = targets === TARGETS && services === SERVICES ? configSchema : configSchemaFor(targets, services);
    const result = schema.safeParse(merged);
    if (!result.success) {
        const problems: string[] = [];
        for (const issue of result.error.issues) {
            if (issue.code === "unrecognized_keys") {
                const known = Object.keys((at(defaults, issue.path) as Raw | undefined) ?? {});
                for (const k of issue.keys) {
                    problems.push(
                        `${keyName([...issue.path, k])} = ${show(at(merged, [...issue.path, k]), [...issue.path, k])}: unknown key${suggestion(k, known)}`,
                    );
                }
                continue;
            }
            problems.push(`${keyName(issue.path)} = ${show(at(merged, issue.path), issue.path)}: ${issue.message}`);
        }
        throw new ConfigError(problems);
    }
    // The schema checked every key: this is a config of the registered shape.
    const data = result.data as unknown as QuorvexConfig;
    // The mirror rewrites every image the stack did not set explicitly.
    const explicit = new Set(isObject(raw.images) ? Object.keys(raw.images) : []);
    const config = { ...data, images: withMirror(data.images, data.registry.mirror, explicit) };
    const warnings = target.warnings?.(config, keyName) ?? [];
    return { config, warnings };
}

/**
 * Reads the `quorvex:*` keys from Pulumi's config map (as `pulumi.runtime.allConfig()`
 * returns it: structured values arrive as JSON text) into nested raw config.
 * Keys of other namespaces (`kubernetes:context`, `docker:host`...) are not ours.
 */
export function rawFromPulumiConfig(all: Record<string, string>): Raw {
    const raw: Raw = {};
    for (const [fullKey, text] of Object.entries(all)) {
        if (!fullKey.startsWith(`${NAMESPACE}:`)) continue;
        const key = fullKey.slice(NAMESPACE.length + 1);
        let value: unknown = text;
        try {
            const parsed = JSON.parse(text);
            if (typeof parsed !== "string") value = parsed;
        } catch {
            value = text;
        }
        raw[key] = value;
    }
    return raw;
}
