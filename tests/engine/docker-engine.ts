/**
 * The engine tier's Docker engine: Debian's dockerd, started as root inside a
 * network namespace this harness creates, so every container address, bridge
 * and published port stays inside it (the machine's own network never sees
 * them). Its socket, exec root and logs live in one temporary folder; its data
 * root is a cache folder, so the stand-in images built once are there the next
 * time (every container, volume and network is removed at start and at the end).
 * `dispose()` always stops the daemon and deletes the namespace.
 *
 * `ip netns exec` gives the command a mount namespace with a fresh /sys, which
 * hides the cgroup hierarchies; dockerd refuses to start without them
 * ("Devices cgroup isn't mounted"), so the daemon's shell mounts them again
 * there (cgroup v1 or v2, as the machine has them) before it execs dockerd.
 */
import { execFileSync, spawn, type ChildProcess } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runProcess, type RunResult } from "./harness";

/** Where the data root (and so the built images) is kept between runs. */
export function engineCacheDir(): string {
    return process.env.QUORVEX_ENGINE_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "quorvex-engine");
}

const which = (bin: string): string | null => {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        const p = path.join(dir, bin);
        if (dir && fs.existsSync(p)) return p;
    }
    for (const dir of ["/usr/sbin", "/sbin", "/usr/bin"]) if (fs.existsSync(path.join(dir, bin))) return path.join(dir, bin);
    return null;
};

/** Why a Docker engine cannot be started here, or null when it can. */
export function dockerEngineMissing(): string | null {
    if (process.getuid?.() !== 0) return "the Docker engine harness runs dockerd and network namespaces, which need root";
    for (const bin of ["dockerd", "docker", "ip"]) {
        if (!which(bin)) return `\`${bin}\` is not installed (Debian: apt-get install docker.io iproute2)`;
    }
    return null;
}

/** The cgroup hierarchies as this machine mounts them, to mount again inside the daemon's mount namespace. */
export function cgroupMounts(): string[] {
    const lines = fs.readFileSync("/proc/self/mounts", "utf8").split("\n");
    const out: string[] = [];
    for (const line of lines) {
        const [, where, type, options] = line.split(" ");
        if (!where?.startsWith("/sys/fs/cgroup")) continue;
        if (type === "tmpfs") out.push(`mount -t tmpfs -o mode=755 cgroup_root ${where}`);
        else if (type === "cgroup2") out.push(`mkdir -p ${where} && mount -t cgroup2 cgroup2 ${where}`);
        else if (type === "cgroup") {
            const subsystems = options.split(",").filter((o) => !["rw", "ro", "relatime", "nosuid", "nodev", "noexec"].includes(o));
            out.push(`mkdir -p ${where} && mount -t cgroup -o ${subsystems.join(",")} cgroup ${where}`);
        }
    }
    return out;
}

export class DockerEngine {
    /** `unix:///…/docker.sock`: what DOCKER_HOST (or `quorvex:docker.host`) names. */
    readonly host: string;
    readonly env: NodeJS.ProcessEnv;
    private daemon: ChildProcess | null = null;
    private readonly log: string;

    private constructor(
        readonly tmp: string,
        readonly netns: string,
        readonly dataRoot: string,
    ) {
        this.host = `unix://${path.join(tmp, "docker.sock")}`;
        this.log = path.join(tmp, "dockerd.log");
        // The Debian client speaks the daemon's own API version; the legacy builder needs no BuildKit.
        this.env = { ...process.env, DOCKER_HOST: this.host, DOCKER_BUILDKIT: "0", DOCKER_CONFIG: path.join(tmp, "client") };
    }

    /** `daemonArgs`: more dockerd flags (a host's own defaults, such as `--log-opt compress=true`). */
    static async start(opts: { daemonArgs?: string[] } = {}): Promise<DockerEngine> {
        const missing = dockerEngineMissing();
        if (missing) throw new Error(missing);
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "quorvex-docker-"));
        const dataRoot = path.join(engineCacheDir(), "docker");
        fs.mkdirSync(dataRoot, { recursive: true });
        const engine = new DockerEngine(tmp, `quorvex-${randomBytes(4).toString("hex")}`, dataRoot);
        try {
            await engine.boot(opts.daemonArgs ?? []);
        } catch (e) {
            await engine.dispose();
            throw e;
        }
        return engine;
    }

    private async boot(daemonArgs: string[]): Promise<void> {
        execFileSync("ip", ["netns", "add", this.netns]);
        execFileSync("ip", ["netns", "exec", this.netns, "ip", "link", "set", "lo", "up"]);
        const script = [
            "set -e",
            ...cgroupMounts(),
            [
                "exec dockerd",
                `--data-root ${this.dataRoot}`,
                `--exec-root ${path.join(this.tmp, "exec")}`,
                `--pidfile ${path.join(this.tmp, "dockerd.pid")}`,
                `--host ${this.host}`,
                // No default bridge: the stack makes its own networks.
                "--bridge none",
                `--containerd-namespace ${this.netns}`,
                `--containerd-plugins-namespace ${this.netns}-plugins`,
                ...daemonArgs,
            ].join(" "),
        ].join("\n");
        const out = fs.openSync(this.log, "a");
        // `ip netns exec` execs the shell, which execs dockerd: this child's PID is the daemon's.
        this.daemon = spawn("ip", ["netns", "exec", this.netns, "sh", "-c", script], { stdio: ["ignore", out, out] });
        fs.closeSync(out);
        const started = Date.now();
        for (;;) {
            const r = await this.docker(["version", "--format", "{{.Server.Version}}"]);
            if (r.code === 0) break;
            if (this.daemon.exitCode !== null || Date.now() - started > 60_000) {
                throw new Error(`dockerd did not start:\n${fs.readFileSync(this.log, "utf8").split("\n").slice(-20).join("\n")}`);
            }
            await new Promise((r) => setTimeout(r, 250));
        }
        await this.clean();
    }

    /** The docker CLI against this engine. */
    docker(args: string[], input?: string): Promise<RunResult> {
        return runProcess("docker", args, { env: this.env, input });
    }

    /** Like `docker`, and fails with the CLI's own output when it does not exit 0. */
    async ok(args: string[], input?: string): Promise<string> {
        const r = await this.docker(args, input);
        if (r.code !== 0) throw new Error(`docker ${args.join(" ")} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
        return r.stdout;
    }

    /** A command inside the engine's network namespace (where published ports are), with `env` added. */
    inNetns(bin: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {}): Promise<RunResult> {
        return runProcess("ip", ["netns", "exec", this.netns, bin, ...args], { env: { ...process.env, ...opts.env }, input: opts.input, cwd: opts.cwd });
    }

    /** `docker inspect` of one object, parsed. */
    async inspect<T = Record<string, unknown>>(name: string): Promise<T> {
        return (JSON.parse(await this.ok(["inspect", name])) as T[])[0];
    }

    /** Names of the containers, running or not, whose name matches `filter` (a regexp, as docker's name filter takes it). */
    async containers(filter = ""): Promise<string[]> {
        const out = await this.ok(["ps", "-a", "--format", "{{.Names}}", ...(filter ? ["--filter", `name=${filter}`] : [])]);
        return out.split("\n").filter(Boolean).sort();
    }

    async volumes(): Promise<string[]> {
        return (await this.ok(["volume", "ls", "-q"])).split("\n").filter(Boolean).sort();
    }

    /** Removes every container, volume and network (the images stay: they are the cache). */
    async clean(): Promise<void> {
        const ids = (await this.ok(["ps", "-aq"])).split("\n").filter(Boolean);
        if (ids.length) await this.ok(["rm", "-f", "-v", ...ids]);
        const vols = await this.volumes();
        if (vols.length) await this.ok(["volume", "rm", "-f", ...vols]);
        await this.ok(["network", "prune", "-f"]);
    }

    /** The daemon's log (for a failing test's message). */
    daemonLog(lines = 40): string {
        return fs.existsSync(this.log) ? fs.readFileSync(this.log, "utf8").split("\n").slice(-lines).join("\n") : "";
    }

    async dispose(): Promise<void> {
        const daemon = this.daemon;
        if (daemon && daemon.exitCode === null && daemon.pid) {
            await this.clean().catch(() => undefined);
            const exited = new Promise<void>((resolve) => daemon.once("exit", () => resolve()));
            daemon.kill("SIGTERM");
            const timer = setTimeout(() => daemon.kill("SIGKILL"), 30_000);
            await exited;
            clearTimeout(timer);
        }
        try {
            execFileSync("ip", ["netns", "del", this.netns], { stdio: "ignore" });
        } catch {
            // never added (or already gone)
        }
        fs.rmSync(this.tmp, { recursive: true, force: true });
    }
}
