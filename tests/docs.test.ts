/**
 * The docs: a short README for a newcomer, the rest in docs/ by concern. Every
 * generated table equals what `npm run docs` generates (it never drifts), and
 * every link resolves, to a file and to a heading in it.
 */
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { CONFIG_DOCS } from "../config/docs";
import { BLOCKS, configTable, generate, GENERATED_FILES } from "../tools/docs";

const ROOT = path.join(__dirname, "..");
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");
const README = read("README.md");
const DOCS = fs
    .readdirSync(path.join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`);

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
    heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, "")
        .replace(/ /g, "-");
const anchorsOf = (text: string) => new Set(text.split("\n").flatMap((l) => (/^#{1,6} /.test(l) ? [slug(l.replace(/^#+ /, ""))] : [])));
/** Markdown links outside code blocks and inline code: [text](target). */
const linksOf = (text: string) =>
    text
        .replace(/```[\s\S]*?```/g, "")
        .replace(/`[^`\n]*`/g, "")
        .matchAll(/\]\(([^)\s]+)\)/g);

describe("the docs", () => {
    it("keep the README to what a newcomer needs first, under 250 lines", () => {
        expect(README.split("\n").length).toBeLessThan(250);
        for (const heading of ["## Quick start", "### What a Docker host needs first", "### What a Kubernetes cluster needs first", "## Where to go next"]) {
            expect(README).toContain(heading);
        }
    });

    it("name the two commands a newcomer needs", () => {
        expect(README).toContain("npm run deploy:dev");
        expect(README).toContain("npm cit");
        expect(read(".ci/run")).toContain("npm cit");
    });

    it("have a file for each concern, each linked from the README", () => {
        const concerns = [
            "configuration",
            "plan",
            "operations",
            "credentials",
            "gateway",
            "tasks",
            "outputs",
            "policies",
            "images",
            "architecture",
            "engine-tier",
            "performance",
            "verified",
        ];
        expect(DOCS.map((d) => path.basename(d, ".md")).sort()).toEqual([...concerns].sort());
        for (const c of concerns) expect(README).toContain(`(docs/${c}.md)`);
    });

    it.each(GENERATED_FILES)("hold exactly the generated tables in %s", (file) => {
        const text = read(file);
        expect(generate(file, text)).toBe(text);
    });

    it("generate every table into a file that exists", () => {
        for (const [name, block] of Object.entries(BLOCKS)) expect(read(block.file), name).toContain(`<!-- generated:${name} (npm run docs) -->`);
    });

    it("document every config key, and no key that does not exist", () => {
        const table = configTable();
        for (const key of Object.keys(CONFIG_DOCS)) {
            if (key.startsWith("*.")) continue;
            expect(table, key).toContain(`\`quorvex:${key}\``);
        }
    });

    it.each(["README.md", ...DOCS])("resolve every link of %s: to a file of the repository, and to a heading in it", (file) => {
        const text = read(file);
        const broken: string[] = [];
        for (const [, target] of linksOf(text)) {
            if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
            const [where, anchor] = target.split("#");
            const resolved = where ? path.normalize(path.join(path.dirname(file), where)) : file;
            if (!fs.existsSync(path.join(ROOT, resolved))) {
                broken.push(`${target}: no file ${resolved}`);
                continue;
            }
            if (anchor && resolved.endsWith(".md") && !anchorsOf(read(resolved)).has(anchor)) broken.push(`${target}: no heading #${anchor} in ${resolved}`);
        }
        expect(broken).toEqual([]);
    });

    it("check links for real: a broken file or heading is caught", () => {
        const text = "[a](docs/nope.md) [b](docs/plan.md#no-such-heading)";
        const targets = [...linksOf(text)].map((m) => m[1]);
        expect(targets).toEqual(["docs/nope.md", "docs/plan.md#no-such-heading"]);
        expect(fs.existsSync(path.join(ROOT, "docs/nope.md"))).toBe(false);
        expect(anchorsOf(read("docs/plan.md")).has("no-such-heading")).toBe(false);
        expect(anchorsOf(read("docs/engine-tier.md")).has("rung-2-the-dev-stack-on-a-real-docker-engine")).toBe(true);
    });
});

describe("the operations guide's commands", () => {
    it("use in each pod only the environment the prod stack gives that pod (MinIO's root credentials are files there)", async () => {
        const { planStack } = await import("../tools/planner");
        const plan = await planStack({ stack: "prod" });
        type Pod = { spec: { template: { spec: { containers: { env?: { name: string }[] }[] } } } };
        const envOf = (name: string) => {
            const set = plan.document.resources.find((r) => r.type === "kubernetes:apps/v1:StatefulSet" && r.name === name);
            return new Set(((set?.inputs as Pod | undefined)?.spec.template.spec.containers[0].env ?? []).map((e) => e.name));
        };
        const ops = read("docs/operations.md");
        const scripts = [...ops.matchAll(/exec (?:-i )?(minio|postgres)-0 -- sh -c '([^']+)'/g)];
        expect(scripts.length).toBeGreaterThanOrEqual(3);
        for (const [, service, script] of scripts) {
            const used = [...script.matchAll(/\$\{?([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]);
            const env = envOf(service);
            for (const name of used) expect(env.has(name), `${service}-0's script uses $${name}`).toBe(true);
        }
    }, 60_000);
});
