import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { markerLabels, shortHash, standardLabels } from "../labels";
import {
    isSecretRef,
    type EnvValue,
    type Health,
    type PlacementOptions,
    type PortSpec,
    type Target,
    type Probe,
    type RouteHandle,
    type RouteSpec,
    type SecretHandle,
    type SecretOptions,
    type ServiceHandle,
    type ServiceSpecBase,
    type StatefulServiceSpec,
    type StatelessServiceSpec,
    type TaskHandle,
    type TaskSpec,
    type WorkloadSpec,
} from "../contract";
import { routeCertificate } from "../tls";
import { withinHost, type HostSize } from "./host";
import { proxyCertificatePaths, proxyStart, PROXY_ENV, renderNginxConf } from "./nginx";
import { cpuShares, dockerCapability, dockerCpus, goDuration } from "./readback";

export interface DockerTargetArgs {
    stack: string;
    /** `unix:///var/run/docker.sock`, `ssh://user@host`; null: the ambient DOCKER_HOST. */
    host: string | null;
    /** Publish the data services' ports on 127.0.0.1 (for local tools); never on other addresses. */
    publishDataPorts: boolean;
    /** Exporters publish their metrics on 127.0.0.1 (`exporters.enabled`). */
    publishesMetrics: boolean;
    /** Every container's limits are capped at the host's (see host.ts). */
    hostSize: HostSize;
    /** How long `pulumi up` waits for a container to become healthy before it fails. */
    healthWaitSeconds: number;
    /** Seconds between checks while a container starts, where the engine has start intervals (API 1.44 on); null: none. */
    healthStartInterval: number | null;
    /** Credentials the provider pulls private images with; passwords are secret end to end. */
    registryAuth: { address: string; username: string; password: string }[];
    /** Where the proxy listens on the host. */
    ingress: { bindAddress: string; httpPort: number; httpsPort: number; image: string; resources: WorkloadSpec["resources"] };
}

const LOG_OPTS = { "max-size": "10m", "max-file": "5" };
/**
 * A daemon's own `log-opts` (daemon.json: `compress`, `tag`...) are merged into every container's
 * log config, and the provider reads them back: `logOpts` is replace-on-change, so on such a host
 * every container was replaced on every `up` (a real engine with `--log-opt compress=true` did it).
 * The program's log options apply when a container is created, and are never a reason to replace one.
 */
const CONTAINER_IGNORES = ["logOpts"];
/** Every input of a data volume (see statefulService). */
const VOLUME_IGNORES = ["name", "driver", "driverOpts", "labels"];
const PROXY_PORTS = { http: 8080, https: 8443 };
const PROXY_USER = { uid: 101, gid: 101 };

/** The Docker host: provider, the two networks, and the images it pulls. */
export class DockerHost extends pulumi.ComponentResource {
    /**
     * Always an explicit provider, also on the ambient DOCKER_HOST: its identity never changes when
     * `docker.host` is set later (a change between the default and an explicit provider replaces
     * every container, network and volume).
     */
    public readonly provider: docker.Provider;
    /** Private network of the data services: no route out. */
    public readonly dataNetwork: docker.Network;
    /** Network of the proxy, backend and workers (reaches the outside world). */
    public readonly appNetwork: docker.Network;
    /**
     * With `docker.publishDataPorts` or exporters: a second network, not internal, that only carries
     * the published ports of workloads on the internal one (Docker maps no port of an endpoint on an
     * internal network): the data services' and the exporters'.
     */
    public readonly publishNetwork?: docker.Network;
    private readonly images = new Map<string, docker.RemoteImage>();

    constructor(
        name: string,
        args: { host: string | null; registryAuth: DockerTargetArgs["registryAuth"]; publishNetwork: boolean },
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super("quorvex:platform:DockerHost", name, {}, opts);
        const registryAuth = args.registryAuth.map((a) => ({ address: a.address, username: a.username, password: pulumi.secret(a.password) }));
        this.provider = new docker.Provider(
            `${name}-provider`,
            { ...(args.host ? { host: args.host } : {}), ...(registryAuth.length ? { registryAuth } : {}) },
            { parent: this },
        );
        const labels = [{ label: "app.kubernetes.io/part-of", value: "quorvex" }];
        // A network keeps its name, so a replacement must delete the old one first.
        const netOpts = this.opts(this, { deleteBeforeReplace: true });
        this.dataNetwork = new docker.Network(`${name}-data`, { name: `${name}-data`, driver: "bridge", internal: true, labels }, netOpts);
        this.appNetwork = new docker.Network(`${name}-app`, { name: `${name}-app`, driver: "bridge", labels }, netOpts);
        if (args.publishNetwork) {
            this.publishNetwork = new docker.Network(`${name}-publish`, { name: `${name}-publish`, driver: "bridge", labels }, netOpts);
        }
        this.registerOutputs({});
    }

    /** Options for a child of this host (or of `parent`) that talks to the Docker engine. */
    opts(parent: pulumi.Resource = this, extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions {
        return { parent, provider: this.provider, ...extra };
    }

    /** One pull per distinct image (kept on the host when the stack no longer uses it); containers depend on it. */
    pull(ref: string): docker.RemoteImage {
        let img = this.images.get(ref);
        if (!img) {
            const id = ref.replace(/[^a-zA-Z0-9-]+/g, "-").replace(/-+$/, "");
            img = new docker.RemoteImage(`image-${id}`, { name: ref, keepLocally: true }, this.opts());
            this.images.set(ref, img);
        }
        return img;
    }
}

function envList(env: Record<string, EnvValue> | undefined): pulumi.Output<string>[] {
    return Object.entries(env ?? {}).map(([k, v]) =>
        isSecretRef(v) ? pulumi.secret(pulumi.interpolate`${k}=${v.secret.values[v.key]}`) : pulumi.interpolate`${k}=${v}`,
    );
}

/**
 * A short hash of what a container is configured with apart from its secrets: its plain env
 * (the proxy's nginx.conf among it). The env list is secret as a whole in a preview (it holds
 * passwords and the TLS key), so this label is how a PR reviewer sees that, and why, a
 * container is replaced.
 */
function configHashLabel(env: Record<string, EnvValue> | undefined): docker.types.input.ContainerLabel {
    const plainEnv = Object.entries(env ?? {})
        .filter(([, v]) => !isSecretRef(v))
        .map(([k, v]) => pulumi.interpolate`${k}=${v as pulumi.Input<string>}`);
    return { label: "quorvex.io/config-hash", value: pulumi.all(plainEnv).apply((vars) => shortHash(JSON.stringify([vars, []]))) };
}

/**
 * A probe as a command inside the container. The URL is the shell's argument (`$1`), never part
 * of its script: whatever a path holds stays data (the config allows a safe alphabet, and this is
 * the second wall). curl or wget, whichever the image has (the image contract).
 */
export const HTTP_PROBE = 'curl -fsS -o /dev/null "$1" || wget -q -O /dev/null "$1"';

function probeCommand(probe: Probe): string[] {
    if ("exec" in probe) return ["CMD", ...probe.exec];
    if ("tcp" in probe) return ["CMD", "sh", "-c", 'nc -z 127.0.0.1 "$1"', "probe", String(probe.tcp.port)];
    return ["CMD", "sh", "-c", HTTP_PROBE, "probe", `http://127.0.0.1:${probe.http.port}${probe.http.path}`];
}

/** Seconds between two checks of a running container: quiet in steady state. */
const HEALTH_INTERVAL_SECONDS = 10;

/**
 * Durations as Go prints them, the form the provider reads back ("1m0s", not "60s"): no diff on
 * the next up. With `startInterval` (engines of API 1.44 on, Docker 25: `docker.healthStartInterval`)
 * a starting container is checked that often until it is healthy, so each wait of `up` ends as
 * soon as the service is ready instead of at the first 10-second check; older engines ignore the
 * field and read it back as nothing, so it is sent only where the stack says the engine has it.
 */
function healthcheck(health: Health, startInterval: number | null): docker.types.input.ContainerHealthcheck {
    return {
        tests: health.command ? ["CMD", ...health.command] : probeCommand(health.readiness),
        interval: goDuration(HEALTH_INTERVAL_SECONDS),
        timeout: goDuration(5),
        retries: 5,
        startPeriod: goDuration(health.startupSeconds ?? 30),
        ...(startInterval ? { startInterval: goDuration(startInterval) } : {}),
    };
}

/** What a container is besides its spec: a data service's markers, the capabilities it keeps, whose user it starts as. */
interface ContainerRole {
    data?: { kind: string; protect: boolean; retainOnDelete: boolean };
    /** Capabilities kept (every other is dropped). */
    capabilities?: string[];
    /** Starts as the image's own user (root), whose entrypoint drops to the service's user: its root filesystem stays writable. */
    imageUser?: boolean;
    labels?: docker.types.input.ContainerLabel[];
}

export class DockerTarget implements Target {
    public readonly namespace = null;
    public readonly host: DockerHost;
    private readonly prefix: string;
    /** The roles of the stateful services placed so far: the data network's own members. */
    private readonly dataServices = new Set<string>();

    constructor(private readonly args: DockerTargetArgs) {
        this.prefix = `quorvex-${args.stack}`;
        this.host = new DockerHost(this.prefix, {
            host: args.host,
            registryAuth: args.registryAuth,
            publishNetwork: args.publishDataPorts || args.publishesMetrics,
        });
    }

    serviceHost(role: string): string {
        return role;
    }

    secret(role: string, values: Record<string, pulumi.Input<string>>, opts: SecretOptions): SecretHandle {
        const out: Record<string, pulumi.Output<string>> = {};
        for (const [k, v] of Object.entries(values)) out[k] = pulumi.secret(pulumi.output(v));
        // On Docker the values are the containers' env: a new value replaces exactly the containers that read it.
        return { name: role, values: out, version: opts.version ?? "0", root: opts.root ?? false };
    }

    private labels(spec: WorkloadSpec, data?: { kind: string; protect: boolean; retainOnDelete: boolean }) {
        return Object.entries({ ...standardLabels(this.args.stack, spec), ...markerLabels(spec, data) }).map(([label, value]) => ({ label, value }));
    }

    /**
     * The networks of a workload, derived from the network model: a data service sits on the
     * internal data network only; a workload joins the data network when it talks to a data
     * service, and the app network (which routes out) when it reaches the outside, is exposed to
     * the ingress, or talks to a service there. Docker cannot restrict egress by port: a workload
     * that may reach the outside at all reaches it on every port.
     */
    private networks(spec: WorkloadSpec & { exposedToIngress?: boolean; ports?: PortSpec[] }): docker.types.input.ContainerNetworksAdvanced[] {
        const isData = this.dataServices.has(spec.role);
        const peers = spec.connectsTo ?? [];
        const publishes = isData ? this.args.publishDataPorts : (spec.ports ?? []).some((p) => p.hostBinding);
        const onApp = !isData && (spec.internetEgress !== undefined || spec.exposedToIngress === true || peers.some((p) => !this.dataServices.has(p.role)));
        // A workload that talks to nothing (a volume's owner task) joins no network at all.
        if (!isData && !onApp && peers.length === 0 && !publishes) return [];
        const onData = isData || !onApp || peers.some((p) => this.dataServices.has(p.role));
        const nets: docker.types.input.ContainerNetworksAdvanced[] = [];
        if (onData) nets.push({ name: this.host.dataNetwork.name, aliases: [spec.role] });
        if (onApp) nets.push({ name: this.host.appNetwork.name, aliases: [spec.role] });
        if (onData && !onApp && publishes && this.host.publishNetwork) nets.push({ name: this.host.publishNetwork.name, aliases: [] });
        return nets;
    }

    /** Container arguments common to services and tasks: limits, security, logs, labels. */
    private containerArgs(spec: WorkloadSpec, name: string, role: ContainerRole = {}): docker.ContainerArgs {
        const readOnly = !role.imageUser && (spec.readOnlyRootFilesystem ?? true);
        const scratch = [...(readOnly ? (spec.writablePaths ?? []) : []), ...(spec.imageVolumes ?? [])];
        const resources = withinHost(spec.resources, this.args.hostSize);
        const networks = this.networks(spec);
        return {
            name,
            // The pinned reference (readable in `docker ps`, checked by the policy pack); pulled first.
            image: spec.image,
            // A spec's `command` replaces the image's entrypoint, as on Kubernetes (Docker's own
            // `command` would only replace CMD: `minio/mc` would run `mc sh -c ...`).
            entrypoints: spec.command,
            command: spec.args,
            // One Output per list, shared by every replica: a pool of 500 costs little more than one.
            envs: pulumi.all(envList(spec.env)),
            memory: resources.memory.limit,
            memoryReservation: resources.memory.request,
            memorySwap: resources.memory.limit,
            // In the form the provider reads back ("2.0"): any other form replaces the container on every up.
            cpus: dockerCpus(resources.cpu.limit),
            // The request as a relative weight under contention (Docker has no reservation for CPU).
            cpuShares: cpuShares(resources.cpu.request),
            shmSize: spec.shmMiB,
            // Browsers leave zombie processes behind: an init process reaps them (Playwright's advice).
            init: spec.runsBrowsers ? true : undefined,
            user: role.imageUser ? undefined : `${spec.user.uid}:${spec.user.gid}`,
            readOnly,
            tmpfs: scratch.length ? Object.fromEntries(scratch.map((p) => [p, "rw,noexec,nosuid,size=256m"])) : undefined,
            capabilities: { drops: ["ALL"], ...(role.capabilities?.length ? { adds: role.capabilities.map(dockerCapability) } : {}) },
            // `=`: the separator dockerd no longer warns about (`:` is deprecated).
            securityOpts: ["no-new-privileges=true"],
            logDriver: "json-file",
            logOpts: LOG_OPTS,
            labels: pulumi.output([...this.labels(spec, role.data), ...(role.labels ?? []), configHashLabel(spec.env)]),
            ...(networks.length ? { networksAdvanced: pulumi.output(networks) } : { networkMode: "none" }),
            destroyGraceSeconds: spec.terminationGracePeriodSeconds,
            stopTimeout: spec.terminationGracePeriodSeconds,
        };
    }

    /**
     * What a container must wait for: its image, healthy services, succeeded tasks. A task gates
     * through an explicit dependency that resolves only when it succeeded, never through a property:
     * a property fed by the task's outcome would make the engine delete this (running) container
     * before every re-run of the task, and leave none when the task fails. A failed task fails this
     * registration, so `pulumi up` stops and the running container stays as it is.
     */
    private ordering(spec: { image: string; waitFor?: ServiceHandle[]; after?: TaskHandle[] }): pulumi.Input<pulumi.Resource>[] {
        const after = spec.after ?? [];
        return [
            this.host.pull(spec.image),
            ...(spec.waitFor ?? []).flatMap((s) => s.ready),
            ...after.flatMap((t) => t.ready),
            ...after.map((t) => t.succeeded.apply(() => t.ready[0])),
        ];
    }

    /** Containers of a long-running service, one per name; their arguments are built once. */
    private service(
        spec: ServiceSpecBase,
        names: string[],
        opts: PlacementOptions,
        extra: Partial<docker.ContainerArgs>,
        role: ContainerRole = {},
    ): docker.Container[] {
        // No container, no pull: an empty pool must not fetch (or fail on) an image nothing runs.
        if (names.length === 0) return [];
        const dependsOn = this.ordering(spec);
        const args: docker.ContainerArgs = {
            ...this.containerArgs(spec, "", role),
            ...extra,
            ports: spec.ports.filter((p) => p.hostBinding).map((p) => ({ internal: p.port, external: p.hostBinding!.port, ip: p.hostBinding!.ip })),
            healthcheck: healthcheck(spec.health, this.args.healthStartInterval),
            restart: "unless-stopped",
            // Its consumer polls it every second or two: ready about 9 s sooner than at the first
            // health check, one interval after the start (engines before API 1.44).
            wait: !spec.awaitedByConsumers,
            waitTimeout: this.args.healthWaitSeconds,
        };
        // Docker cannot change a live container's healthcheck, and the provider's update of one does
        // nothing (a real engine kept the old check): a new healthcheck is a new container. A
        // container keeps its name, so the old one goes first (as for the provider's own replacements).
        const resourceOpts = this.host.opts(opts.parent, {
            dependsOn,
            ignoreChanges: CONTAINER_IGNORES,
            replaceOnChanges: ["healthcheck"],
            deleteBeforeReplace: true,
        });
        return names.map((name) => new docker.Container(name, { ...args, name: `${this.prefix}-${name}` }, resourceOpts));
    }

    private handle(spec: ServiceSpecBase, ready: pulumi.Resource[]): ServiceHandle {
        return { role: spec.role, host: spec.role, ports: Object.fromEntries(spec.ports.map((p) => [p.name, p.port])), ready };
    }

    statelessService(spec: StatelessServiceSpec, opts: PlacementOptions): ServiceHandle {
        const count = spec.replicas;
        const names = count === 1 && !spec.pool ? [spec.role] : Array.from({ length: count }, (_, i) => `${spec.role}-${i + 1}`);
        return this.handle(spec, this.service(spec, names, opts, {}));
    }

    statefulService(spec: StatefulServiceSpec, opts: PlacementOptions): ServiceHandle {
        this.dataServices.add(spec.role);
        const protection = opts.protection ?? { protect: false, retainOnDelete: false };
        const markers = markerLabels({}, { kind: spec.volume.data, ...protection });
        const volume = new docker.Volume(
            `${spec.role}-data`,
            {
                name: `${this.prefix}-${spec.role}-data`,
                labels: Object.entries({ ...standardLabels(this.args.stack, spec), ...markers }).map(([label, value]) => ({ label, value })),
            },
            // Every volume attribute is replace-on-change in the Docker provider, and a replaced volume is
            // an empty one: no change of the program's (a label such as the protection markers, a renamed
            // role) ever replaces a data volume; its containers keep mounting it by the name it has.
            this.host.opts(opts.parent, { ...protection, ignoreChanges: VOLUME_IGNORES }),
        );
        const mount = { volumeName: volume.name, containerPath: spec.volume.mountPath };
        // An image whose entrypoint starts as root fixes its data's owner and drops to its user
        // itself. Any other runs as the service's user from the start, on a volume a one-shot task
        // has handed to that user (a new volume is root's; one an older stack filled as root is too).
        const imageUser = spec.entrypointCapabilities.length > 0;
        const after = imageUser ? [] : [this.volumeOwner(spec, mount, opts)];
        const ports = this.args.publishDataPorts ? spec.ports.map((p) => ({ ...p, hostBinding: { ip: "127.0.0.1", port: p.port } })) : spec.ports;
        const containers = this.service(
            { ...spec, ports, after: [...(spec.after ?? []), ...after] },
            [spec.role],
            opts,
            { volumes: [mount] },
            {
                data: { kind: spec.volume.data, ...protection },
                capabilities: spec.entrypointCapabilities,
                imageUser,
            },
        );
        return this.handle(spec, containers);
    }

    /** The task that hands a data volume to its service's user: `chown -R`, as root with nothing but CHOWN and the right to read every folder. */
    private volumeOwner(spec: StatefulServiceSpec, mount: docker.types.input.ContainerVolume, opts: PlacementOptions): TaskHandle {
        const owner = `${spec.user.uid}:${spec.user.gid}`;
        return this.runToCompletion(
            {
                role: `${spec.role}-data-owner`,
                component: spec.component,
                image: spec.image,
                command: ["chown", "-R", owner, spec.volume.mountPath],
                resources: { cpu: { request: 100, limit: 500 }, memory: { request: 32, limit: 128 } },
                user: { uid: 0, gid: 0 },
                runKey: JSON.stringify({ owner, path: spec.volume.mountPath }),
            },
            opts,
            { capabilities: ["CHOWN", "DAC_READ_SEARCH"], volumes: [mount] },
        );
    }

    task(spec: TaskSpec, opts: PlacementOptions): TaskHandle {
        return this.runToCompletion(spec, opts, {});
    }

    /** A one-shot container run to completion during `pulumi up`; its handle's `succeeded` fails on a non-zero exit. */
    private runToCompletion(
        spec: TaskSpec,
        opts: PlacementOptions,
        extra: { capabilities?: string[]; volumes?: docker.types.input.ContainerVolume[] },
    ): TaskHandle {
        const dependsOn = this.ordering(spec);
        const base = this.containerArgs(spec, `${this.prefix}-${spec.role}-${shortHash(spec.runKey)}`, {
            capabilities: extra.capabilities,
            labels: [{ label: "quorvex.io/run-key", value: shortHash(spec.runKey) }],
        });
        const container = new docker.Container(
            spec.role,
            {
                ...base,
                volumes: extra.volumes,
                // Run to completion during `pulumi up`; a new run key is a new container, so a new run.
                attach: true,
                // Not `logs: true`: the provider would keep the task's output in the state, unencrypted.
                logs: false,
                mustRun: false,
                restart: "no",
            },
            this.host.opts(opts.parent, { dependsOn, deleteBeforeReplace: true, ignoreChanges: CONTAINER_IGNORES }),
        );
        const succeeded = pulumi.all([container.exitCode, container.name, container.urn]).apply(([code, name, urn]) => {
            if (code !== undefined && code !== null && code !== 0) {
                throw new Error(
                    `task ${spec.role} (container ${name}) exited with code ${code}; see \`docker logs ${name}\`. ` +
                        `After fixing the cause, run it again with \`pulumi up --replace '${urn}'\``,
                );
            }
            return "succeeded";
        });
        return { role: spec.role, ready: [container], succeeded };
    }

    route(spec: RouteSpec, opts: PlacementOptions): RouteHandle {
        const { ingress } = this.args;
        const scratchDir = "/tmp";
        const pem = routeCertificate(spec, opts.parent);
        const certificate = pem ? proxyCertificatePaths(scratchDir) : null;
        const conf = renderNginxConf({
            host: spec.host,
            upstream: `${spec.backend.host}:${spec.backend.ports[spec.port]}`,
            websockets: (spec.websocketPaths ?? []).map((w) => ({ path: w.path, upstream: `${spec.backend.host}:${spec.backend.ports[w.port]}` })),
            tls: certificate,
            maxBodySize: spec.maxBodySize,
            timeoutSeconds: spec.timeoutSeconds,
            httpPort: PROXY_PORTS.http,
            httpsPort: PROXY_PORTS.https,
            scratchDir,
            resolver: "127.0.0.11",
            publicHttpsPort: ingress.httpsPort,
        });
        // The config and certificate travel as env values, the key as a secret one: the proxy writes
        // them into its tmpfs itself (see proxyStart), so its root filesystem stays read-only.
        const env: Record<string, EnvValue> = { [PROXY_ENV.config]: conf };
        if (pem) {
            const key = this.secret(`${spec.role}-tls`, { [PROXY_ENV.key]: pem.keyPem }, { parent: opts.parent });
            env[PROXY_ENV.certificate] = pem.certPem;
            env[PROXY_ENV.key] = { secret: key, key: PROXY_ENV.key };
        }
        const ports = [{ name: "http", port: PROXY_PORTS.http, hostBinding: { ip: ingress.bindAddress, port: ingress.httpPort } }];
        if (certificate) ports.push({ name: "https", port: PROXY_PORTS.https, hostBinding: { ip: ingress.bindAddress, port: ingress.httpsPort } });
        const proxySpec: StatelessServiceSpec = {
            role: spec.role,
            component: "ingress",
            image: ingress.image,
            command: ["sh", "-c", proxyStart(scratchDir)],
            env,
            resources: ingress.resources,
            user: PROXY_USER,
            writablePaths: [scratchDir],
            connectsTo: [spec.backend],
            ports,
            health: {
                readiness: { http: { path: "/healthz", port: PROXY_PORTS.http } },
                liveness: { http: { path: "/healthz", port: PROXY_PORTS.http } },
                startupSeconds: 5,
            },
            // Not after the backend's health: nginx resolves the backend at each request (its
            // `resolver`), so the proxy starts beside it and `up` waits for the two at once; the
            // entry check, run on both containers' ids, is what waits for the backend.
            replicas: 1,
            terminationGracePeriodSeconds: 30,
        };
        const proxy = this.service(proxySpec, [spec.role], opts, {});
        const scheme = certificate ? "https" : "http";
        const port = certificate ? ingress.httpsPort : ingress.httpPort;
        const defaultPort = certificate ? 443 : 80;
        // The host name is the user's (often `*.localhost`, which only browsers resolve): a client
        // connects to the published port and asks for the host by name.
        const address = ingress.bindAddress === "0.0.0.0" ? "127.0.0.1" : ingress.bindAddress;
        // What answers there: the proxy and the backend's containers (a changed container is a new one).
        const answering = [...proxy, ...spec.backend.ready] as docker.Container[];
        const revision = pulumi.all(answering.map((c) => c.id)).apply((ids) => ids.join(","));
        return {
            url: `${scheme}://${spec.host}${port === defaultPort ? "" : `:${port}`}`,
            kind: "proxy",
            ready: proxy,
            entry: {
                connect: { address, port },
                trust: pem ? pem.certPem : null,
                revision,
                // `up` does not wait for the backend's own health where the check does (awaitedByConsumers): what the containers say is the reason.
                hint: pulumi
                    .all(answering.map((c) => c.name))
                    .apply(
                        (names) =>
                            `Why: \`docker ps -a --filter name=${this.prefix}-\` (each container's health), ${names.map((n) => `\`docker logs ${n}\``).join(", ")}.`,
                    ),
            },
        };
    }
}
