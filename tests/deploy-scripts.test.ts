/**
 * The dev deploy needs nothing but Node and Docker: an installed Pulumi CLI
 * wins, Pulumi's npm launcher is the fallback, and every README command on
 * the dev stack finds the same local state.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    devDependencies: Record<string, string>;
    dependencies: Record<string, string>;
    scripts: Record<string, string>;
};

/** A folder with stand-ins for `pulumi` and `docker` that log each call (arguments and backend). */
function standIns(): { bin: string; log: string } {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "quorvex-cli-"));
    const log = path.join(bin, "calls.log");
    fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\necho "pulumi $* | $PULUMI_BACKEND_URL" >> "${log}"\n`, { mode: 0o755 });
    fs.writeFileSync(path.join(bin, "docker"), `#!/bin/sh\nexit 0\n`, { mode: 0o755 });
    return { bin, log };
}

const run = (script: string, args: string[], env: NodeJS.ProcessEnv) =>
    spawnSync("bash", [path.join(ROOT, script), ...args], { cwd: ROOT, env: { ...process.env, PULUMI_BACKEND_URL: "", ...env }, encoding: "utf8" });

describe("the Pulumi CLI the scripts run", () => {
    it("is an installed `pulumi` when there is one", () => {
        const { bin, log } = standIns();
        const r = run("scripts/pulumi-dev.sh", ["destroy"], { PATH: `${bin}:${process.env.PATH}` });
        expect(r.status, r.stderr).toBe(0);
        expect(fs.readFileSync(log, "utf8")).toBe(`pulumi destroy --stack dev | file://${ROOT}/.pulumi-state\n`);
    });

    it("is not the launcher in node_modules/.bin even though `npm run` puts it first on PATH", () => {
        const { bin, log } = standIns();
        const r = run("scripts/pulumi-dev.sh", ["stack", "ls"], { PATH: `${path.join(ROOT, "node_modules", ".bin")}:${bin}:${process.env.PATH}` });
        expect(r.status, r.stderr).toBe(0);
        expect(fs.readFileSync(log, "utf8")).toContain("pulumi stack ls --stack dev");
    });

    it("falls back to Pulumi's npm launcher, and says so", () => {
        const r = spawnSync("bash", ["-c", '. scripts/lib/pulumi-cli.sh && find_pulumi_cli && echo "cli=${PULUMI_CLI[*]}"'], {
            cwd: ROOT,
            env: { ...process.env, PATH: "/usr/bin:/bin" },
            encoding: "utf8",
        });
        expect(r.stdout.trim()).toBe("cli=node_modules/.bin/pulumi");
        expect(r.stderr).toMatch(/no Pulumi CLI on PATH; using Pulumi's npm launcher \(pulumi@3\.250\.0\), which installs that CLI on first use/);
    });

    it("pins the launcher: the first CLI version it exists for, newer than (and so compatible with) the SDK", () => {
        expect(pkg.devDependencies.pulumi).toBe("3.250.0");
        const [cli, sdk] = [pkg.devDependencies.pulumi, pkg.dependencies["@pulumi/pulumi"]].map((v) => v.split(".").map(Number));
        expect(cli[0]).toBe(sdk[0]);
        expect(cli[1]).toBeGreaterThanOrEqual(sdk[1]);
    });
});

describe("npm run deploy:dev", () => {
    it("selects and updates the dev stack in the state every later `npm run pulumi:dev` command reads", () => {
        const { bin, log } = standIns();
        const env = { PATH: `${bin}:${process.env.PATH}`, PULUMI_CONFIG_PASSPHRASE: "test" };
        expect(run("scripts/deploy-dev.sh", [], env).status).toBe(0);
        expect(run("scripts/pulumi-dev.sh", ["config", "set", "--path", "quorvex:workers.replicas", "6"], env).status).toBe(0);
        const backend = `file://${ROOT}/.pulumi-state`;
        expect(fs.readFileSync(log, "utf8").trim().split("\n")).toEqual([
            `pulumi stack select dev --create --secrets-provider passphrase | ${backend}`,
            `pulumi up --stack dev | ${backend}`,
            `pulumi config set --path quorvex:workers.replicas 6 --stack dev | ${backend}`,
        ]);
    });

    it("refuses to start without a passphrase, before running anything", () => {
        const { bin, log } = standIns();
        const r = run("scripts/deploy-dev.sh", [], { PATH: `${bin}:${process.env.PATH}`, PULUMI_CONFIG_PASSPHRASE: "" });
        expect(r.status).toBe(2);
        expect(r.stderr).toMatch(/Set PULUMI_CONFIG_PASSPHRASE/);
        expect(fs.existsSync(log)).toBe(false);
    });

    it("is an npm script, and so is pulumi:dev", () => {
        expect(pkg.scripts["deploy:dev"]).toBe("bash scripts/deploy-dev.sh");
        expect(pkg.scripts["pulumi:dev"]).toBe("bash scripts/pulumi-dev.sh");
    });
});
