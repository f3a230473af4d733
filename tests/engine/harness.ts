/**
 * The engine tier's harness: the program in a throw-away project folder, run by
 * a real Pulumi CLI against a local file backend with a passphrase secrets
 * provider. The CLI is `pulumi` on PATH: the one `npm run toolchain` built
 * (put its bin folder first on PATH), or a user's installed CLI.
 */
import { spawn } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { readStackConfig } from "../../tools/stackconfig";

export const ROOT = path.resolve(__dirname, "../..");

/** What the program needs at run time (it imports the pack's readers); tests, tools and examples stay out. */
export const PROGRAM_ENTRIES = [
    "index.ts",
    "tsconfig.json",
    "tsconfig.pulumi.json",
    "package.json",
    "Pulumi.yaml",
    "components",
    "stacks",
    "config",
    "contract",
    "targets",
    "policies",
    // How tsconfig.pulumi.json has ts-node transpile the program.
    "tools/transpile-cache.js",
];

/** The policy pack as users pass it: `pulumi preview --policy-pack policies` (its own npm ci first). */
export const POLICY_PACK = path.join(ROOT, "policies");

export interface Cli {
    /** The `pulumi` executable. */
    bin: string;
    /** True when the providers sit beside it (the toolchain's bin folder): no plugin is ever downloaded. */
    offline: boolean;
}

export function findPulumi(): Cli {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        // npm puts node_modules/.bin first: that `pulumi` is the npm launcher, which downloads a CLI.
        if (dir.endsWith(`${path.sep}node_modules${path.sep}.bin`)) continue;
        const bin = path.join(dir, "pulumi");
        if (dir && fs.existsSync(bin)) return { bin, offline: fs.existsSync(path.join(dir, "pulumi-resource-kubernetes")) };
    }
    throw new Error("no `pulumi` on PATH: run `npm run toolchain` and put the folder it prints first on PATH, or install the Pulumi CLI");
}

/** Why no CLI can run here (what `findPulumi` says), or null: the rungs that need one skip, saying so. */
export function cliMissing(): string | null {
    try {
        findPulumi();
        return null;
    } catch (e) {
        return (e as Error).message;
    }
}

export interface RunResult {
    code: number;
    stdout: string;
    stderr: string;
}

/** Runs a command to its end and collects its output; `input`, if any, is its stdin. */
export function runProcess(bin: string, args: string[], opts: { env: NodeJS.ProcessEnv; cwd?: string; input?: string }): Promise<RunResult> {
    return new Promise((resolve, reject) => {
        const child = spawn(bin, args, { cwd: opts.cwd, env: opts.env, stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
        // A command may exit without reading its input (a prompt answered by a flag, a failure):
        // the write then fails with EPIPE, which says nothing its exit code does not.
        child.stdin.on("error", (err: NodeJS.ErrnoException) => {
            if (err.code !== "EPIPE") reject(err);
        });
        child.stdin.end(opts.input ?? "");
    });
}

/**
 * The Kubernetes rungs run no route a client could reach (render mode; kwok's fake nodes), and the
 * toolchain builds no command provider: their stacks turn the entry check off (the Docker rung runs it).
 */
export const NO_ENTRY_CHECK = "ingress.check.enabled=false";

/** The user's Pulumi home, where `pulumi plugin install` puts plugins. */
export const userPulumiHome = () => process.env.PULUMI_HOME ?? path.join(os.homedir(), ".pulumi");

/** The version of a provider package the program pins (package.json), which is the plugin version it loads. */
export function pinnedVersion(name: string): string {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    return pkg.dependencies[`@pulumi/${name}`];
}

/**
 * The folder of an installed resource plugin at the version the program pins (as `pulumi plugin
 * install resource NAME VERSION` leaves it in the user's Pulumi home), or null.
 */
export function installedPlugin(name: string): string | null {
    const dir = path.join(userPulumiHome(), "plugins", `resource-${name}-v${pinnedVersion(name)}`);
    return fs.existsSync(path.join(dir, `pulumi-resource-${name}`)) ? dir : null;
}

export interface ProjectOptions {
    /** The stack file the config starts from (Pulumi.<stack>.yaml in the repository). */
    stack: string;
    /** `--set path=value` overrides, as `npm run plan` takes them. */
    sets?: string[];
    /** Another program instead of ours: file name -> text (Pulumi.yaml included). */
    program?: Record<string, string>;
    /** Installed plugins (by name, at the pinned versions) the CLI may use beside the toolchain's own. */
    plugins?: string[];
    /** A command prefix every CLI run goes through (`ip netns exec NAME`: the engine's network namespace). */
    wrap?: string[];
    /** More environment for the CLI (DOCKER_HOST). */
    env?: NodeJS.ProcessEnv;
}

/** One program folder with its own state backend; `dispose()` removes everything. */
export class EngineProject {
    readonly dir: string;
    readonly stateDir: string;
    readonly stack: string;
    readonly cli: Cli;
    private readonly env: NodeJS.ProcessEnv;

    private readonly wrap: string[];

    private constructor(
        readonly tmp: string,
        stack: string,
        program?: Record<string, string>,
        opts: Pick<ProjectOptions, "plugins" | "wrap" | "env"> = {},
    ) {
        this.cli = findPulumi();
        this.stack = stack;
        this.dir = path.join(tmp, "program");
        this.stateDir = path.join(tmp, "state");
        fs.mkdirSync(this.stateDir, { recursive: true });
        fs.mkdirSync(this.dir);
        if (program) {
            for (const [file, text] of Object.entries(program)) fs.writeFileSync(path.join(this.dir, file), text);
            for (const f of ["tsconfig.json", "tsconfig.pulumi.json", "tools/transpile-cache.js"]) fs.cpSync(path.join(ROOT, f), path.join(this.dir, f));
        } else {
            for (const entry of PROGRAM_ENTRIES) {
                fs.cpSync(path.join(ROOT, entry), path.join(this.dir, entry), { recursive: true, filter: (src) => path.basename(src) !== "node_modules" });
            }
        }
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(this.dir, "node_modules"));
        const home = path.join(tmp, "pulumi-home");
        this.wrap = opts.wrap ?? [];
        if (this.cli.offline) {
            for (const name of opts.plugins ?? []) {
                const dir = installedPlugin(name);
                if (!dir)
                    throw new Error(
                        `the ${name} plugin ${pinnedVersion(name)} is not installed (pulumi plugin install resource ${name} ${pinnedVersion(name)} -f BINARY)`,
                    );
                // The CLI lists plugin folders and skips symbolic links: a folder of links to the files.
                const into = path.join(home, "plugins", path.basename(dir));
                fs.mkdirSync(into, { recursive: true });
                for (const f of fs.readdirSync(dir)) {
                    try {
                        fs.linkSync(path.join(dir, f), path.join(into, f));
                    } catch {
                        fs.copyFileSync(path.join(dir, f), path.join(into, f));
                    }
                }
            }
        }
        this.env = {
            ...process.env,
            ...opts.env,
            PULUMI_BACKEND_URL: `file://${this.stateDir}`,
            PULUMI_CONFIG_PASSPHRASE: randomBytes(16).toString("hex"),
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_SKIP_CONFIRMATIONS: "true",
            PULUMI_DISABLE_REGISTRY_RESOLVE: "true",
            ...(this.cli.offline ? { PULUMI_HOME: home, PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true" } : {}),
        };
    }

    static async create(opts: ProjectOptions): Promise<EngineProject> {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "quorvex-engine-"));
        const p = new EngineProject(tmp, opts.stack, opts.program, opts);
        if (!opts.program) p.writeConfig(opts.sets ?? []);
        await p.ok(["stack", "init", opts.stack, "--secrets-provider", "passphrase"]);
        return p;
    }

    /** Rewrites the stack file: the repository's Pulumi.<stack>.yaml plus `sets` (the salt is kept). */
    writeConfig(sets: string[]): void {
        const file = path.join(this.dir, `Pulumi.${this.stack}.yaml`);
        const salt = fs.existsSync(file) ? /^encryptionsalt: .*$/m.exec(fs.readFileSync(file, "utf8"))?.[0] : undefined;
        const sc = readStackConfig(ROOT, this.stack, sets);
        const config: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(sc.config)) config[`quorvex:${k}`] = v;
        for (const [k, v] of Object.entries(sc.extra)) config[k] = v;
        fs.writeFileSync(file, `${salt ? `${salt}\n` : ""}${stringify({ config })}`);
    }

    /** The command line and environment of `pulumi ARGS` in this project (for timing it from outside). */
    command(args: string[]): { bin: string; args: string[]; cwd: string; env: NodeJS.ProcessEnv } {
        const full = [this.cli.bin, ...args, "--non-interactive", "--color", "never"];
        const [bin, ...rest] = [...this.wrap, ...full];
        return { bin, args: rest, cwd: this.dir, env: this.env };
    }

    run(args: string[], opts: { cwd?: string } = {}): Promise<RunResult> {
        const c = this.command(args);
        return runProcess(c.bin, c.args, { cwd: opts.cwd ?? this.dir, env: this.env });
    }

    /** Runs and fails with the CLI's own output when it does not exit 0. */
    async ok(args: string[], opts: { cwd?: string } = {}): Promise<RunResult> {
        const r = await this.run(args, opts);
        if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
        return r;
    }

    up(extra: string[] = []): Promise<RunResult> {
        return this.ok(["up", "--yes", "--skip-preview", "--stack", this.stack, ...extra]);
    }

    preview(extra: string[] = []): Promise<RunResult> {
        return this.run(["preview", "--stack", this.stack, ...extra]);
    }

    /** `pulumi stack output --json`; with `showSecrets`, the plaintext values. */
    async outputs(showSecrets = false): Promise<Record<string, unknown>> {
        const r = await this.ok(["stack", "output", "--json", "--stack", this.stack, ...(showSecrets ? ["--show-secrets"] : [])]);
        return JSON.parse(r.stdout) as Record<string, unknown>;
    }

    /** The raw checkpoint as the backend stores it (secrets encrypted). */
    stateText(): string {
        const dir = path.join(this.stateDir, ".pulumi", "stacks");
        const files: string[] = [];
        const walk = (d: string) => {
            for (const e of fs.readdirSync(d, { withFileTypes: true })) {
                const p = path.join(d, e.name);
                if (e.isDirectory()) walk(p);
                else if (e.name.endsWith(".json")) files.push(p);
            }
        };
        walk(dir);
        return files.map((f) => fs.readFileSync(f, "utf8")).join("\n");
    }

    /** The deployment as `pulumi stack export` prints it. */
    async exportState(): Promise<{ deployment: { resources: StateResource[] } }> {
        const r = await this.ok(["stack", "export", "--stack", this.stack]);
        return JSON.parse(r.stdout) as { deployment: { resources: StateResource[] } };
    }

    /**
     * examples/consumer as a second project in the same backend, reading this
     * stack through a real StackReference. Returns its folder.
     */
    consumerProject(): string {
        const dir = path.join(this.dir, "examples", "consumer");
        fs.cpSync(path.join(ROOT, "examples", "consumer"), dir, { recursive: true, filter: (src) => path.basename(src) !== "node_modules" });
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
        fs.copyFileSync(path.join(ROOT, "tsconfig.json"), path.join(dir, "tsconfig.json"));
        return dir;
    }

    dispose(): void {
        fs.rmSync(this.tmp, { recursive: true, force: true });
    }
}

export interface StateResource {
    urn: string;
    type: string;
    custom: boolean;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
}

/** The step of each resource in `pulumi preview --json`: create, update, replace, delete, same... */
export interface PreviewStep {
    op: string;
    urn: string;
    type: string;
}

export function previewSteps(json: string): PreviewStep[] {
    const doc = JSON.parse(json) as { steps?: { op: string; urn: string; newState?: { type: string }; oldState?: { type: string } }[] };
    return (doc.steps ?? []).map((s) => ({ op: s.op, urn: s.urn, type: s.newState?.type ?? s.oldState?.type ?? "" }));
}

/** `type::name` of a URN, the identity `npm run plan -- --compare` reports. */
export function urnId(urn: string): string {
    const parts = urn.split("::");
    const types = parts[2].split("$");
    return `${types[types.length - 1]}::${parts.slice(3).join("::")}`;
}
