/**
 * npm run policy -- --resources <resources.json> [--config <policy-config.json>] [--json]
 *
 * Evaluates the Quorvex pack on a resources file in the offline plan's format
 * (an array of {type, name, inputs, options}, or a whole plan document).
 * Exit 0 ok, 1 a mandatory violation, 2 bad usage or unreadable files.
 */
import { readJsonFile, runMain, UsageError } from "./cli";
import { readPackConfig } from "./packconfig";
import { evaluate, hasMandatory, type ResourceRecord, type Violation } from "../policies/evaluate";
import { renderViolations } from "./render";

const USAGE = "usage: npm run policy -- --resources <resources.json> [--config <policy-config.json>] [--json]";

function asResources(doc: unknown, file: string): ResourceRecord[] {
    const list = Array.isArray(doc) ? doc : (doc as { resources?: unknown })?.resources;
    if (!Array.isArray(list)) throw new UsageError(`${file}: expected an array of resources or a plan document with "resources"`);
    return list.map((r, i) => {
        const o = r as Partial<ResourceRecord>;
        if (typeof o.type !== "string" || typeof o.name !== "string" || typeof o.inputs !== "object" || o.inputs === null) {
            throw new UsageError(`${file}: resource #${i} needs string "type", string "name" and object "inputs"`);
        }
        return { type: o.type, name: o.name, inputs: o.inputs as Record<string, unknown>, options: o.options };
    });
}

export async function main(argv: string[]): Promise<number> {
    let resourcesFile: string | undefined;
    let configFile: string | undefined;
    let json = false;
    try {
        for (let i = 0; i < argv.length; i++) {
            const a = argv[i];
            const value = () => {
                const v = argv[++i];
                if (v === undefined || v.startsWith("--")) throw new UsageError(`${a} needs a value\n${USAGE}`);
                return v;
            };
            if (a === "--resources") resourcesFile = value();
            else if (a === "--config") configFile = value();
            else if (a === "--json") json = true;
            else throw new UsageError(`unknown argument ${a}\n${USAGE}`);
        }
        if (resourcesFile === undefined) throw new UsageError(`--resources is required\n${USAGE}`);
        const config = configFile !== undefined ? readPackConfig("--config", configFile) : undefined;
        const resources = asResources(readJsonFile("--resources", resourcesFile), resourcesFile);
        let violations: Violation[];
        try {
            violations = await evaluate(resources, config);
        } catch (err) {
            throw new UsageError((err as Error).message);
        }
        process.stdout.write(json ? `${JSON.stringify({ violations }, null, 2)}\n` : `${renderViolations(violations)}\n`);
        return hasMandatory(violations) ? 1 : 0;
    } catch (err) {
        if (err instanceof UsageError) {
            process.stderr.write(`${err.message}\n`);
            return 2;
        }
        throw err;
    }
}

if (require.main === module) runMain("policy run", main);
