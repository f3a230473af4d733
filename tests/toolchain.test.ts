/**
 * The engine toolchain builds the binaries for the versions the program pins:
 * a bump in package.json without the matching wrapper module fails here, in
 * the fast tier, not in a 20-minute Go build.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string>; scripts: Record<string, string> };
const goMod = (unit: string) => fs.readFileSync(path.join(ROOT, "toolchain", unit, "go.mod"), "utf8");
const required = (unit: string, module: string) => new RegExp(`^\\s*${module.replace(/[./]/g, "\\$&")} (v\\S+)`, "m").exec(goMod(unit))?.[1];

describe("the engine toolchain", () => {
    it("builds the Pulumi CLI at @pulumi/pulumi's version", () => {
        expect(required("cli", "github.com/pulumi/pulumi/pkg/v3")).toBe(`v${pkg.dependencies["@pulumi/pulumi"]}`);
        expect(goMod("cli")).toMatch(/^tool github\.com\/pulumi\/pulumi\/pkg\/v3\/cmd\/pulumi$/m);
    });

    it("builds the language host against the same SDK", () => {
        expect(required("language-nodejs", "github.com/pulumi/pulumi/sdk/v3")).toBe(`v${pkg.dependencies["@pulumi/pulumi"]}`);
    });

    it("has a wrapper module with a committed go.sum for every unit the build script knows", () => {
        const script = fs.readFileSync(path.join(ROOT, "toolchain", "build.sh"), "utf8");
        const units = /QUORVEX_TOOLCHAIN_UNITS:-([a-z -]+)\}/.exec(script)![1].split(" ");
        expect(units).toEqual(["cli", "language-nodejs", "kubernetes", "random", "cluster", "crds"]);
        for (const u of units) expect(fs.existsSync(path.join(ROOT, "toolchain", u, "go.sum")), u).toBe(true);
    });

    it("replaces modules only with published versions or with its own shim folders", () => {
        for (const u of fs.readdirSync(path.join(ROOT, "toolchain")).filter((d) => fs.existsSync(path.join(ROOT, "toolchain", d, "go.mod")))) {
            for (const m of goMod(u).matchAll(/=>\s*(\S+)(?: (\S+))?/g)) {
                if (m[1].startsWith("./")) expect(fs.existsSync(path.join(ROOT, "toolchain", u, m[1], "go.mod")), `${u}: ${m[1]}`).toBe(true);
                else expect(m[2], `${u}: ${m[1]} needs a version`).toMatch(/^v\d/);
            }
        }
    });

    it("builds the control plane from one Kubernetes release: every staging module at the matching v0 version", () => {
        const mod = goMod("cluster");
        const kube = /^\s*k8s\.io\/kubernetes (v1\.(\d+)\.(\d+))$/m.exec(mod)!;
        const staging = [...mod.matchAll(/^(?:replace )?\s*(k8s\.io\/[a-z0-9-]+) => \1 (\S+)$/gm)];
        expect(staging.length).toBeGreaterThan(20);
        for (const [, m, v] of staging) expect(v, m).toBe(`v0.${kube[2]}.${kube[3]}`);
    });

    it("lets `npm run test:engine` run without it: every rung skips, saying why in one line, and the run passes", () => {
        // Only the machine's own folders on PATH: no CLI, no control plane, no unit of the toolchain.
        const bare = [path.dirname(process.execPath), "/usr/local/bin", "/usr/bin", "/bin"].join(path.delimiter);
        const r = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "vitest", "vitest.mjs"), "run", "-c", "vitest.engine.config.ts"], {
            cwd: ROOT,
            encoding: "utf8",
            env: { ...process.env, PATH: bare, QUORVEX_TEST_REPORT: "" },
        });
        expect(r.status, r.stdout + r.stderr).toBe(0);
        const out = r.stdout + r.stderr;
        for (const rung of [
            "rung 1 skipped: no `pulumi` on PATH",
            "rung 3 skipped: no `pulumi` on PATH",
            "the bench's engine cases skipped",
            "node rung skipped",
        ]) {
            expect(out).toContain(rung);
        }
        expect(out).not.toMatch(/\d+ passed/);
    }, 120_000);

    it("is an npm script, and so is the engine tier", () => {
        expect(pkg.scripts.toolchain).toBe("bash toolchain/build.sh");
        expect(pkg.scripts["test:engine"]).toBe("vitest run -c vitest.engine.config.ts");
    });
});
