/**
 * npm run plan -- --stack <name> [--set path=value ...] [--json] [--out DIR]
 *
 * Runs the program under Pulumi's mock runtime with the stack's config and
 * shows the whole desired state: resource tree, capacity and policy verdicts.
 * Exit 0 ok, 1 a mandatory policy violation, 2 bad config or usage.
 */
import * as fs from "fs";
import { runMain } from "./cli";
import * as path from "path";
import { hasMandatory, type PackConfig } from "../policies/evaluate";
import { compare, renderComparison } from "./compare";
import { manifestsOf, toYaml } from "./manifests";
import type { PlanResource } from "./planner";
import { ConfigError, planStack } from "./planner";
import { renderPlan } from "./render";
import { UsageError } from "./stackconfig";

const USAGE =
    "usage: npm run plan -- --stack <name> [--set path=value ...] [--json] [--out DIR] [--policy-config FILE] [--compare OLD-resources.json [--allow-data-loss]]";

interface Args {
    stack?: string;
    sets: string[];
    json: boolean;
    out?: string;
    policyConfig?: string;
    compare?: string;
    allowDataLoss: boolean;
}

export function parseArgs(argv: string[]): Args {
    const a: Args = { sets: [], json: false, allowDataLoss: false };
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
        else if (arg === "--out") a.out = value();
        else if (arg === "--policy-config") a.policyConfig = value();
        else if (arg === "--compare") a.compare = value();
        else if (arg === "--allow-data-loss") a.allowDataLoss = true;
        else throw new UsageError(`unknown argument ${arg}\n${USAGE}`);
    }
    if (!a.stack) throw new UsageError(`--stack is required\n${USAGE}`);
    if (a.allowDataLoss && !a.compare) throw new UsageError(`--allow-data-loss goes with --compare\n${USAGE}`);
    return a;
}

/** An earlier plan: `resources.json` from --out, or a whole --json document. */
function readResources(file: string): PlanResource[] {
    let doc: unknown;
    try {
        doc = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new UsageError(`--compare ${file}: ${(err as Error).message}`);
    }
    const list = Array.isArray(doc) ? doc : (doc as { resources?: unknown } | null)?.resources;
    if (!Array.isArray(list) || list.some((r) => typeof r?.type !== "string" || typeof r?.name !== "string" || typeof r?.inputs !== "object")) {
        throw new UsageError(`--compare ${file}: expected the plan's resources (an array of {type, name, parent, inputs, options}) or a --json plan document`);
    }
    return list.map((r) => ({ parent: null, options: { protect: false, retainOnDelete: false, ignoreChanges: [], dependsOn: [] }, ...r }));
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
        if (args.policyConfig) policyConfig = JSON.parse(fs.readFileSync(args.policyConfig, "utf8")) as PackConfig;
        const before = args.compare ? readResources(args.compare) : undefined;
        const { document } = await planStack({ stack: args.stack!, sets: args.sets, policyConfig });
        const comparison = before ? compare(before, document.resources) : undefined;
        if (args.out) {
            fs.mkdirSync(args.out, { recursive: true });
            fs.writeFileSync(path.join(args.out, "resources.json"), `${JSON.stringify(document.resources, null, 2)}\n`);
            const manifests = manifestsOf(document.resources);
            if (manifests.length) {
                const dir = path.join(args.out, "manifests");
                fs.rmSync(dir, { recursive: true, force: true });
                fs.mkdirSync(dir);
                for (const m of manifests) fs.writeFileSync(path.join(dir, m.file), toYaml(m.object));
                fs.writeFileSync(path.join(args.out, "manifests.yaml"), manifests.map((m) => toYaml(m.object)).join("---\n"));
            }
        }
        const out = comparison ? { ...document, compare: comparison } : document;
        process.stdout.write(args.json ? `${JSON.stringify(out, null, 2)}\n` : renderPlan(document));
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
