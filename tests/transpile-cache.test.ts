/**
 * The transpile cache (`tools/transpile-cache.js`), as the tools and `pulumi` load the program
 * through it: a file transpiled once is read back, without swc, the same; a changed file is
 * transpiled again; a damaged entry is replaced, never trusted.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { TS_NODE } from "./cli";
import { tempFolders } from "./temp";

const tmp = tempFolders();

describe("the transpile cache", () => {
    const dir = tmp("quorvex-transpile-");
    const cache = path.join(dir, "cache");
    const script = path.join(dir, "main.ts");
    const hook = path.join(dir, "hook.js");
    // Says whether swc was loaded, on exit.
    fs.writeFileSync(
        hook,
        `const Module = require("module");
const load = Module._load;
let swc = false;
Module._load = function (request) { if (request === "@swc/core" || /[\\\\/]@swc[\\\\/]core[\\\\/]/.test(request)) swc = true; return load.apply(this, arguments); };
process.on("exit", () => console.error("swc loaded: " + swc));
`,
    );
    const run = () => {
        const r = spawnSync(process.execPath, ["-r", hook, ...TS_NODE, script], { encoding: "utf8", env: { ...process.env, QUORVEX_TRANSPILE_CACHE: cache } });
        expect(r.status, r.stderr).toBe(0);
        return { out: r.stdout.trim(), swc: /swc loaded: true/.test(r.stderr) };
    };
    const entries = () => (fs.existsSync(cache) ? fs.readdirSync(cache).sort() : []);

    it("transpiles a file once, then reads it back the same without loading swc", () => {
        fs.writeFileSync(script, 'const greet = (who: string): string => `hello ${who}`;\nconsole.log(greet("cache"));\n');
        expect(run()).toEqual({ out: "hello cache", swc: true });
        expect(entries()).toHaveLength(1);
        expect(run()).toEqual({ out: "hello cache", swc: false });
        expect(entries()).toHaveLength(1);
    });

    it("transpiles a changed file again, under a new entry", () => {
        const before = entries();
        fs.writeFileSync(script, "const n: number = 6 * 7;\nconsole.log(n);\n");
        expect(run()).toEqual({ out: "42", swc: true });
        expect(entries()).toHaveLength(before.length + 1);
    });

    it("replaces a damaged entry instead of running it", () => {
        const newest = entries()
            .map((e) => path.join(cache, e))
            .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
        for (const damage of ['{"outputText": "console.log(\'', "{}"]) {
            fs.writeFileSync(newest, damage);
            expect(run()).toEqual({ out: "42", swc: true });
            expect(run()).toEqual({ out: "42", swc: false });
        }
    });
});
