/**
 * What a plan loads is most of its time (docs/performance.md): the program loads the chosen
 * target's provider SDK only, and of the Kubernetes SDK only the API groups it uses (the
 * package's own index loads every group, Helm and YAML included: about 100 modules); and the
 * offline plan loads each of our files once, though the tool imports some of them before it
 * runs the program.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { beforeAll, describe, expect, it } from "vitest";
import { TS_NODE } from "./cli";
import { tempFolders } from "./temp";

const ROOT = path.resolve(__dirname, "..");
const tempDir = tempFolders();

/** Every file `npm run plan -- --stack <stack>` compiles, in order (repeats included). */
function compiledBy(stack: string): string[] {
    const dir = tempDir("quorvex-modules-");
    const hook = path.join(dir, "hook.js");
    const out = path.join(dir, "loaded.txt");
    fs.writeFileSync(
        hook,
        `const Module = require("module");
const loaded = [];
const compile = Module.prototype._compile;
Module.prototype._compile = function (content, filename) { loaded.push(filename); return compile.apply(this, arguments); };
process.on("exit", () => require("fs").writeFileSync(${JSON.stringify(out)}, loaded.join("\\n")));
`,
    );
    const r = spawnSync(process.execPath, ["-r", hook, ...TS_NODE, "tools/plan.ts", "--stack", stack, "--json"], {
        cwd: ROOT,
        encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    return fs.readFileSync(out, "utf8").split("\n");
}

const ours = (files: string[]) =>
    files.filter((f) => f.startsWith(ROOT) && !f.includes(`${path.sep}node_modules${path.sep}`)).map((f) => path.relative(ROOT, f));
const inPackage = (files: string[], name: string) => files.filter((f) => f.includes(`${path.sep}node_modules${path.sep}${name}${path.sep}`));

describe("what a plan loads", () => {
    let prod: string[] = [];
    let dev: string[] = [];
    beforeAll(() => {
        prod = compiledBy("prod");
        dev = compiledBy("dev");
    });

    it("prod (Kubernetes) loads the Kubernetes SDK's groups it uses, not the package's index, Helm or its YAML reader, and no Docker SDK", () => {
        const k8s = inPackage(prod, "@pulumi/kubernetes").map((f) => f.split(`@pulumi${path.sep}kubernetes${path.sep}`)[1]);
        expect(k8s).toContain(path.join("apps", "v1", "deployment.js"));
        expect(k8s).not.toContain("index.js");
        expect(k8s.filter((f) => /^(helm|yaml|kustomize)\//.test(f))).toEqual([]);
        expect(k8s.length).toBeLessThan(40);
        expect(inPackage(prod, "@pulumi/docker")).toEqual([]);
    });

    it("dev (Docker) loads no Kubernetes SDK", () => {
        expect(inPackage(dev, "@pulumi/docker").length).toBeGreaterThan(0);
        expect(inPackage(dev, "@pulumi/kubernetes")).toEqual([]);
    });

    it.each(["prod", "dev"])("%s compiles each of our files once", (stack) => {
        const files = ours(stack === "prod" ? prod : dev);
        expect(files).toContain("index.ts");
        expect(files.filter((f, i) => files.indexOf(f) !== i)).toEqual([]);
    });
});
