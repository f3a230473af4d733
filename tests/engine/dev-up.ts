/**
 * The bench's Docker case: a fresh `up` of the dev stack on a real Docker
 * engine (the harness's own: Debian's dockerd in a network namespace, the
 * stand-in images) through the real CLI, providers and policy pack, timed from
 * outside, and its critical path: from the resource whose step ended last, each
 * time the dependency that ended latest (the engine's events, `pulumi up
 * --json`, one-second resolution). A container's health wait is from its start
 * (the engine's clock) to the end of its step: the provider saw it healthy, or
 * the task exited; the entry check's step is one whole (it polls the backend's
 * readiness). `up` / the health waits on the critical path is what `up` adds
 * to the waits it cannot avoid.
 */
import { DockerEngine } from "./docker-engine";
import { DOCKER_RUNG_PLUGINS, dockerRungMissing } from "./docker-rung";
import { EngineProject, POLICY_PACK } from "./harness";
import { buildStandins, findGoBinaries } from "./standins";

interface Step {
    urn: string;
    start: number;
    end: number;
}

export interface DevUpTimeline {
    /** Seconds of the whole `pulumi up`, as timed from outside. */
    upSeconds: number;
    /** The critical path, first to last: each resource, its step's seconds from the up's start, and the health wait inside it. */
    path: { name: string; start: number; end: number; waitSeconds: number }[];
    /** The sum of the health waits (service start to healthy, task start to exit) on the critical path. */
    waitSeconds: number;
}

const short = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);

/** Runs a fresh `up` of dev on a started engine with built stand-ins, and reads its timeline. */
export async function devUpTimeline(engine: DockerEngine): Promise<DevUpTimeline> {
    const info = (await engine.ok(["info", "--format", "{{.NCPU}} {{.MemTotal}}"])).trim().split(" ").map(Number);
    const project = await EngineProject.create({
        stack: "dev",
        plugins: DOCKER_RUNG_PLUGINS,
        wrap: ["ip", "netns", "exec", engine.netns],
        env: { DOCKER_HOST: engine.host },
    });
    try {
        project.writeConfig([`docker.hostCpus=${info[0]}`, `docker.hostMemory=${Math.floor(info[1] / 2 ** 20)}Mi`]);
        const started = Date.now();
        const run = await project.up(["--policy-pack", POLICY_PACK, "--json"]);
        const upSeconds = (Date.now() - started) / 1000;
        const steps = new Map<string, Step>();
        for (const line of run.stdout.split("\n").filter((l) => l.startsWith("{"))) {
            const e = JSON.parse(line) as {
                timestamp: number;
                resourcePreEvent?: { metadata: { urn: string } };
                resOutputsEvent?: { metadata: { urn: string } };
            };
            if (e.resourcePreEvent) steps.set(e.resourcePreEvent.metadata.urn, { urn: e.resourcePreEvent.metadata.urn, start: e.timestamp, end: e.timestamp });
            if (e.resOutputsEvent) {
                const s = steps.get(e.resOutputsEvent.metadata.urn);
                if (s) s.end = e.timestamp;
            }
        }
        const state = (await project.exportState()).deployment.resources as unknown as {
            urn: string;
            type: string;
            custom: boolean;
            dependencies?: string[];
            outputs?: { name?: string };
        }[];
        const byUrn = new Map(state.map((r) => [r.urn, r]));
        // Components span their children: only the resources a provider made are steps of their own.
        for (const urn of [...steps.keys()]) if (!byUrn.get(urn)?.custom) steps.delete(urn);
        // A container's health wait: from its start (the engine's clock) to the end of its step (the provider saw it healthy, or the task exit).
        const waits = new Map<string, number>();
        for (const r of state.filter((x) => x.type === "docker:index/container:Container")) {
            const c = await engine.inspect<{ State: { StartedAt: string } }>(r.outputs!.name!);
            const s = steps.get(r.urn);
            if (s) waits.set(r.urn, Math.max(0, s.end - Date.parse(c.State.StartedAt) / 1000));
        }
        // The entry check polls the backend's readiness through the proxy until it answers: its whole step is a health wait (the backend's container does not wait for its own).
        for (const r of state.filter((x) => x.type === "command:local:Command")) {
            const s = steps.get(r.urn);
            if (s) waits.set(r.urn, s.end - s.start);
        }
        const t0 = Math.min(...[...steps.values()].map((s) => s.start));
        // The latest end (of equals, the latest start: the one that waited for the others).
        const latest = (a: Step, b: Step) => (b.end > a.end || (b.end === a.end && b.start > a.start) ? b : a);
        let last = [...steps.values()].reduce(latest);
        const chain: Step[] = [last];
        for (;;) {
            const deps = (byUrn.get(last.urn)?.dependencies ?? []).map((u) => steps.get(u)).filter((s): s is Step => s !== undefined);
            if (deps.length === 0) break;
            last = deps.reduce(latest);
            chain.unshift(last);
        }
        const pathOut = chain.map((s) => ({ name: short(s.urn), start: s.start - t0, end: s.end - t0, waitSeconds: waits.get(s.urn) ?? 0 }));
        return { upSeconds, path: pathOut, waitSeconds: pathOut.reduce((a, p) => a + p.waitSeconds, 0) };
    } finally {
        await project.run(["destroy", "--yes", "--skip-preview", "--stack", "dev"]);
        project.dispose();
    }
}

/** The Docker engine's case of the bench: a fresh `up` of dev `runs` times on the harness's engine, or why it cannot run here. */
export async function devUpRuns(runs: number): Promise<DevUpTimeline[] | string> {
    const missing = dockerRungMissing();
    if (missing) return missing;
    const engine = await DockerEngine.start();
    try {
        await buildStandins(engine, findGoBinaries()!);
        const out: DevUpTimeline[] = [];
        for (let i = 0; i < runs; i++) out.push(await devUpTimeline(engine));
        return out;
    } finally {
        await engine.dispose();
    }
}
