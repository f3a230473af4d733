/**
 * The seam: outside each target's own folder (`targets/<name>/`, and its
 * reader in the pack, `policies/targets/<name>.ts`) and the two registries,
 * no source file names a target: no target-name literal, no provider SDK, no
 * resource type of a target's provider, no read of a target's config section.
 * Tests and the pack's fixtures may name targets; comments may too.
 */
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { TARGETS } from "../targets/registry";

const ROOT = path.resolve(__dirname, "..");
const SOURCES = ["index.ts", "stacks", "components", "config", "contract", "targets", "policies", "tools", "bench"];
const names = TARGETS.map((t) => t.name);

/** Where a target may be named: its own folder, its reader in the pack, the registries. */
function mayName(file: string): boolean {
    if (file.endsWith(".test.ts") || file === "policies/rules/fixtures.ts") return true;
    if (file === "targets/registry.ts" || file === "policies/targets/index.ts") return true;
    return names.some((n) => file.startsWith(`targets/${n}/`) || file === `policies/targets/${n}.ts`);
}

function sourceFiles(entry: string): string[] {
    const full = path.join(ROOT, entry);
    if (fs.statSync(full).isFile()) return [entry];
    return fs
        .readdirSync(full, { withFileTypes: true })
        .filter((d) => d.name !== "node_modules")
        .flatMap((d) => (d.isDirectory() ? sourceFiles(path.join(entry, d.name)) : d.name.endsWith(".ts") ? [path.join(entry, d.name)] : []));
}

/** The code of a file without its comments. */
const code = (text: string) =>
    text
        .replace(/\/\*[\s\S]*?\*\//g, (c) => "\n".repeat(c.split("\n").length - 1))
        .split("\n")
        .map((l) => l.replace(/(^|\s)\/\/.*$/, ""));

/** The lines of `text` that name a target. */
function namings(text: string): string[] {
    const alt = names.join("|");
    const pattern = new RegExp(`["'\`](${alt})["'\`]|@pulumi/(${alt})\\b|["'\`](${alt}):|\\.(${alt})\\b(?!\\.io)|targets/(${alt})\\b`);
    return code(text).filter((l) => pattern.test(l));
}

describe("the seam", () => {
    it("finds a target named in code, and not in comments (so the check below checks something)", () => {
        expect(namings(`if (c.target === "${names[0]}") x();`)).toHaveLength(1);
        expect(namings(`const t = c.${names[1]}.namespace;`)).toHaveLength(1);
        expect(namings(`r.type === "${names[0]}:index/volume:Volume"`)).toHaveLength(1);
        expect(namings(`// on ${names[0]}: "${names[0]}"\n/* c.${names[1]}.namespace */\nconst ok = "app.${names[1]}.io/name";`)).toEqual([]);
    });

    it("no file outside a target's own folder and the registries names a target", () => {
        const offenders = SOURCES.flatMap(sourceFiles)
            .filter((f) => !mayName(f.split(path.sep).join("/")))
            .flatMap((f) => namings(fs.readFileSync(path.join(ROOT, f), "utf8")).map((l) => `${f}: ${l.trim()}`));
        expect(offenders).toEqual([]);
    });
});
