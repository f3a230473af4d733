/**
 * Every Pulumi provider package the program pins is a release of that
 * provider: its package says which plugin it loads, at its own version. A
 * package that does not (like `@pulumi/command` 4.5.0, which calls itself
 * `v4.5.0`, ships an old generated SDK and asks for a plugin the provider never
 * tagged) makes the engine look for a plugin that does not exist.
 */
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> };
const installed = (name: string) =>
    JSON.parse(fs.readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8")) as {
        version: string;
        pulumi?: { resource?: boolean; name?: string; version?: string };
    };
const providers = Object.keys(pkg.dependencies).filter((d) => d.startsWith("@pulumi/") && installed(d).pulumi?.resource);

describe("the Pulumi packages the program pins", () => {
    it("include every provider the program uses", () => {
        expect(providers.sort()).toEqual(["@pulumi/command", "@pulumi/docker", "@pulumi/kubernetes", "@pulumi/random", "@pulumi/tls"]);
    });

    it.each(providers)("%s is pinned exactly, and its package loads the plugin of its own version", (name) => {
        const p = installed(name);
        expect(pkg.dependencies[name]).toMatch(/^\d+\.\d+\.\d+$/);
        expect(p.version).toBe(pkg.dependencies[name]);
        expect(p.pulumi).toEqual({ resource: true, name: name.slice("@pulumi/".length), version: p.version });
    });

    it("pins the command provider at a release its repository tagged (1.x), not the 4.5.0 package", () => {
        expect(pkg.dependencies["@pulumi/command"]).toMatch(/^1\./);
    });
});
