/**
 * npm run bench [-- --runs N] [-- --quick] [-- --dry] [-- --engine-only]
 *
 * Measures, after a warm-up, the median and spread of: the floor (a bare
 * Pulumi program under the mock runtime), the offline plan of dev, the Docker
 * workers variant and prod end to end as a user runs it, the workers variant
 * with 1/10/100/500 workers, and (unless --quick) the test suite and the
 * typecheck. When a Pulumi CLI is on PATH (`npm run toolchain` puts one
 * there), also the real engine: `pulumi preview` of prod (rendered to YAML)
 * against `pulumi preview` of a one-resource program and of as many trivial
 * resources through the same CLI, and a second `up` with nothing to do of each
 * of the last two, and the preview of prod with the policy pack. Where the
 * Docker rung can run (root, dockerd, the docker, tls and command plugins:
 * docs/engine-tier.md), also a fresh `up` of dev on the harness's Docker engine
 * against the health waits on its critical path (tests/engine/dev-up.ts).
 * Prints a table with each figure's ratio to the floor and writes
 * bench/results.json (not committed) for comparing runs.
 *
 * `--dry` runs every case once, with no warm-up and no results file, and fails
 * on the first that fails: the tests run it, so a broken case never waits for
 * someone to run the benchmark. `--engine-only` runs the engine cases alone
 * (the CLI's and the Docker engine's).
 */
import { spawnSync } from "child_process";
import { cliMissing, EngineProject, NO_ENTRY_CHECK, POLICY_PACK } from "../tests/engine/harness";
import { planStack } from "../tools/planner";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { TS_NODE } from "../tests/cli";
import { devUpRuns, type DevUpTimeline } from "../tests/engine/dev-up";

const ROOT = path.resolve(__dirname, "..");
const argv = process.argv.slice(2);
const RUNS = Number(argv[argv.indexOf("--runs") + 1]) > 0 && argv.includes("--runs") ? Number(argv[argv.indexOf("--runs") + 1]) : 5;
const QUICK = argv.includes("--quick");
const DRY = argv.includes("--dry");
const ENGINE_ONLY = argv.includes("--engine-only");

interface Case {
    name: string;
    command: string[];
    /** Fewer runs for the slow ones. */
    runs?: number;
    env?: NodeJS.ProcessEnv;
    cwd?: string;
}

/** Exactly what `npm run plan -- ...` runs, without npm's own start-up. */
const plan = (...args: string[]): string[] => [process.execPath, ...TS_NODE, path.join(ROOT, "tools", "plan.ts"), ...args, "--json"];
/** The same launcher as the plan: node + ts-node (its transpiler the project's: swc, cached) + @pulumi/pulumi. */
const floor = [process.execPath, ...TS_NODE, path.join(ROOT, "bench", "floor.js")];
const workers = (n: number) => plan("--stack", "dev", "--set", "mode=workers", "--set", `workers.replicas=${n}`);

const CASES: Case[] = [
    { name: "floor (bare Pulumi program, 1 resource)", command: floor },
    { name: "  reference: floor in plain node (no ts-node)", command: [process.execPath, path.join(ROOT, "bench", "floor.js")] },
    { name: "  reference: floor with 67 trivial resources", command: floor, env: { QUORVEX_FLOOR_RESOURCES: "67" } },
    { name: "  reference: floor with 500 trivial resources", command: floor, env: { QUORVEX_FLOOR_RESOURCES: "500" } },
    { name: "plan dev (standard)", command: plan("--stack", "dev") },
    { name: "plan dev, Docker workers mode (4 workers)", command: workers(4) },
    { name: "plan prod", command: plan("--stack", "prod") },
    { name: "plan prod, KEDA", command: plan("--stack", "prod", "--set", "workers.autoscaler=keda") },
    { name: "plan workers x1", command: workers(1) },
    { name: "plan workers x10", command: workers(10) },
    { name: "plan workers x100", command: workers(100) },
    { name: "plan workers x500", command: workers(500) },
    {
        name: "  reference: bare Pulumi, 1 minimal docker.Container",
        command: [process.execPath, path.join(ROOT, "bench", "bare-containers.js")],
        env: { QUORVEX_CONTAINERS: "1" },
    },
    {
        name: "  reference: bare Pulumi, 500 minimal docker.Container",
        command: [process.execPath, path.join(ROOT, "bench", "bare-containers.js")],
        env: { QUORVEX_CONTAINERS: "500" },
    },
    ...(QUICK
        ? []
        : [
              { name: "test suite (vitest run)", command: [process.execPath, path.join(ROOT, "node_modules", "vitest", "vitest.mjs"), "run"], runs: 1 },
              {
                  name: "typecheck (tsc --noEmit)",
                  command: [process.execPath, path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "-p", path.join(ROOT, "tsconfig.json")],
                  runs: 2,
              },
          ]),
];

function time(command: string[], env: NodeJS.ProcessEnv = {}, cwd = ROOT): number {
    const start = process.hrtime.bigint();
    const r = spawnSync(command[0], command.slice(1), {
        cwd,
        stdio: ["ignore", "ignore", "pipe"],
        maxBuffer: 256 * 1024 * 1024,
        env: { ...process.env, ...env },
    });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`${command.slice(2).join(" ")} exited ${r.status}: ${r.stderr}`);
    return ms;
}

const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** A TypeScript program of `n` trivial resources, loaded the way ours is: the engine's floor (one), and its per-resource cost (as many as prod's). */
const trivialProgram = (n: number) => ({
    "Pulumi.yaml": "name: floor\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n    tsconfig: tsconfig.pulumi.json\nmain: index.ts\n",
    "index.ts": `import * as random from "@pulumi/random";\nexport const ids = Array.from({ length: ${n} }, (_, i) => new random.RandomPassword(\`r\${i}\`, { length: 16 }).id);\n`,
});

/** `pulumi preview` of prod and of the one-resource program, when a CLI is on PATH; they are deleted on exit. */
async function engineCases(): Promise<Case[]> {
    if (cliMissing()) {
        process.stderr.write("  (no pulumi on PATH: the engine cases are skipped; see docs/engine-tier.md)\n");
        return [];
    }
    const sets = [NO_ENTRY_CHECK];
    const count = (await planStack({ stack: "prod", sets })).document.resources.length;
    // (Each project links the repository's node_modules itself.)
    const floorProject = await EngineProject.create({ stack: "bench", program: trivialProgram(1) });
    const sameCount = await EngineProject.create({ stack: "bench", program: trivialProgram(count) });
    const prodProject = async () => {
        const p = await EngineProject.create({ stack: "prod" });
        p.writeConfig([...sets, `kubernetes.renderYamlToDirectory=${path.join(p.tmp, "rendered")}`]);
        return p;
    };
    const prod = await prodProject();
    // A second `up` with nothing to do, of prod and of as many trivial resources: their own stacks, deployed once here.
    const deployedProd = await prodProject();
    const deployedSameCount = await EngineProject.create({ stack: "bench", program: trivialProgram(count) });
    process.on("exit", () => [floorProject, sameCount, prod, deployedProd, deployedSameCount].forEach((p) => p.dispose()));
    for (const p of [deployedProd, deployedSameCount]) await p.up();
    const engine = (p: EngineProject, name: string, args: string[]): Case => {
        const c = p.command(args);
        return { name, command: [c.bin, ...c.args], env: c.env, cwd: c.cwd, runs: 3 };
    };
    const preview = (p: EngineProject, name: string) => engine(p, name, ["preview", "--stack", p.stack]);
    const upAgain = (p: EngineProject, name: string) => engine(p, name, ["up", "--yes", "--skip-preview", "--stack", p.stack]);
    return [
        preview(floorProject, "engine floor: pulumi preview, 1 resource"),
        preview(sameCount, `engine reference: pulumi preview, ${count} trivial resources (as many as prod)`),
        preview(prod, "engine: pulumi preview prod (rendered to YAML)"),
        engine(prod, "engine: pulumi preview prod, with the policy pack", ["preview", "--stack", prod.stack, "--policy-pack", POLICY_PACK]),
        upAgain(deployedSameCount, `engine reference: second pulumi up, ${count} trivial resources, nothing to do`),
        upAgain(deployedProd, "engine: second pulumi up of prod (rendered to YAML), nothing to do"),
    ];
}

/** The Docker engine's case, with the CLI's (it runs `pulumi up`), or why not. */
const dockerCase = async (runs: number): Promise<DevUpTimeline[] | string> => cliMissing() ?? devUpRuns(runs);

const DEV_UP = "dev up from empty on a Docker engine (stand-in images)";
const DEV_UP_WAITS = "  its health waits on the critical path";
const DEV_UP_RUNS = 3;

/** The timeline of a run, its critical path first to last. */
const timeline = (t: DevUpTimeline) =>
    t.path.map(
        (p) =>
            `    ${p.start.toFixed(0).padStart(3)}-${p.end.toFixed(0).padEnd(3)} s  ${p.name}${p.waitSeconds ? ` (health wait ${p.waitSeconds.toFixed(1)} s)` : ""}`,
    );

async function main() {
    const results: { name: string; runs: number; medianMs: number; minMs: number; maxMs: number; ratioToFloor: number }[] = [];
    const cases = [...(ENGINE_ONLY ? [] : CASES), ...(await engineCases())];
    if (DRY) {
        for (const c of cases) {
            const ms = time(c.command, c.env, c.cwd);
            process.stdout.write(`ok ${c.name} (${ms.toFixed(0)} ms)\n`);
        }
        const devUp = await dockerCase(1);
        if (typeof devUp === "string") process.stdout.write(`skipped ${DEV_UP}: ${devUp}\n`);
        else process.stdout.write(`ok ${DEV_UP} (${devUp[0].upSeconds.toFixed(1)} s, health waits ${devUp[0].waitSeconds.toFixed(1)} s)\n`);
        return;
    }
    for (const c of cases) {
        const runs = c.runs ?? RUNS;
        time(c.command, c.env, c.cwd); // warm-up: the file system cache
        const samples = Array.from({ length: runs }, () => time(c.command, c.env, c.cwd));
        results.push({ name: c.name, runs, medianMs: median(samples), minMs: Math.min(...samples), maxMs: Math.max(...samples), ratioToFloor: 0 });
        process.stderr.write(`  ${c.name}: ${median(samples).toFixed(0)} ms\n`);
    }
    const devUp = await dockerCase(DEV_UP_RUNS);
    let devUpPath: string[] = [];
    if (typeof devUp === "string") process.stderr.write(`  (${DEV_UP} skipped: ${devUp})\n`);
    else {
        for (const [name, seconds] of [
            [DEV_UP, devUp.map((t) => t.upSeconds)],
            [DEV_UP_WAITS, devUp.map((t) => t.waitSeconds)],
        ] as const) {
            const ms = seconds.map((x) => x * 1000);
            results.push({ name, runs: ms.length, medianMs: median(ms), minMs: Math.min(...ms), maxMs: Math.max(...ms), ratioToFloor: 0 });
        }
        const mid = [...devUp].sort((a, b) => a.upSeconds - b.upSeconds)[Math.floor(devUp.length / 2)];
        devUpPath = ["", `the critical path of the median dev up (${mid.upSeconds.toFixed(1)} s):`, ...timeline(mid)];
    }
    const floor = results[0].medianMs;
    for (const r of results) r.ratioToFloor = r.medianMs / floor;
    const width = Math.max(...results.map((r) => r.name.length));
    const lines = [
        `${"case".padEnd(width)}  runs  median ms  spread (min-max)  x floor`,
        ...results.map(
            (r) =>
                `${r.name.padEnd(width)}  ${String(r.runs).padStart(4)}  ${r.medianMs.toFixed(0).padStart(9)}  ${`${r.minMs.toFixed(0)}-${r.maxMs.toFixed(0)}`.padStart(16)}  ${r.ratioToFloor.toFixed(2).padStart(7)}`,
        ),
    ];
    const byName = (n: string) => results.find((r) => r.name === n)?.medianMs ?? NaN;
    const targets = {
        prodWithin1_5xFloor: byName("plan prod") / floor,
        workers500Within2xWorkers1: byName("plan workers x500") / byName("plan workers x1"),
        enginePreviewProdToFloor: byName("engine: pulumi preview prod (rendered to YAML)") / byName("engine floor: pulumi preview, 1 resource"),
        enginePreviewProdToSameCount:
            byName("engine: pulumi preview prod (rendered to YAML)") /
            (results.find((r) => r.name.startsWith("engine reference: pulumi preview,"))?.medianMs ?? NaN),
        enginePackToPreview: byName("engine: pulumi preview prod, with the policy pack") / byName("engine: pulumi preview prod (rendered to YAML)"),
        devUpToCriticalPathWaits: byName(DEV_UP) / byName(DEV_UP_WAITS),
        devUpSeconds: byName(DEV_UP) / 1000,
        engineSecondUpProdToSameCount:
            byName("engine: second pulumi up of prod (rendered to YAML), nothing to do") /
            (results.find((r) => r.name.startsWith("engine reference: second pulumi up,"))?.medianMs ?? NaN),
    };
    lines.push(
        "",
        ...(ENGINE_ONLY
            ? []
            : [
                  `prod plan / floor: ${targets.prodWithin1_5xFloor.toFixed(2)} (target <= 1.5)`,
                  `500 workers / 1 worker: ${targets.workers500Within2xWorkers1.toFixed(2)} (target <= 2)`,
              ]),
        ...(Number.isNaN(targets.enginePreviewProdToFloor)
            ? []
            : [
                  `engine: preview prod / preview of 1 resource: ${targets.enginePreviewProdToFloor.toFixed(2)} (same CLI, side by side)`,
                  `engine: preview prod / preview of as many trivial resources: ${targets.enginePreviewProdToSameCount.toFixed(2)} (target <= 1.3)`,
                  `engine: preview prod with the policy pack / without: ${targets.enginePackToPreview.toFixed(2)} (the pack's own load and checks)`,
                  `engine: second up of prod / second up of as many trivial resources: ${targets.engineSecondUpProdToSameCount.toFixed(2)} (nothing to do in either)`,
              ]),
        ...(Number.isNaN(targets.devUpSeconds)
            ? []
            : [
                  `dev up from empty: ${targets.devUpSeconds.toFixed(1)} s (target <= 30 s on this machine's engine)`,
                  `dev up / health waits on its critical path: ${targets.devUpToCriticalPathWaits.toFixed(2)} (target <= 1.2)`,
              ]),
        ...devUpPath,
    );
    process.stdout.write(`${lines.join("\n")}\n`);
    const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version };
    fs.writeFileSync(path.join(ROOT, "bench", "results.json"), `${JSON.stringify({ date: new Date().toISOString(), machine, results, targets }, null, 2)}\n`);
}

main().catch((err) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
});
