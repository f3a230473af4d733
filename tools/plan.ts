/**
 * npm run plan -- --stack <name> [--set path=value ...] [--json] [--out DIR]
 *
 * Runs the program under Pulumi's mock runtime with the stack's config and
 * shows the whole desired state: resource tree, capacity and policy verdicts.
 * Exit 0 ok, 1 a mandatory policy violation, 2 bad config or usage.
 */
import * as fs from "fs";
import { outputDirectory, readJsonFile, runMain, UsageError } from "./cli";
import { readPackConfig } from "./packconfig";
import { imagesOf } from "../policies/targets";
import * as path from "path";
import { hasMandatory, type PackConfig } from "../policies/evaluate";
import { compare, holdsData, renderComparison } from "./compare";
import { TARGETS } from "../targets/registry";
import { toYaml } from "./yaml";
import type { PlanResource } from "./planner";
import { ConfigError, planStack } from "./planner";
import { renderPlan } from "./render";

const USAGE =
    "usage: npm run plan -- --stack <name> [--set path=value ...] [--json] [--images] [--out DIR] [--policy-config FILE] [--compare OLD-resources.json [--allow-data-loss]]";

/** More overrides than any stack has keys is a mistake (or an attack), not a plan. */
const MAX_SETS = 200;

interface Args {
    stack?: string;
    sets: string[];
    json: boolean;
    /** Only the image references the stack runs (for mirroring into an air-gapped registry). */
    images: boolean;
    out?: string;
    policyConfig?: string;
    compare?: string;
    allowDataLoss: boolean;
}

export function parseArgs(argv: string[]): Args {
    const a: Args = { sets: [], json: false, images: false, allowDataLoss: false };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const value = () => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) throw new UsageError(`${arg} needs a value\n${USAGE}`);
            return v;
        };
        if (arg === "--stack" || arg === "-s") a.stack = value();
        else if (arg === "--set") a.sets.push(value());
        else if (arg === "--json") a.json = true;
        else if (arg === "--images") a.images = true;
        else if (arg === "--out") a.out = value();
        else if (arg === "--policy-config") a.policyConfig = value();
        else if (arg === "--compare") a.compare = value();
        else if (arg === "--allow-data-loss") a.allowDataLoss = true;
        else throw new UsageError(`unknown argument ${arg}\n${USAGE}`);
    }
    if (!a.stack) throw new UsageError(`--stack is required\n${USAGE}`);
    if (a.sets.length > MAX_SETS) throw new UsageError(`at most ${MAX_SETS} --set options (got ${a.sets.length})`);
    if (a.allowDataLoss && !a.compare) throw new UsageError(`--allow-data-loss goes with --compare\n${USAGE}`);
    return a;
}

const RESOURCE_OPTIONS = { protect: false, retainOnDelete: false, ignoreChanges: [], dependsOn: [] };

/**
 * An earlier plan: `resources.json` from --out, or a whole --json document.
 * A review tool fails closed: anything it cannot read for certain (a parent
 * that loops or is not a resource, a data-holding resource without a
 * readable spec) is refused rather than reviewed as "no data loss".
 */
function readResources(file: string): PlanResource[] {
    const doc = readJsonFile("--compare", file);
    const list = Array.isArray(doc) ? doc : (doc as { resources?: unknown } | null)?.resources;
    const bad = (why: string) => new UsageError(`--compare ${file}: ${why}`);
    if (!Array.isArray(list)) throw bad("expected the plan's resources (an array of {type, name, parent, inputs, options}) or a --json plan document");
    const resources = list.map((r, i): PlanResource => {
        const o = r as Partial<PlanResource> | null;
        if (typeof o?.type !== "string" || typeof o.name !== "string" || typeof o.inputs !== "object" || o.inputs === null || Array.isArray(o.inputs)) {
            throw bad(`resource #${i} needs a string "type", a string "name" and an object "inputs"`);
        }
        if (o.parent !== undefined && o.parent !== null && typeof o.parent !== "string")
            throw bad(`resource #${i} (${o.name}): "parent" must be a string or null`);
        const options = { ...RESOURCE_OPTIONS, ...(typeof o.options === "object" && o.options !== null ? o.options : {}) };
        return { type: o.type, name: o.name, parent: o.parent ?? null, inputs: o.inputs, options };
    });
    const byId = new Map(resources.map((r) => [`${r.type}::${r.name}`, r]));
    for (const r of resources) {
        const seen = new Set<string>([`${r.type}::${r.name}`]);
        for (let p = r.parent; p; p = byId.get(p)?.parent ?? null) {
            if (seen.has(p)) throw bad(`the parent chain of ${r.type}::${r.name} loops through ${p}`);
            seen.add(p);
        }
        if (holdsData(r) && TARGETS.some((t) => t.review.unreadable?.(r))) {
            throw bad(`${r.type}::${r.name} holds data but has no readable metadata and spec: refusing to review it`);
        }
    }
    return resources;
}

/** Every image reference the stack runs, once each, sorted. */
export function imagesIn(resources: PlanResource[]): string[] {
    return [...new Set(resources.flatMap((r) => imagesOf(r.type, r.name, r.inputs).map((i) => i.image)))].sort();
}

function writeOut(out: string, resources: PlanResource[]): void {
    try {
        fs.writeFileSync(path.join(out, "resources.json"), `${JSON.stringify(resources, null, 2)}\n`);
        const manifests = TARGETS.flatMap((t) => t.review.manifests?.(resources) ?? []);
        if (manifests.length) {
            const dir = path.join(out, "manifests");
            fs.rmSync(dir, { recursive: true, force: true });
            fs.mkdirSync(dir);
            for (const m of manifests) fs.writeFileSync(path.join(dir, m.file), toYaml(m.object));
            fs.writeFileSync(path.join(out, "manifests.yaml"), manifests.map((m) => toYaml(m.object)).join("---\n"));
        }
    } catch (err) {
        throw new UsageError(`--out ${out}: cannot write there (${(err as Error).message})`);
    }
}

export async function main(argv: string[]): Promise<number> {
    let args: Args;
    try {
        args = parseArgs(argv);
    } catch (err) {
        process.stderr.write(`${(err as Error).message}\n`);
        return 2;
    }
    let policyConfig: PackConfig | undefined;
    try {
        // Every file named on the command line is checked before any work is done.
        if (args.policyConfig !== undefined) policyConfig = readPackConfig("--policy-config", args.policyConfig);
        const out = args.out !== undefined ? outputDirectory("--out", args.out) : undefined;
        const before = args.compare !== undefined ? readResources(args.compare) : undefined;
        const { document } = await planStack({ stack: args.stack!, sets: args.sets, policyConfig });
        const comparison = before ? compare(before, document.resources) : undefined;
        if (args.images) {
            const images = imagesIn(document.resources);
            process.stdout.write(args.json ? `${JSON.stringify({ stack: document.stack, images }, null, 2)}\n` : images.map((i) => `${i}\n`).join(""));
            return 0;
        }
        if (out) writeOut(out, document.resources);
        const shown = comparison ? { ...document, compare: comparison } : document;
        process.stdout.write(args.json ? `${JSON.stringify(shown, null, 2)}\n` : renderPlan(document));
        if (comparison && !args.json) process.stdout.write(`\n${renderComparison(comparison, args.compare!)}\n`);
        const dataLoss = comparison !== undefined && comparison.dataLoss.length > 0 && !args.allowDataLoss;
        if (dataLoss) {
            process.stderr.write(`refusing: this change would replace or delete stored data (pass --allow-data-loss to accept):\n`);
            for (const d of comparison!.dataLoss) process.stderr.write(`  ${d.resource}: ${d.reason}\n`);
        }
        const refused = comparison !== undefined && comparison.refused.length > 0;
        if (refused) {
            process.stderr.write(`refusing: the platform would reject this change:\n`);
            for (const d of comparison!.refused) process.stderr.write(`  ${d.resource}: ${d.reason}\n`);
        }
        return hasMandatory(document.policy.violations) || dataLoss || refused ? 1 : 0;
    } catch (err) {
        if (err instanceof ConfigError || err instanceof UsageError) {
            process.stderr.write(`${err.message}\n`);
            return 2;
        }
        throw err;
    }
}

if (require.main === module) runMain("plan", main);
