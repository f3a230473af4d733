/**
 * The stand-in images: no registry is reachable where the engine tier runs, so
 * every image the stacks name is built here, locally, and tagged with the exact
 * reference the program's defaults use. They come from Debian's packages (real
 * PostgreSQL, redis-server, nginx; a Python backend and worker of ours, in
 * `standins/app`) and from the toolchain's MinIO and exporter units (real `minio`,
 * `mc`, `redis_exporter` and `postgres_exporter`).
 * Each honours the part of its official image's contract the program relies on
 * (entrypoint and command names, environment, users, data paths, health
 * commands); docs/engine-tier.md lists how each differs from the image it stands in for.
 *
 * One Debian root filesystem holds every package (mmdebstrap, cached by its
 * package list); each image is a few metadata lines and files over it. An
 * image carries the hash of what built it, and is rebuilt only when that
 * changes.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { stackDefaults } from "../../config/defaults";
import { runProcess } from "./harness";
import { engineCacheDir, type DockerEngine } from "./docker-engine";

const HERE = path.join(__dirname, "standins");
const SUITE = "bookworm";
const HASH_LABEL = "io.quorvex.standin.hash";

/** Everything the stand-ins run, from Debian bookworm. */
export const DEBIAN_PACKAGES = [
    "postgresql",
    "redis-server",
    "nginx-light",
    "python3",
    "python3-psycopg2",
    "python3-redis",
    "python3-websockets",
    "alembic",
    "gosu",
    "curl",
    "ca-certificates",
    "procps",
    "netcat-openbsd",
];

/** The binaries the MinIO and exporter images take from the toolchain (its `minio`, `mc`, `redis-exporter` and `postgres-exporter` units). */
export const GO_BINARIES = ["minio", "mc", "redis_exporter", "postgres_exporter"] as const;
/** The binaries the node rung's own images take from the toolchain (`pause` from the unit `cluster`, the units `coredns` and `keda`). */
export const NODE_GO_BINARIES = ["pause", "coredns", "keda-operator", "keda-adapter"] as const;

export interface StandinImage {
    /** The reference the image is tagged with. */
    ref: string;
    /** Its folder under `standins/`. */
    dir: string;
    buildArgs?: Record<string, string>;
    /** Toolchain binaries copied into its build context. */
    binaries?: ((typeof GO_BINARIES)[number] | (typeof NODE_GO_BINARIES)[number])[];
}

/** A backend image of another version: the same stand-in with more migrations (the last one, in 1.2.0, fails). */
export const BACKEND_VERSIONS: Record<string, string> = { "1.0.0": "0001", "1.1.0": "0001 0002", "1.2.0": "0001 0002 0003" };

/** `ghcr.io/quorvex/quorvex-backend:1.0.0` at another version. */
export const withTag = (ref: string, tag: string) => `${ref.slice(0, ref.lastIndexOf(":"))}:${tag}`;

/** Every image the stacks' defaults name (both modes), plus the backend's other versions the rung rolls to. */
export function standinImages(): StandinImage[] {
    const standard = stackDefaults("standard").images as Record<string, string>;
    const workers = stackDefaults("workers").images as Record<string, string>;
    const app = (ref: string, role: string, migrations: string): StandinImage => ({
        ref,
        dir: "app",
        buildArgs: { ROLE: role, MIGRATIONS: migrations },
        binaries: ["mc"],
    });
    const backends = [standard.backend, workers.backend].flatMap((ref) =>
        Object.entries(BACKEND_VERSIONS).map(([tag, migrations]) => app(withTag(ref, tag), "backend", migrations)),
    );
    return [
        { ref: standard.postgres, dir: "postgres" },
        { ref: standard.redis, dir: "redis" },
        { ref: standard.proxy, dir: "nginx" },
        { ref: standard.minio, dir: "minio", binaries: ["minio", "mc"] },
        { ref: standard.minioClient, dir: "mc", binaries: ["mc"] },
        { ref: standard.redisExporter, dir: "redis-exporter", binaries: ["redis_exporter"] },
        { ref: standard.postgresExporter, dir: "postgres-exporter", binaries: ["postgres_exporter"] },
        ...backends,
        app(standard.worker, "worker", BACKEND_VERSIONS["1.0.0"]),
    ];
}

const sha = (...parts: (string | Buffer)[]) => {
    const h = createHash("sha256");
    for (const p of parts) h.update(p).update("\0");
    return h.digest("hex").slice(0, 16);
};

function filesOf(dir: string): string[] {
    return fs
        .readdirSync(dir, { withFileTypes: true, recursive: true })
        .filter((e) => e.isFile())
        .map((e) => path.join(e.parentPath, e.name))
        .sort();
}

/** Why the stand-ins cannot be built here, or null. */
export function standinsMissing(bin: string | null): string | null {
    if (!fs.existsSync("/usr/bin/mmdebstrap")) return "mmdebstrap is not installed (Debian: apt-get install mmdebstrap)";
    if (!bin)
        return 'the toolchain\'s MinIO and exporter units are not on PATH (QUORVEX_TOOLCHAIN_UNITS="minio mc redis-exporter postgres-exporter" npm run toolchain)';
    return null;
}

/** The folder holding those binaries (the toolchain's bin folder on PATH), or null. */
export function findGoBinaries(): string | null {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        if (dir && GO_BINARIES.every((b) => fs.existsSync(path.join(dir, b)))) return dir;
    }
    return null;
}

async function must(bin: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
    const r = await runProcess(bin, args, { env });
    if (r.code !== 0) throw new Error(`${bin} ${args.join(" ")} exited ${r.code}\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
    return r.stdout;
}

/** The Debian root filesystem every stand-in is built on, as a tarball in the cache (built once per package list). */
async function baseTarball(): Promise<{ file: string; key: string }> {
    const key = sha(SUITE, ...DEBIAN_PACKAGES, fs.readFileSync(__filename, "utf8").match(/mmdebstrapArgs = \[[^\]]*\]/)?.[0] ?? "");
    const dir = path.join(engineCacheDir(), "standins");
    const file = path.join(dir, `base-${key}.tar`);
    if (fs.existsSync(file)) return { file, key };
    fs.mkdirSync(dir, { recursive: true });
    const tmp = `${file}.tmp`;
    // Without Debian's default cluster (the images make their own), docs and manuals.
    const mmdebstrapArgs = [
        "--variant=minbase",
        `--include=${DEBIAN_PACKAGES.join(",")}`,
        '--setup-hook=mkdir -p "$1/etc/postgresql-common" && echo \'create_main_cluster = false\' > "$1/etc/postgresql-common/createcluster.conf"',
        "--dpkgopt=path-exclude=/usr/share/doc/*",
        "--dpkgopt=path-exclude=/usr/share/man/*",
        "--dpkgopt=path-exclude=/usr/share/locale/*",
        "--dpkgopt=path-include=/usr/share/locale/locale.alias",
        "--format=tar",
    ];
    await must("mmdebstrap", [...mmdebstrapArgs, SUITE, tmp]);
    fs.renameSync(tmp, file);
    return { file, key };
}

export interface BuildReport {
    built: string[];
    reused: string[];
    seconds: number;
}

/** The node rung's own images: the pod sandbox and the cluster DNS. */
export const NODE_IMAGES: StandinImage[] = [
    { ref: "quorvex-standin/pause:1", dir: "pause", binaries: ["pause"] },
    { ref: "quorvex-standin/coredns:1", dir: "coredns", binaries: ["coredns"] },
];

/** KEDA's two images, for the node rung's live autoscaling (unit `keda`). */
export const KEDA_IMAGES: StandinImage[] = [
    { ref: "quorvex-standin/keda:1", dir: "keda", binaries: ["keda-operator"] },
    { ref: "quorvex-standin/keda-metrics-apiserver:1", dir: "keda-metrics-apiserver", binaries: ["keda-adapter"] },
];

/** Builds (or finds, by content) every stand-in image (or those of `images`) on `engine`; `goBin` holds the binaries they copy. */
export async function buildStandins(engine: DockerEngine, goBin: string, images = standinImages()): Promise<BuildReport> {
    const started = Date.now();
    const base = await baseTarball();
    const baseRef = `quorvex-standin/base:${base.key}`;
    if ((await engine.docker(["image", "inspect", baseRef])).code !== 0) {
        await engine.ok(["import", base.file, baseRef]);
    }
    const report: BuildReport = { built: [], reused: [], seconds: 0 };
    for (const image of images) {
        const dir = path.join(HERE, image.dir);
        const binaries = (image.binaries ?? []).map((b) => path.join(goBin, b));
        const hash = sha(
            base.key,
            JSON.stringify(image.buildArgs ?? {}),
            ...filesOf(dir).flatMap((f) => [path.relative(dir, f), fs.readFileSync(f)]),
            ...binaries.map((b) => sha(fs.readFileSync(b))),
        );
        const current = await engine.docker(["image", "inspect", "--format", `{{ index .Config.Labels "${HASH_LABEL}" }}`, image.ref]);
        if (current.code === 0 && current.stdout.trim() === hash) {
            report.reused.push(image.ref);
            continue;
        }
        const context = fs.mkdtempSync(path.join(engine.tmp, "context-"));
        fs.cpSync(dir, context, { recursive: true });
        for (const b of binaries) fs.copyFileSync(b, path.join(context, path.basename(b)));
        const args = Object.entries({ BASE: baseRef, ...image.buildArgs }).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]);
        await engine.ok(["build", "--network", "none", "--label", `${HASH_LABEL}=${hash}`, ...args, "-t", image.ref, context]);
        fs.rmSync(context, { recursive: true, force: true });
        report.built.push(image.ref);
    }
    // Layers of images no longer tagged (an earlier build of a changed stand-in).
    await engine.docker(["image", "prune", "-f"]);
    report.seconds = Math.round((Date.now() - started) / 1000);
    return report;
}
