/** The README's generated tables equal what `npm run docs` generates: they never drift. */
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { CONFIG_DOCS } from "../config/docs";
import { configTable, generate } from "../tools/docs";

const README = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");

describe("README", () => {
    it("holds exactly the generated config, outputs and policies tables", () => {
        expect(generate(README)).toBe(README);
    });

    it("documents every config key, and documents no key that does not exist", () => {
        const table = configTable();
        for (const key of Object.keys(CONFIG_DOCS)) {
            if (key.startsWith("*.")) continue;
            expect(table, key).toContain(`\`quorvex:${key}\``);
        }
    });

    it("names the two commands a newcomer needs", () => {
        expect(README).toContain("npm run deploy:dev");
        expect(README).toContain("npm cit");
        expect(fs.readFileSync(path.join(__dirname, "..", ".ci", "run"), "utf8")).toContain("npm cit");
    });
});
