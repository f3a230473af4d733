/** The offline plan reads a stack's config the way the Pulumi CLI does. */
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { listStacks, readStackConfig, UsageError } from "../tools/stackconfig";
import { tempFolders } from "./temp";

/** Every temporary folder of this file's tests, removed after them. */
const tmp = tempFolders();

const ROOT = path.resolve(__dirname, "..");

function project(pulumiYaml: string, stacks: Record<string, string>): string {
    const dir = tmp("quorvex-stackconfig-");
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), pulumiYaml);
    for (const [name, text] of Object.entries(stacks)) fs.writeFileSync(path.join(dir, `Pulumi.${name}.yaml`), text);
    return dir;
}

describe("config keys that Pulumi.yaml declares", () => {
    it("are provided for every checked-in stack (the CLI refuses a stack that misses a key declared without a default)", () => {
        for (const stack of listStacks(ROOT)) expect(() => readStackConfig(ROOT, stack, []), stack).not.toThrow();
    });

    it("refuse a stack that misses a key declared without a default, naming it as the CLI does", () => {
        const dir = project("name: quorvex\nconfig:\n  quorvex:mode:\n    type: string\n", { prod: "config:\n  quorvex:target: kubernetes\n" });
        expect(() => readStackConfig(dir, "prod", [])).toThrow(UsageError);
        expect(() => readStackConfig(dir, "prod", [])).toThrow("Stack 'prod' is missing configuration value 'quorvex:mode'");
    });

    it("take their default when the stack file leaves them out", () => {
        const dir = project("name: quorvex\nconfig:\n  quorvex:target:\n    type: string\n    default: docker\n", { dev: "config: {}\n" });
        expect(readStackConfig(dir, "dev", []).config.target).toBe("docker");
    });
});
