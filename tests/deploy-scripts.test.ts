/**
 * The dev deploy needs nothing but Node and Docker: an installed Pulumi CLI
 * wins, Pulumi's npm launcher is the fallback, and every README command on
 * the dev stack finds the same local state.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { tempFolders } from "./temp";

const ROOT = path.resolve(__dirname, "..");
const tmp = tempFolders();
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    devDependencies: Record<string, string>;
    dependencies: Record<string, string>;
    scripts: Record<string, string>;
};

/**
 * A copy of what the scripts use (the scripts, the project and dev stack files, node_modules),
 * so a deploy writes its local state and config there, not into this checkout.
 */
function checkout(): string {
    const dir = tmp("quorvex-checkout-");
    fs.cpSync(path.join(ROOT, "scripts"), path.join(dir, "scripts"), { recursive: true });
    for (const f of ["Pulumi.yaml", "Pulumi.dev.yaml"]) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
    return dir;
}

/**
 * Stand-ins for `pulumi` and `docker` that log each call (arguments and backend). The
 * `pulumi` one writes a stack file with a salt where `--cwd` points, as `stack select --create`
 * does; the `docker` one reports a 2-CPU, 16 GiB engine.
 */
function standIns(api = "1.41"): { bin: string; log: string } {
    const bin = tmp("quorvex-cli-");
    const log = path.join(bin, "calls.log");
    fs.writeFileSync(
        path.join(bin, "pulumi"),
        [
            "#!/bin/sh",
            `echo "pulumi $* | $PULUMI_BACKEND_URL" >> "${log}"`,
            'while [ $# -gt 0 ]; do if [ "$1" = --cwd ]; then echo "encryptionsalt: v1:from-the-cli" > "$2/Pulumi.dev.yaml"; fi; shift; done',
            "",
        ].join("\n"),
        { mode: 0o755 },
    );
    fs.writeFileSync(path.join(bin, "docker"), `#!/bin/sh\ncase "$*" in *NCPU*) echo "2 17179869184" ;; *APIVersion*) echo "${api}" ;; esac\nexit 0\n`, {
        mode: 0o755,
    });
    return { bin, log };
}

const run = (dir: string, script: string, args: string[], env: NodeJS.ProcessEnv) =>
    spawnSync("bash", [path.join(dir, script), ...args], {
        cwd: dir,
        env: { ...process.env, PULUMI_BACKEND_URL: "", PULUMI_CONFIG_PASSPHRASE: "test", ...env },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
    });
const calls = (log: string) => (fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : []);

describe("the Pulumi CLI the scripts run", () => {
    it("is an installed `pulumi` when there is one", () => {
        const { bin, log } = standIns();
        const dir = checkout();
        const r = run(dir, "scripts/pulumi-dev.sh", ["destroy"], { PATH: `${bin}:${process.env.PATH}` });
        expect(r.status, r.stderr).toBe(0);
        expect(calls(log)).toEqual([`pulumi destroy --stack dev | file://${dir}/.pulumi-state`]);
    });

    it("is not the launcher in node_modules/.bin even though `npm run` puts it first on PATH", () => {
        const { bin, log } = standIns();
        const dir = checkout();
        const r = run(dir, "scripts/pulumi-dev.sh", ["stack", "ls"], { PATH: `${path.join(ROOT, "node_modules", ".bin")}:${bin}:${process.env.PATH}` });
        expect(r.status, r.stderr).toBe(0);
        expect(calls(log)).toEqual([`pulumi stack ls --stack dev | file://${dir}/.pulumi-state`]);
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
    it("makes the stack's local config from Pulumi.dev.yaml and this host's size, and never writes the tracked file", () => {
        const { bin, log } = standIns();
        const dir = checkout();
        const tracked = fs.readFileSync(path.join(dir, "Pulumi.dev.yaml"), "utf8");
        const env = { PATH: `${bin}:${process.env.PATH}` };
        const r = run(dir, "scripts/deploy-dev.sh", [], env);
        expect(r.status, r.stderr).toBe(0);
        const state = `${dir}/.pulumi-state`;
        const local = `${state}/Pulumi.dev.yaml`;
        const backend = `file://${state}`;
        const [select, ...rest] = calls(log);
        expect(select.startsWith("pulumi stack select dev --create --secrets-provider passphrase --cwd /")).toBe(true);
        expect(select.endsWith(` | ${backend}`)).toBe(true);
        expect(select).not.toContain(`--cwd ${dir} `);
        expect(rest).toEqual([
            `pulumi config set --path quorvex:docker.hostCpus 2 --config-file ${local} --stack dev | ${backend}`,
            `pulumi config set --path quorvex:docker.hostMemory 16384Mi --config-file ${local} --stack dev | ${backend}`,
            // No terminal (CI, an IDE task): it deploys without asking.
            `pulumi up --stack dev --config-file ${local} --yes | ${backend}`,
        ]);
        expect(fs.readFileSync(local, "utf8")).toBe(`${tracked}encryptionsalt: v1:from-the-cli\n`);
        expect(fs.readFileSync(path.join(dir, "Pulumi.dev.yaml"), "utf8")).toBe(tracked);
        expect(r.stdout).toContain("this Docker host: 2 CPUs, 16384 MiB");
    });

    it("checks starting containers every second where the engine can (API 1.44, Docker 25, on), and leaves older engines alone", () => {
        for (const [api, set] of [
            ["1.47", true],
            ["1.44", true],
            ["1.41", false],
        ] as const) {
            const { bin, log } = standIns(api);
            const dir = checkout();
            expect(run(dir, "scripts/deploy-dev.sh", [], { PATH: `${bin}:${process.env.PATH}` }).status).toBe(0);
            const line = `pulumi config set --path quorvex:docker.healthStartInterval 1 --config-file ${dir}/.pulumi-state/Pulumi.dev.yaml --stack dev | file://${dir}/.pulumi-state`;
            expect(calls(log).includes(line), api).toBe(set);
        }
    });

    it("on a re-run, updates the stack with the local config as it is (the values `config set` wrote)", () => {
        const { bin, log } = standIns();
        const dir = checkout();
        const env = { PATH: `${bin}:${process.env.PATH}` };
        expect(run(dir, "scripts/deploy-dev.sh", [], env).status).toBe(0);
        expect(run(dir, "scripts/pulumi-dev.sh", ["config", "set", "--path", "quorvex:workers.replicas", "6"], env).status).toBe(0);
        fs.rmSync(log);
        expect(run(dir, "scripts/deploy-dev.sh", ["--diff"], env).status).toBe(0);
        const local = `${dir}/.pulumi-state/Pulumi.dev.yaml`;
        expect(calls(log)).toEqual([`pulumi up --stack dev --config-file ${local} --yes --diff | file://${dir}/.pulumi-state`]);
    });

    it("sends every later command that reads config to the local config, and the rest to the dev stack", () => {
        const { bin, log } = standIns();
        const dir = checkout();
        const env = { PATH: `${bin}:${process.env.PATH}` };
        expect(run(dir, "scripts/deploy-dev.sh", [], env).status).toBe(0);
        fs.rmSync(log);
        for (const args of [["config", "set", "--path", "quorvex:workers.replicas", "6"], ["preview"], ["stack", "output"], ["destroy", "--yes"]]) {
            expect(run(dir, "scripts/pulumi-dev.sh", args, env).status).toBe(0);
        }
        const local = `--config-file ${dir}/.pulumi-state/Pulumi.dev.yaml`;
        expect(calls(log).map((c) => c.replace(/ \| .*$/, ""))).toEqual([
            `pulumi config set --path quorvex:workers.replicas 6 --stack dev ${local}`,
            `pulumi preview --stack dev ${local}`,
            "pulumi stack output --stack dev",
            `pulumi destroy --yes --stack dev ${local}`,
        ]);
    });

    it("removes the stack and its local config with `stack rm`, named or not, and keeps the tracked stack file", () => {
        for (const named of [[], ["dev"]]) {
            const { bin, log } = standIns();
            const dir = checkout();
            const env = { PATH: `${bin}:${process.env.PATH}` };
            expect(run(dir, "scripts/deploy-dev.sh", [], env).status).toBe(0);
            fs.rmSync(log);
            const r = run(dir, "scripts/pulumi-dev.sh", ["stack", "rm", ...named, "--yes"], env);
            expect(r.status, r.stderr).toBe(0);
            // Through the old wrapper `stack rm dev` failed (`only one of --stack or argument stack name`),
            // and `stack rm` deleted the checked-in Pulumi.dev.yaml.
            expect(calls(log)).toEqual([`pulumi stack rm dev --preserve-config --yes | file://${dir}/.pulumi-state`]);
            expect(fs.existsSync(`${dir}/.pulumi-state/Pulumi.dev.yaml`)).toBe(false);
            expect(fs.existsSync(`${dir}/Pulumi.dev.yaml`)).toBe(true);
        }
    });

    it("refuses to start without a passphrase, before running anything, and so does every command that reads the stack", () => {
        const { bin, log } = standIns();
        const dir = checkout();
        for (const [script, args] of [
            ["scripts/deploy-dev.sh", []],
            ["scripts/pulumi-dev.sh", ["up"]],
            ["scripts/pulumi-dev.sh", ["config", "set", "a", "b"]],
        ] as const) {
            const r = run(dir, script, [...args], { PATH: `${bin}:${process.env.PATH}`, PULUMI_CONFIG_PASSPHRASE: "" });
            expect(r.status, script).toBe(2);
            expect(r.stderr).toMatch(/Set PULUMI_CONFIG_PASSPHRASE .*export it once in your shell/);
        }
        expect(fs.existsSync(log)).toBe(false);
    });

    it("is an npm script, and so is pulumi:dev", () => {
        expect(pkg.scripts["deploy:dev"]).toBe("bash scripts/deploy-dev.sh");
        expect(pkg.scripts["pulumi:dev"]).toBe("bash scripts/pulumi-dev.sh");
    });
});
