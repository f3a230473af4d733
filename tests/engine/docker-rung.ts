/**
 * What the Docker rung needs around a stack on the harness's engine: whether it
 * can run here (and the one line that says why not), and ways to look at the
 * live platform as a user would: through the proxy's published port, inside
 * the containers, with the credentials the containers hold.
 */
import { DockerEngine, dockerEngineMissing } from "./docker-engine";
import { installedPlugin, pinnedVersion, runProcess, type RunResult } from "./harness";
import { findGoBinaries, standinsMissing } from "./standins";

/** The providers the dev stack loads beside the toolchain's (random): not on the Go module proxy, so installed by hand. */
export const DOCKER_RUNG_PLUGINS = ["docker", "tls", "command"];

/** Why the Docker rung cannot run on this machine, or null. */
export function dockerRungMissing(): string | null {
    const plugin = DOCKER_RUNG_PLUGINS.find((p) => !installedPlugin(p));
    if (plugin)
        return `the ${plugin} plugin ${pinnedVersion(plugin)} is not installed (docs/engine-tier.md, "Rung 2": pulumi plugin install resource ${plugin} ${pinnedVersion(plugin)} -f BINARY)`;
    return dockerEngineMissing() ?? standinsMissing(findGoBinaries());
}

export interface Inspected {
    Id: string;
    Name: string;
    Config: { Env: string[]; User: string; Labels: Record<string, string> };
    State: { Status: string; Running: boolean; ExitCode: number; StartedAt: string; Health?: { Status: string } };
    HostConfig: {
        Memory: number;
        NanoCpus: number;
        ShmSize: number;
        ReadonlyRootfs: boolean;
        CapAdd: string[] | null;
        CapDrop: string[] | null;
        SecurityOpt: string[] | null;
        RestartPolicy: { Name: string };
        PortBindings: Record<string, { HostIp: string; HostPort: string }[]> | null;
    };
    NetworkSettings: { Networks: Record<string, unknown> };
    Created: string;
}

/** The live dev stack `quorvex-<stack>-*` on an engine. */
export class LiveStack {
    constructor(
        readonly engine: DockerEngine,
        readonly stack = "dev",
    ) {}

    name(role: string): string {
        return `quorvex-${this.stack}-${role}`;
    }

    inspect(role: string): Promise<Inspected> {
        return this.engine.inspect<Inspected>(this.name(role));
    }

    /** A container's env as the engine holds it. */
    async env(role: string): Promise<Record<string, string>> {
        const c = await this.inspect(role);
        return Object.fromEntries(c.Config.Env.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
    }

    /** `docker exec` in a running container; `env` values travel as `-e` (never on the command inside). */
    exec(role: string, command: string[], opts: { env?: Record<string, string>; user?: string; input?: string } = {}): Promise<RunResult> {
        const flags = [...Object.entries(opts.env ?? {}).flatMap(([k, v]) => ["-e", `${k}=${v}`]), ...(opts.user ? ["-u", opts.user] : [])];
        return this.engine.docker(["exec", ...(opts.input !== undefined ? ["-i"] : []), ...flags, this.name(role), ...command], opts.input);
    }

    /** `curl` from inside the engine's namespace, where the proxy publishes: `https://host/...` goes to 127.0.0.1. */
    curl(url: string, extra: string[] = []): Promise<RunResult> {
        const u = new URL(url);
        const port = u.port || (u.protocol === "https:" ? "443" : "80");
        return this.engine.inNetns("curl", ["-sS", "--max-time", "20", "--resolve", `${u.hostname}:${port}:127.0.0.1`, ...extra, url]);
    }

    /** Long-running containers of the stack and their health, name -> status. */
    async health(): Promise<Record<string, string>> {
        const out: Record<string, string> = {};
        for (const name of await this.engine.containers(`^quorvex-${this.stack}-`)) {
            const c = await this.engine.inspect<Inspected>(name);
            out[name.slice(`quorvex-${this.stack}-`.length)] = c.State.Health?.Status ?? `${c.State.Status} (${c.State.ExitCode})`;
        }
        return out;
    }

    /**
     * The stack's health once Docker has checked what `up` did not wait for (the backend, Postgres
     * and MinIO: their consumers wait for them, `awaitedByConsumers`): Docker's first check of a
     * container comes one interval (10 s) after its start.
     */
    async settled(): Promise<Record<string, string>> {
        for (const role of ["postgres", "minio", "backend"]) await this.healthy(role, 15);
        return this.health();
    }

    /** Waits until a container is healthy again (after a `docker start`). */
    async healthy(role: string, seconds = 60): Promise<void> {
        const deadline = Date.now() + seconds * 1000;
        for (;;) {
            const c = await this.inspect(role);
            if (c.State.Health?.Status === "healthy") return;
            if (Date.now() > deadline) throw new Error(`${this.name(role)} is ${c.State.Health?.Status ?? c.State.Status} after ${seconds} s`);
            await new Promise((r) => setTimeout(r, 500));
        }
    }
}

/** psql as a role over TCP, inside the Postgres container (its password through the environment). */
export function psql(stack: LiveStack, user: string, password: string, sql: string): Promise<RunResult> {
    return stack.exec("postgres", ["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", user, "-d", "quorvex", "-c", sql], {
        env: { PGPASSWORD: password },
    });
}

/** redis-cli as an ACL user, inside the Redis container (its password through the environment). */
export function redisCli(stack: LiveStack, user: string, password: string, ...command: string[]): Promise<RunResult> {
    return stack.exec("redis", ["redis-cli", "--no-auth-warning", "--user", user, "-h", "127.0.0.1", ...command], { env: { REDISCLI_AUTH: password } });
}

/** mc as a MinIO user, inside the MinIO container (the alias through the environment). */
export function mc(stack: LiveStack, user: string, secret: string, args: string[], input?: string): Promise<RunResult> {
    return stack.exec("minio", ["mc", "--quiet", ...args], { env: { MC_HOST_s: `http://${user}:${secret}@127.0.0.1:9000`, MC_CONFIG_DIR: "/tmp/.mc" }, input });
}

/** A process's exit and output, for `expect` messages. */
export const said = (r: RunResult) => `exit ${r.code}\n${r.stdout}\n${r.stderr}`;

/** Runs a shell command to its end (the README's npm commands, in a checkout). */
export function sh(command: string, opts: { cwd: string; env: NodeJS.ProcessEnv; input?: string }): Promise<RunResult> {
    return runProcess("bash", ["-c", command], opts);
}
