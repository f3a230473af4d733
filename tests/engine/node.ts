/**
 * The engine tier's real node: Debian's containerd, runc and CNI plugins, and
 * the toolchain's kubelet and kube-proxy, all inside a network namespace this
 * harness creates, joined to the control plane of cluster.ts. Pods get
 * addresses on a bridge inside that namespace; Service addresses are kube-proxy's
 * iptables rules there; nothing reaches the machine's own network.
 *
 * The control plane stays where it is, on the machine's 127.0.0.1. The node
 * reaches it through a relay: inside the namespace a listener on the API
 * server's port (on loopback and on the node's address, which the API server
 * advertises, so the `kubernetes` Service leads to it), outside it this
 * process, which passes each connection to 127.0.0.1 through a Unix socket.
 *
 * containerd and the kubelet share one mount namespace (the one `ip netns exec`
 * makes, where the cgroup hierarchies are mounted again, as for dockerd), so
 * the volumes the kubelet mounts are the ones containerd hands to runc. Every
 * container's cgroup is under one cgroup root of this node's own, which is how
 * `dispose()` finds and ends every process the node started. containerd's
 * images and snapshots are kept in the engine cache between runs; everything
 * else is in one temporary folder.
 */
import { spawn, type ChildProcess } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import type { Cluster, RealNodeNetwork } from "./cluster";
import { cgroupMounts, engineCacheDir, type DockerEngine } from "./docker-engine";
import { runProcess, type RunResult } from "./harness";
import { NODE_IMAGES } from "./standins";

/** Images for the node: built on a Docker engine (the stand-ins), imported into the node's containerd. */
export interface NodeImages {
    engine: DockerEngine;
    refs: string[];
}

/** The node's addresses: all inside its network namespace. */
export const NODE_NETWORK = {
    name: "quorvex-node",
    address: "10.99.0.1",
    podCidr: "10.244.0.0/24",
    serviceCidr: "10.96.0.0/16",
    apiServiceAddress: "10.96.0.1",
    dnsAddress: "10.96.0.10",
} as const satisfies RealNodeNetwork & Record<string, string>;

/** What the node runs from Debian (containerd, runc, the CNI plugins) and from the toolchain (kubelet, kube-proxy). */
const DEBIAN_BINARIES = {
    containerd: "/usr/bin/containerd",
    shim: "/usr/bin/containerd-shim-runc-v2",
    ctr: "/usr/bin/ctr",
    runc: "/usr/sbin/runc",
    ipset: "/usr/sbin/ipset",
};
const CNI_BIN = "/usr/lib/cni";
export const NODE_BINARIES = ["kubelet", "kube-proxy", "pause"] as const;
/** The toolchain units the node rung needs beyond the default set (its DNS, NetworkPolicy implementation and metrics API, and the MinIO stand-ins' binaries). */
const NODE_RUNG_UNITS = ["coredns", "kube-router", "metrics-server", "minio", "mc"] as const;

/** Why a real node cannot run here, or null. */
export function nodeMissing(bin: string | null): string | null {
    if (process.getuid?.() !== 0) return "a node runs containerd, the kubelet and network namespaces, which need root";
    for (const [, p] of Object.entries(DEBIAN_BINARIES)) {
        if (!fs.existsSync(p)) return `${p} is not installed (Debian: apt-get install containerd runc ipset)`;
    }
    if (!fs.existsSync(path.join(CNI_BIN, "bridge"))) return `${CNI_BIN}/bridge is not installed (Debian: apt-get install containernetworking-plugins)`;
    if (!bin || NODE_BINARIES.some((b) => !fs.existsSync(path.join(bin, b))))
        return "the toolchain's kubelet, kube-proxy and pause are not on PATH (unit `cluster`)";
    const unit = NODE_RUNG_UNITS.find((b) => !fs.existsSync(path.join(bin, b)));
    if (unit) return `the toolchain's \`${unit}\` is not on PATH (QUORVEX_TOOLCHAIN_UNITS="${NODE_RUNG_UNITS.join(" ")}" npm run toolchain)`;
    return null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Node {
    readonly netns: string;
    readonly cgroupRoot: string;
    readonly socket: string;
    private supervisor: ChildProcess | null = null;
    private supervisorScript = "";
    private proxy: ChildProcess | null = null;
    private firewall: ChildProcess | null = null;
    private metrics: ChildProcess | null = null;
    private readonly relays: ChildProcess[] = [];
    private readonly relayServers: net.Server[] = [];
    private readonly sockets = new Set<net.Socket>();

    private constructor(
        readonly cluster: Cluster,
        readonly tmp: string,
        readonly bin: string,
    ) {
        const id = randomBytes(4).toString("hex");
        this.netns = `quorvex-node-${id}`;
        this.cgroupRoot = `/quorvex-node-${id}`;
        this.socket = path.join(tmp, "containerd.sock");
    }

    /** Starts the node with `images` in its containerd, and waits until it is Ready. */
    static async start(cluster: Cluster, bin: string, images: NodeImages): Promise<Node> {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "quorvex-node-"));
        const node = new Node(cluster, tmp, bin);
        try {
            await node.boot(images);
        } catch (e) {
            const logs = node.logs();
            await node.dispose();
            throw new Error(`${e instanceof Error ? e.message : String(e)}\n${logs}`);
        }
        return node;
    }

    private file(name: string, content: string): string {
        const f = path.join(this.tmp, name);
        fs.mkdirSync(path.dirname(f), { recursive: true });
        fs.writeFileSync(f, content);
        return f;
    }

    private apiPort(): number {
        const server = /server:\s*https:\/\/127\.0\.0\.1:(\d+)/.exec(fs.readFileSync(this.cluster.kubeconfig, "utf8"));
        if (!server) throw new Error(`no https://127.0.0.1:PORT server in ${this.cluster.kubeconfig}`);
        return Number(server[1]);
    }

    private async boot(images: NodeImages): Promise<void> {
        const ip = (...args: string[]) => runOk("ip", ["netns", "exec", this.netns, "ip", ...args]);
        await runOk("ip", ["netns", "add", this.netns]);
        await ip("link", "set", "lo", "up");
        await ip("addr", "add", `${NODE_NETWORK.address}/32`, "dev", "lo");
        await this.startRelay(this.apiPort());

        const containerdRoot = path.join(engineCacheDir(), "containerd");
        fs.mkdirSync(containerdRoot, { recursive: true });
        const containerdConfig = this.file(
            "containerd.toml",
            [
                "version = 2",
                `root = ${JSON.stringify(containerdRoot)}`,
                `state = ${JSON.stringify(path.join(this.tmp, "containerd-state"))}`,
                "[grpc]",
                `  address = ${JSON.stringify(this.socket)}`,
                "[ttrpc]",
                `  address = ${JSON.stringify(`${this.socket}.ttrpc`)}`,
                '[plugins."io.containerd.internal.v1.opt"]',
                `  path = ${JSON.stringify(path.join(this.tmp, "opt"))}`,
                '[plugins."io.containerd.grpc.v1.cri"]',
                `  sandbox_image = ${JSON.stringify(PAUSE_IMAGE)}`,
                // Where root lacks CAP_SYS_RESOURCE (this machine's sandbox does), no container may get an
                // oom_score_adj below containerd's own (the kubelet asks -998 for sandboxes): runc would fail.
                "  restrict_oom_score_adj = true",
                // The pods' network namespaces in the node's own folder, not the machine's /var/run/netns.
                "  netns_mounts_under_state_dir = true",
                '  stream_server_address = "127.0.0.1"',
                '[plugins."io.containerd.grpc.v1.cri".containerd]',
                '  snapshotter = "overlayfs"',
                '  default_runtime_name = "runc"',
                '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
                '  runtime_type = "io.containerd.runc.v2"',
                '[plugins."io.containerd.grpc.v1.cri".cni]',
                `  bin_dir = ${JSON.stringify(CNI_BIN)}`,
                `  conf_dir = ${JSON.stringify(path.join(this.tmp, "cni"))}`,
                "",
            ].join("\n"),
        );
        this.file(
            "cni/10-quorvex.conflist",
            JSON.stringify({
                cniVersion: "0.4.0",
                name: "quorvex",
                plugins: [
                    {
                        type: "bridge",
                        bridge: "cni0",
                        isGateway: true,
                        ipMasq: true,
                        hairpinMode: true,
                        ipam: {
                            type: "host-local",
                            dataDir: path.join(this.tmp, "cni-ipam"),
                            ranges: [[{ subnet: NODE_NETWORK.podCidr }]],
                            routes: [{ dst: "0.0.0.0/0" }],
                        },
                    },
                    { type: "portmap", capabilities: { portMappings: true } },
                ],
            }),
        );
        const kubeconfig = this.cluster.kubeconfig;
        const ca = /certificate-authority:\s*(\S+)/.exec(fs.readFileSync(kubeconfig, "utf8"))?.[1];
        const kubeletConfig = this.file(
            "kubelet.yaml",
            stringify({
                apiVersion: "kubelet.config.k8s.io/v1beta1",
                kind: "KubeletConfiguration",
                // This machine mounts cgroup v1: the kubelet refuses it unless told.
                failCgroupV1: false,
                cgroupDriver: "cgroupfs",
                cgroupRoot: this.cgroupRoot,
                containerRuntimeEndpoint: `unix://${this.socket}`,
                address: NODE_NETWORK.address,
                readOnlyPort: 0,
                authentication: { anonymous: { enabled: false }, webhook: { enabled: false }, ...(ca ? { x509: { clientCAFile: ca } } : {}) },
                authorization: { mode: "AlwaysAllow" },
                clusterDNS: [NODE_NETWORK.dnsAddress],
                clusterDomain: "cluster.local",
                resolvConf: this.file("resolv.conf", "nameserver 127.0.0.1\n"),
                failSwapOn: false,
                podLogsDir: path.join(this.tmp, "pod-logs"),
                // The machine's disk and memory are the tests', not a production node's: no eviction, no image GC.
                evictionHard: { "memory.available": "1Mi", "nodefs.available": "0%", "imagefs.available": "0%" },
                imageGCHighThresholdPercent: 100,
                imageGCLowThresholdPercent: 99,
                serializeImagePulls: false,
                syncFrequency: "10s",
                fileCheckFrequency: "5s",
                nodeStatusUpdateFrequency: "5s",
                cpuManagerReconcilePeriod: "5s",
                registerNode: true,
                protectKernelDefaults: false,
                makeIPTablesUtilChains: true,
                shutdownGracePeriod: "0s",
                logging: { verbosity: 1 },
            }),
        );
        const proxyConfig = this.file(
            "kube-proxy.yaml",
            stringify({
                apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
                kind: "KubeProxyConfiguration",
                mode: "iptables",
                clientConnection: { kubeconfig },
                hostnameOverride: NODE_NETWORK.name,
                clusterCIDR: NODE_NETWORK.podCidr,
                bindAddress: NODE_NETWORK.address,
                healthzBindAddress: "127.0.0.1:10256",
                metricsBindAddress: "127.0.0.1:10249",
                // The conntrack table is the machine's: kube-proxy leaves its size alone; and its own OOM score.
                conntrack: { maxPerCore: 0, min: 0 },
                oomScoreAdj: 0,
                logging: { verbosity: 1 },
            }),
        );
        for (const hierarchy of cgroupHierarchies()) fs.mkdirSync(path.join(hierarchy, this.cgroupRoot), { recursive: true });

        const log = (name: string) => path.join(this.tmp, `${name}.log`);
        const script = [
            "set -e",
            ...cgroupMounts(),
            "sysctl -qw net.ipv4.ip_forward=1",
            `${DEBIAN_BINARIES.containerd} --config ${containerdConfig} >${log("containerd")} 2>&1 &`,
            `echo $! >${path.join(this.tmp, "containerd.pid")}`,
            `while [ ! -S ${this.socket} ]; do sleep 0.1; done`,
            `while [ ! -e ${path.join(this.tmp, "images-imported")} ]; do sleep 0.2; done`,
            [
                `exec ${path.join(this.bin, "kubelet")}`,
                `--config=${kubeletConfig}`,
                `--kubeconfig=${kubeconfig}`,
                `--root-dir=${path.join(this.tmp, "kubelet")}`,
                `--cert-dir=${path.join(this.tmp, "kubelet-pki")}`,
                `--hostname-override=${NODE_NETWORK.name}`,
                `--node-ip=${NODE_NETWORK.address}`,
                `>${log("kubelet")} 2>&1`,
            ].join(" "),
        ].join("\n");
        this.supervisorScript = script;
        await this.startSupervisor();
        await this.importImages(images, containerdRoot);
        fs.writeFileSync(path.join(this.tmp, "images-imported"), "");
        this.proxy = this.spawnTool("kube-proxy", [`--config=${proxyConfig}`], log("kube-proxy"));
        await this.waitReady();
        // The NetworkPolicy implementation: kube-router's firewall alone (iptables and ipset); the
        // bridge hands pod-to-pod traffic to iptables, where its rules are.
        await runOk("ip", ["netns", "exec", this.netns, "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=1"]);
        this.firewall = this.spawnTool(
            "kube-router",
            [
                "--run-firewall=true",
                "--run-router=false",
                "--run-service-proxy=false",
                "--enable-cni=false",
                "--enable-pod-egress=false",
                `--kubeconfig=${kubeconfig}`,
                `--hostname-override=${NODE_NETWORK.name}`,
                `--health-port=${FIREWALL_HEALTH_PORT}`,
                // A full resync every 30 s as well as on each event: a pod update it misses (a data
                // service's new pod, unreachable behind the default deny) waits 30 s, not 5 minutes.
                "--iptables-sync-period=30s",
            ],
            log("kube-router"),
        );
        await this.waitFirewall();
        await this.startMetricsServer(kubeconfig, log("metrics-server"));
    }

    /**
     * metrics-server, the resource metrics API the HPA reads: inside the namespace, where it
     * scrapes the kubelet; the API server (on this machine's loopback) reaches it as
     * `exposeToApiServer` says.
     */
    private async startMetricsServer(kubeconfig: string, logFile: string): Promise<void> {
        this.metrics = this.spawnTool(
            "metrics-server",
            [
                `--kubeconfig=${kubeconfig}`,
                `--authentication-kubeconfig=${kubeconfig}`,
                `--authorization-kubeconfig=${kubeconfig}`,
                "--bind-address=127.0.0.1",
                `--secure-port=${METRICS_PORT}`,
                `--cert-dir=${path.join(this.tmp, "metrics-server")}`,
                // The kubelet's serving certificate is its own self-signed one.
                "--kubelet-insecure-tls",
                "--kubelet-preferred-address-types=InternalIP",
                "--metric-resolution=15s",
            ],
            logFile,
        );
        const port = await this.exposeToApiServer({ host: "127.0.0.1", port: METRICS_PORT }, { name: "metrics-server", namespace: "kube-system" });
        await this.cluster.apply([
            {
                apiVersion: "apiregistration.k8s.io/v1",
                kind: "APIService",
                metadata: { name: "v1beta1.metrics.k8s.io" },
                spec: {
                    service: { name: "metrics-server", namespace: "kube-system", port },
                    group: "metrics.k8s.io",
                    version: "v1beta1",
                    insecureSkipTLSVerify: true,
                    groupPriorityMinimum: 100,
                    versionPriority: 100,
                },
            },
        ]);
    }

    /**
     * Makes `connect`, an address inside the namespace (a server there or a pod's), reachable
     * by the API server as the Service `service`: a relay on this machine's loopback, named by
     * an ExternalName Service (`localhost`) of that name on the relay's port, which an
     * APIService can point to (the aggregator resolves the name). Returns that port.
     */
    async exposeToApiServer(connect: { host: string; port: number }, service: { name: string; namespace: string }): Promise<number> {
        const unix = path.join(this.tmp, `expose-${randomBytes(4).toString("hex")}.sock`);
        await this.netnsRelay({ path: unix }, connect);
        const port = await this.hostRelay({ host: "127.0.0.1", port: 0 }, { path: unix });
        await this.cluster.apply([
            {
                apiVersion: "v1",
                kind: "Service",
                metadata: service,
                spec: { type: "ExternalName", externalName: "localhost", ports: [{ name: "https", port, protocol: "TCP" }] },
            },
        ]);
        return port;
    }

    /** One of the toolchain's binaries, running inside the namespace, its stderr in `logFile`. */
    private spawnTool(binary: string, args: string[], logFile: string): ChildProcess {
        return spawnLogged("ip", ["netns", "exec", this.netns, path.join(this.bin, binary), ...args], logFile);
    }

    /** Until kube-router's firewall reports healthy (its first sync of the policies is done). */
    private async waitFirewall(): Promise<void> {
        const started = Date.now();
        for (;;) {
            const r = await this.inNetns("curl", ["-sS", "--max-time", "2", `http://127.0.0.1:${FIREWALL_HEALTH_PORT}/healthz`]);
            if (r.code === 0 && /ok/i.test(r.stdout)) return;
            if (this.firewall?.exitCode !== null || Date.now() - started > 60_000)
                throw new Error(`kube-router did not become healthy: ${r.stdout}${r.stderr}`);
            await sleep(500);
        }
    }

    /** containerd, then (once the images are in) the kubelet, in one mount namespace inside the node's network namespace. */
    private async startSupervisor(): Promise<void> {
        this.supervisor = spawnLogged("ip", ["netns", "exec", this.netns, "sh", "-c", this.supervisorScript], path.join(this.tmp, "supervisor.log"));
        const started = Date.now();
        while (!fs.existsSync(this.socket)) {
            if (this.supervisor.exitCode !== null || Date.now() - started > 60_000) throw new Error("containerd did not start");
            await sleep(100);
        }
    }

    /**
     * A power cut and a boot: every container, containerd and the kubelet die at
     * once (SIGKILL) and the runtime state (a tmpfs on a real node) is lost; then
     * containerd and the kubelet start again and bring the pods back. The disks
     * (the volumes' folders, the kubelet's and containerd's) keep what they held;
     * kube-proxy's and kube-router's rules stay in place.
     */
    async restart(): Promise<void> {
        const supervisor = this.supervisor;
        if (supervisor && supervisor.exitCode === null) {
            const exited = new Promise<void>((resolve) => supervisor.once("exit", () => resolve()));
            supervisor.kill("SIGKILL");
            await exited;
        }
        await this.killAll((cmdline) => cmdline.includes(this.socket) || cmdline.includes(path.join(this.tmp, "containerd.toml")));
        fs.rmSync(path.join(this.tmp, "containerd-state"), { recursive: true, force: true });
        fs.rmSync(this.socket, { force: true });
        await this.startSupervisor();
    }

    /**
     * Imports the images containerd does not have yet (by image id, recorded
     * beside its store, which the engine cache keeps between runs).
     */
    private async importImages({ engine, refs }: NodeImages, containerdRoot: string): Promise<void> {
        const stampFile = path.join(containerdRoot, "quorvex-imported.json");
        const stamp = fs.existsSync(stampFile) ? (JSON.parse(fs.readFileSync(stampFile, "utf8")) as Record<string, string>) : {};
        const ids: Record<string, string> = {};
        for (const ref of refs) ids[ref] = (await engine.ok(["image", "inspect", "--format", "{{.Id}}", ref])).trim();
        const missing = refs.filter((r) => stamp[r] !== ids[r]);
        if (!missing.length) return;
        const tar = path.join(this.tmp, "images.tar");
        await engine.ok(["save", "-o", tar, ...missing]);
        await runOk(DEBIAN_BINARIES.ctr, this.ctr("images", "import", tar));
        fs.rmSync(tar);
        fs.writeFileSync(stampFile, JSON.stringify({ ...stamp, ...Object.fromEntries(missing.map((r) => [r, ids[r]])) }, null, 1));
    }

    /** The relay to the API server: a listener inside the namespace, this process outside it. */
    private async startRelay(port: number): Promise<void> {
        const unix = path.join(this.tmp, "api.sock");
        await this.hostRelay({ path: unix }, { host: "127.0.0.1", port });
        await this.netnsRelay({ host: "0.0.0.0", port }, { path: unix });
    }

    /** Passes each connection to `listen` (in this process, outside the namespace) on to `connect`; the port it listens on. */
    private async hostRelay(listen: RelayEnd, connect: RelayEnd): Promise<number> {
        const server = net.createServer((inside) => {
            const outside = net.connect(connect);
            for (const s of [inside, outside]) {
                this.sockets.add(s);
                s.on("close", () => this.sockets.delete(s));
                s.on("error", () => undefined);
            }
            inside.pipe(outside).pipe(inside);
        });
        this.relayServers.push(server);
        await new Promise<void>((resolve) => server.listen(listen, resolve));
        const address = server.address();
        return typeof address === "object" && address ? address.port : 0;
    }

    /** The same inside the namespace: a Node.js process there. */
    private async netnsRelay(listen: RelayEnd, connect: RelayEnd): Promise<void> {
        const script = [
            'const net = require("net");',
            "const [listen, connect] = process.argv.slice(1).map((a) => JSON.parse(a));",
            "net.createServer((c) => {",
            "    const u = net.connect(connect);",
            "    c.on('error', () => u.destroy());",
            "    u.on('error', () => c.destroy());",
            "    c.pipe(u).pipe(c);",
            "}).listen(listen, () => console.log('ready'));",
        ].join("\n");
        const child = spawn("ip", ["netns", "exec", this.netns, process.execPath, "-e", script, JSON.stringify(listen), JSON.stringify(connect)], {
            stdio: ["ignore", "pipe", "inherit"],
        });
        this.relays.push(child);
        await new Promise<void>((resolve, reject) => {
            child.stdout!.once("data", () => resolve());
            child.once("exit", (code) => reject(new Error(`a relay in the node's namespace exited ${code}`)));
        });
    }

    private async waitReady(): Promise<void> {
        const started = Date.now();
        for (;;) {
            const r = await this.cluster.kubectl(["get", "node", NODE_NETWORK.name, "-o", 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']);
            if (r.code === 0 && r.stdout.trim() === "True") return;
            if (this.supervisor?.exitCode !== null || Date.now() - started > 120_000) throw new Error(`the node did not become Ready: ${r.stdout}${r.stderr}`);
            await sleep(500);
        }
    }

    /**
     * A command in a running container of a pod (as `kubectl exec` would, but
     * straight through containerd: the API server cannot reach the kubelet
     * inside the namespace). It runs as the container's own user, with its environment.
     */
    async exec(namespace: string, pod: string, container: string, argv: string[]): Promise<RunResult> {
        const { args } = await this.execArgs(namespace, pod, container, argv);
        return runProcess(DEBIAN_BINARIES.ctr, args, { env: process.env });
    }

    /**
     * `exec` with bytes in and out (a stream between two pods, as `kubectl exec ... | kubectl exec -i`),
     * ended after `seconds` at most. The input is written once the command runs: `ctr tasks exec`
     * sets up the passing-on of its input's end only after it has created the process, so an end
     * read before that never reaches the command, which then waits for more for ever (containerd's
     * cmd/ctr/commands/tasks/exec.go, `stdinC.closer`).
     */
    async execBytes(
        target: { namespace: string; pod: string; container: string },
        argv: string[],
        options: { input?: Buffer; seconds: number },
    ): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
        const { id, args } = await this.execArgs(target.namespace, target.pod, target.container, argv);
        const child = spawn(DEBIAN_BINARIES.ctr, args, { stdio: ["pipe", "pipe", "pipe"] });
        const out: Buffer[] = [];
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => out.push(d));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.stdin.on("error", () => undefined);
        const closed = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
        let timedOut = false;
        const timer = setTimeout(() => {
            timedOut = true;
            child.kill("SIGKILL");
        }, options.seconds * 1000);
        try {
            if (options.input) {
                const started = Date.now();
                while (!(await this.running(id, argv)) && child.exitCode === null && Date.now() - started < 30_000) await sleep(100);
                child.stdin.end(options.input);
            } else {
                child.stdin.end();
            }
            const code = await closed;
            return { code, stdout: Buffer.concat(out), stderr: timedOut ? `${stderr}(ended: still running after ${options.seconds} s)` : stderr };
        } finally {
            clearTimeout(timer);
        }
    }

    /** Whether `argv` runs in the container `id` (a process of its task with exactly that command line). */
    private async running(id: string, argv: string[]): Promise<boolean> {
        const ps = await runProcess(DEBIAN_BINARIES.ctr, this.ctr("tasks", "ps", id), { env: process.env });
        const wanted = argv.join("\0") + "\0";
        return [...ps.stdout.matchAll(/^\s*(\d+)\b/gm)].some(([, pid]) => {
            try {
                return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8") === wanted;
            } catch {
                return false;
            }
        });
    }

    private async execArgs(namespace: string, pod: string, container: string, argv: string[]): Promise<{ id: string; args: string[] }> {
        const p = await this.cluster.getJson<{ status: { containerStatuses?: { name: string; containerID?: string }[] } }>(["pod", pod, "-n", namespace]);
        const id = p.status.containerStatuses?.find((c) => c.name === container)?.containerID?.replace(/^containerd:\/\//, "");
        if (!id) throw new Error(`${namespace}/${pod} has no running container ${container}`);
        return { id, args: this.ctr("tasks", "exec", "--exec-id", `engine-${randomBytes(4).toString("hex")}`, id, ...argv) };
    }

    /** `ctr`'s arguments for this node's containerd and the kubelet's namespace of it. */
    private ctr(...args: string[]): string[] {
        return ["-a", this.socket, "-n", "k8s.io", ...args];
    }

    /** A command inside the node's network namespace. */
    inNetns(bin: string, args: string[], input?: string): Promise<RunResult> {
        return runProcess("ip", ["netns", "exec", this.netns, bin, ...args], { env: process.env, input });
    }

    /** The last lines of each component's log (for a failing test's message). */
    logs(lines = 25): string {
        return ["supervisor", "containerd", "kubelet", "kube-proxy", "kube-router", "metrics-server"]
            .map((n) => path.join(this.tmp, `${n}.log`))
            .filter((f) => fs.existsSync(f))
            .map((f) => `--- ${path.basename(f)}\n${fs.readFileSync(f, "utf8").split("\n").slice(-lines).join("\n")}`)
            .join("\n");
    }

    /** Processes in this node's cgroups (every container's), and those whose command line `matches`. */
    private ownProcesses(matches: (cmdline: string) => boolean): number[] {
        const pids = new Set<number>();
        for (const hierarchy of cgroupHierarchies()) {
            const root = path.join(hierarchy, this.cgroupRoot);
            if (!fs.existsSync(root)) continue;
            for (const e of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
                if (e.name !== "cgroup.procs") continue;
                for (const p of fs.readFileSync(path.join(e.parentPath, e.name), "utf8").split("\n")) if (p) pids.add(Number(p));
            }
        }
        for (const p of fs.readdirSync("/proc")) {
            if (!/^\d+$/.test(p)) continue;
            try {
                if (matches(fs.readFileSync(`/proc/${p}/cmdline`, "utf8"))) pids.add(Number(p));
            } catch {
                // gone meanwhile
            }
        }
        return [...pids];
    }

    /** SIGKILL to every process of `ownProcesses(matches)`, until none is left. */
    private async killAll(matches: (cmdline: string) => boolean): Promise<void> {
        for (let round = 0; round < 20; round++) {
            const pids = this.ownProcesses(matches);
            if (!pids.length) return;
            for (const pid of pids) {
                try {
                    process.kill(pid, "SIGKILL");
                } catch {
                    // already gone
                }
            }
            await sleep(250);
        }
    }

    async dispose(): Promise<void> {
        for (const child of [this.metrics, this.firewall, this.proxy, this.supervisor, ...this.relays]) {
            if (child && child.exitCode === null) {
                const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
                child.kill("SIGTERM");
                const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
                await exited;
                clearTimeout(timer);
            }
        }
        // Whatever is left: the containers, and what names the node's folder (containerd, the shims).
        await this.killAll((cmdline) => cmdline.includes(this.tmp));
        for (const hierarchy of cgroupHierarchies()) removeCgroupTree(path.join(hierarchy, this.cgroupRoot));
        for (const s of this.sockets) s.destroy();
        for (const server of this.relayServers) server.close();
        await runProcess("ip", ["netns", "del", this.netns], { env: process.env }).catch(() => undefined);
        fs.rmSync(this.tmp, { recursive: true, force: true });
    }
}

/**
 * The cluster DNS as a kubeadm cluster has it: CoreDNS in kube-system behind the
 * `kube-dns` Service, its pods labelled `k8s-app: kube-dns` (what the stack's
 * `allow-dns` policy admits). No upstream: only cluster names resolve.
 */
export function clusterDns(): object[] {
    const labels = { "k8s-app": "kube-dns" };
    const meta = (name: string) => ({ name, namespace: "kube-system", labels });
    const corefile = [
        ".:53 {",
        "    errors",
        "    health",
        "    ready",
        "    kubernetes cluster.local in-addr.arpa ip6.arpa {",
        "        pods insecure",
        "        fallthrough in-addr.arpa ip6.arpa",
        "    }",
        "    cache 30",
        "    loop",
        "    loadbalance",
        "}",
        "",
    ].join("\n");
    return [
        { apiVersion: "v1", kind: "ServiceAccount", metadata: meta("coredns") },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRole",
            metadata: { name: "system:coredns" },
            rules: [
                { apiGroups: [""], resources: ["endpoints", "services", "pods", "namespaces"], verbs: ["list", "watch"] },
                { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
            ],
        },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: { name: "system:coredns" },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:coredns" },
            subjects: [{ kind: "ServiceAccount", name: "coredns", namespace: "kube-system" }],
        },
        { apiVersion: "v1", kind: "ConfigMap", metadata: meta("coredns"), data: { Corefile: corefile } },
        {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: meta("coredns"),
            spec: {
                replicas: 1,
                selector: { matchLabels: labels },
                template: {
                    metadata: { labels },
                    spec: {
                        serviceAccountName: "coredns",
                        dnsPolicy: "Default",
                        containers: [
                            {
                                name: "coredns",
                                image: NODE_IMAGES.find((i) => i.dir === "coredns")!.ref,
                                args: ["-conf", "/etc/coredns/Corefile"],
                                ports: [
                                    { name: "dns", containerPort: 53, protocol: "UDP" },
                                    { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
                                ],
                                securityContext: {
                                    allowPrivilegeEscalation: false,
                                    readOnlyRootFilesystem: true,
                                    capabilities: { add: ["NET_BIND_SERVICE"], drop: ["ALL"] },
                                },
                                readinessProbe: { httpGet: { path: "/ready", port: 8181 }, periodSeconds: 2 },
                                volumeMounts: [{ name: "config", mountPath: "/etc/coredns", readOnly: true }],
                            },
                        ],
                        volumes: [{ name: "config", configMap: { name: "coredns" } }],
                    },
                },
            },
        },
        {
            apiVersion: "v1",
            kind: "Service",
            metadata: meta("kube-dns"),
            spec: {
                selector: labels,
                clusterIP: NODE_NETWORK.dnsAddress,
                ports: [
                    { name: "dns", port: 53, protocol: "UDP" },
                    { name: "dns-tcp", port: 53, protocol: "TCP" },
                ],
            },
        },
    ];
}

/** One end of a relay: a TCP address or a Unix socket. */
type RelayEnd = { host: string; port: number } | { path: string };

/** Where metrics-server listens (inside the node's namespace). */
const METRICS_PORT = 4443;

/** Where kube-router answers its health checks (inside the node's namespace). */
const FIREWALL_HEALTH_PORT = 20244;

/** The sandbox image containerd runs for each pod (the toolchain's `pause`, built locally). */
export const PAUSE_IMAGE = NODE_IMAGES.find((i) => i.dir === "pause")!.ref;

/** A long-running child whose stderr goes to `logFile` (the parent keeps no handle open). */
function spawnLogged(bin: string, args: string[], logFile: string): ChildProcess {
    const fd = fs.openSync(logFile, "a");
    try {
        return spawn(bin, args, { stdio: ["ignore", "ignore", fd] });
    } finally {
        fs.closeSync(fd);
    }
}

async function runOk(bin: string, args: string[]): Promise<string> {
    const r = await runProcess(bin, args, { env: process.env });
    if (r.code !== 0) throw new Error(`${bin} ${args.join(" ")} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
}

/** The machine's cgroup v1 hierarchies (or the one v2 tree). */
function cgroupHierarchies(): string[] {
    return fs
        .readFileSync("/proc/self/mounts", "utf8")
        .split("\n")
        .map((l) => l.split(" "))
        .filter(([, where, type]) => where?.startsWith("/sys/fs/cgroup") && (type === "cgroup" || type === "cgroup2"))
        .map(([, where]) => where);
}

function removeCgroupTree(dir: string): void {
    if (!fs.existsSync(dir)) return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeCgroupTree(path.join(dir, e.name));
    try {
        fs.rmdirSync(dir);
    } catch {
        // still busy: left for the machine
    }
}
