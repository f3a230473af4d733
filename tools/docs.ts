/**
 * npm run docs [-- --check]
 *
 * Regenerates the generated tables of the docs from their sources (the zod
 * schema and defaults, the outputs contract, the policy pack, the grants):
 * the config reference, who holds which credential, the outputs, the
 * policies. `--check` exits 1 when a file differs.
 */
import * as fs from "fs";
import * as path from "path";
import type { z } from "zod";
import type { Raw } from "../config/sizing";
import { describeKey } from "../config/docs";
import { configSchema, cpu, defaultsFor, MAX_MEMORY, MAX_STORAGE, memory, storage } from "../config/schema";
import { TARGETS } from "../targets/registry";
import { OUTPUT_DOCS, OUTPUT_NAMES, outputsSchema, SECRET_OUTPUTS } from "../contract/outputs";
import { settingsFor } from "../policies/evaluate";
import { policies, stackPolicies } from "../policies/pack";
import { BUCKET_ACCESS } from "../components/minio";
import { DATABASE_ACCESS } from "../components/postgres";
import { grants, OTHER_TEAMS } from "../stacks/compose";
import { resolveConfig } from "../config/load";

const ROOT = path.resolve(__dirname, "..");

type Schema = z.ZodType;
type Def = {
    type: string;
    entries?: Record<string, string>;
    options?: Schema[];
    in?: Schema;
    out?: Schema;
    shape?: Record<string, Schema>;
    innerType?: Schema;
};
const def = (s: Schema): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

function typeOf(s: Schema): string {
    if (s === memory) return `memory (\`512Mi\`, \`2Gi\`; at most ${MAX_MEMORY})`;
    if (s === storage) return `volume size (\`20Gi\`; at most ${MAX_STORAGE})`;
    if (s === cpu) return "CPU (`500m`, `2`)";
    const d = def(s);
    switch (d.type) {
        case "enum":
            return Object.values(d.entries!)
                .map((v) => `\`${v}\``)
                .join(" \\| ");
        case "pipe":
            return d.out && def(d.out).type !== "transform" ? typeOf(d.out) : typeOf(d.in!);
        case "number":
            return "integer";
        case "union":
            return d
                .options!.map(typeOf)
                .filter((t, i, a) => a.indexOf(t) === i)
                .join(" or ");
        case "null":
            return "null";
        case "array":
            return "list";
        case "record":
            return "map";
        default:
            return d.type;
    }
}

function leaves(schema: Schema, prefix = ""): [string, Schema][] {
    let d = def(schema);
    while (d.type === "pipe" && d.in && def(d.in).type === "object") d = def(d.in);
    if (d.type !== "object") return [[prefix, schema]];
    return Object.entries(d.shape!).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

function at(obj: Raw, key: string): unknown {
    return key.split(".").reduce<unknown>((o, k) => (o as Raw | undefined)?.[k], obj);
}

const show = (v: unknown) =>
    v === null ? "null" : v === undefined ? "" : `\`${Array.isArray(v) ? v.join(", ") : typeof v === "object" ? JSON.stringify(v) : String(v)}\``;

export function configTable(): string {
    // Every target in every mode it runs: a default that differs between them is shown per variant.
    const variants = TARGETS.flatMap((t) =>
        t.capabilities.modes.map((mode) => ({ label: t.capabilities.modes.length > 1 ? `${t.name} ${mode}` : t.name, defaults: defaultsFor(t.name, mode) })),
    );
    const rows = leaves(configSchema as unknown as Schema).map(([key, s]) => {
        const shown = variants.map((v) => show(at(v.defaults, key)));
        const defaults =
            key === "target"
                ? shown[0]
                : key === "mode"
                  ? TARGETS.map((t) => `${show(t.capabilities.modes[0])} on ${t.name}`).join(", ")
                  : shown.every((x) => x === shown[0])
                    ? shown[0]
                    : variants.map((v, i) => `${v.label} ${shown[i]}`).join("; ");
        const doc = describeKey(key);
        if (!doc) throw new Error(`config key ${key} has no description in config/docs.ts or its target's plug-in`);
        return `| \`quorvex:${key}\` | ${typeOf(s)} | ${defaults} | ${doc} |`;
    });
    return ["| key | type | default | meaning |", "|---|---|---|---|", ...rows].join("\n");
}

export function outputsTable(): string {
    const rows = OUTPUT_NAMES.map((name) => {
        const secret = (SECRET_OUTPUTS as readonly string[]).includes(name) ? "yes" : "no";
        return `| \`${name}\` | ${typeOf(outputsSchema.shape[name] as unknown as Schema)} | ${secret} | ${OUTPUT_DOCS[name]} |`;
    });
    return ["| output | type | secret | meaning |", "|---|---|---|---|", ...rows].join("\n");
}

export function policiesTable(): string {
    const rows = policies.map((p) => {
        const [what, fix] = p.description.split(" Fix: ");
        const kind = stackPolicies.includes(p as never) ? "stack" : "resource";
        return `| \`${p.name}\` | ${settingsFor(p).level} | ${kind} | ${what} | ${fix ?? ""} |`;
    });
    return ["| policy | level | scope | what it checks | how to fix |", "|---|---|---|---|---|", ...rows].join("\n");
}

/** Who holds which credential, and what it may do with it: prod with KEDA, the backup and the exporters, where every consumer exists. */
export function credentialsTable(): string {
    // A target where every consumer exists: one with KEDA and scheduled tasks (the backup).
    const full = TARGETS.find((t) => t.capabilities.autoscalers.includes("keda") && t.capabilities.scheduledTasks);
    if (!full) throw new Error("no target runs KEDA and scheduled tasks: the credentials table needs one");
    const config = resolveConfig({
        target: full.name,
        mode: "workers",
        workers: { autoscaler: "keda" },
        backup: { enabled: true },
        exporters: { enabled: true },
    }).config;
    const who = grants(config);
    const consumers = [...new Set([...who.postgres.map((r) => r.consumer), ...who.redis.map((u) => u.consumer), ...who.minio.map((u) => u.name)])];
    const shownAs = (c: string) =>
        c === OTHER_TEAMS ? "other teams (the stack outputs)" : c === "workers-scaler" ? "KEDA's scaler (workers' ScaledObject)" : `\`${c}\``;
    const rows = [
        "| `postgres`, `postgres-roles` | the superuser (root) | | |",
        "| `redis` | | the `admin` user (root) | |",
        "| `minio`, `minio-buckets` | | | the root user |",
        ...consumers
            .map((c) => {
                const pg = who.postgres.find((r) => r.consumer === c);
                const rd = who.redis.find((u) => u.consumer === c);
                const mn = who.minio.find((u) => u.name === c);
                return [
                    shownAs(c),
                    pg ? `\`${pg.name}\`: ${DATABASE_ACCESS[pg.access]}` : "",
                    rd ? `\`${rd.name}\`: \`${rd.rules}\`` : "",
                    mn ? `\`${mn.name}\`: ${mn.grants.map((g) => `${g.bucket}: ${BUCKET_ACCESS[g.access]}`).join("; ")}` : "",
                ].join(" | ");
            })
            .map((r) => `| ${r} |`),
    ];
    return ["| workload | Postgres | Redis | MinIO |", "|---|---|---|---|", ...rows].join("\n");
}

/** Each generated block, and the file of the docs it lives in. */
export const BLOCKS: Record<string, { file: string; render: () => string }> = {
    config: { file: "docs/configuration.md", render: configTable },
    credentials: { file: "docs/credentials.md", render: credentialsTable },
    outputs: { file: "docs/outputs.md", render: outputsTable },
    policies: { file: "docs/policies.md", render: policiesTable },
};

/** `text` (the file `file`) with each of its generated blocks replaced. */
export function generate(file: string, text: string): string {
    let out = text;
    for (const [name, block] of Object.entries(BLOCKS)) {
        if (block.file !== file) continue;
        const start = `<!-- generated:${name} (npm run docs) -->`;
        const end = `<!-- /generated:${name} -->`;
        const i = out.indexOf(start);
        const j = out.indexOf(end);
        if (i < 0 || j < i) throw new Error(`${file} lacks the ${start} ... ${end} block`);
        out = `${out.slice(0, i + start.length)}\n${block.render()}\n${out.slice(j)}`;
    }
    return out;
}

/** Every file that holds a generated block. */
export const GENERATED_FILES = [...new Set(Object.values(BLOCKS).map((b) => b.file))];

if (require.main === module) {
    const stale: string[] = [];
    for (const file of GENERATED_FILES) {
        const current = fs.readFileSync(path.join(ROOT, file), "utf8");
        const next = generate(file, current);
        if (next === current) continue;
        stale.push(file);
        if (!process.argv.includes("--check")) {
            fs.writeFileSync(path.join(ROOT, file), next);
            process.stdout.write(`${file} updated\n`);
        }
    }
    if (process.argv.includes("--check") && stale.length) {
        process.stderr.write(`out of date: ${stale.join(", ")}: run \`npm run docs\`\n`);
        process.exit(1);
    }
}
