/**
 * MinIO's setup task and the users the composition declares for prod, run for
 * real against a MinIO server and `mc` built from Go modules (opt-in:
 * `QUORVEX_TOOLCHAIN_UNITS="minio mc" npm run toolchain`, then its bin folder
 * first on PATH; docs/verified.md). Skipped where they are not on
 * PATH, in CI too: the cold CI build has no time left for them.
 */
import { spawn, spawnSync, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UPLOAD_SCRIPT } from "../components/backup";
import { setupScript, userSecretVar } from "../components/minio";
import { grants } from "../stacks/compose";
import { resolveConfig } from "../config/load";
import { PROD } from "./helpers";

const onPath = (tool: string) => spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).status === 0;
const available = onPath("minio") && onPath("mc");
const PORT = "59000";
const ENDPOINT = `http://127.0.0.1:${PORT}`;
const config = resolveConfig(PROD).config;
const ARTIFACTS = config.minio.bucket;
const BACKUPS = config.backup.bucket;
const users = grants(config).minio;
const ROOT = { user: "root-user-0123", password: "root-password-0123456789" };
const secretOf = (user: string, generation: string) => `${user}-secret-${generation}-0123456789`;

describe.runIf(available)("MinIO users (a real MinIO server and mc)", () => {
    let server: ChildProcess | undefined;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "quorvex-minio-"));
    const mcEnv = { PATH: process.env.PATH, HOME: dir, MC_CONFIG_DIR: path.join(dir, ".mc"), TMPDIR: dir };

    /** A file holding `value`, as a Secret volume holds one key: the Kubernetes form of every credential here. */
    function file(name: string, value: string): string {
        const p = path.join(dir, name);
        fs.writeFileSync(p, value, { mode: 0o600 });
        return p;
    }

    /** The setup task as its Job runs it: the root and every user's secret key as files. */
    function runSetup(generation: string) {
        const env = {
            ...mcEnv,
            MINIO_ENDPOINT: ENDPOINT,
            MINIO_ACCESS_KEY_FILE: file("root-user", ROOT.user),
            MINIO_SECRET_KEY_FILE: file("root-password", ROOT.password),
            ...Object.fromEntries(users.map((u) => [`${userSecretVar(u)}_FILE`, file(`${u.name}-${generation}`, secretOf(u.name, generation))])),
        };
        const buckets = [
            { name: ARTIFACTS, expireDays: 60 },
            { name: BACKUPS, expireDays: 14 },
        ];
        return spawnSync("sh", ["-c", setupScript("quorvex", buckets, users)], { env, encoding: "utf8" });
    }

    /** `mc <args>` as `user` (its secret of `generation`): whether it worked, and what it said. */
    function mc(user: string, generation: string, args: string[], input?: string) {
        const r = spawnSync("mc", ["--quiet", ...args], {
            env: { ...mcEnv, MC_HOST_u: `http://${user}:${secretOf(user, generation)}@127.0.0.1:${PORT}` },
            input,
            encoding: "utf8",
        });
        return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
    }
    const can = (user: string, args: string[], input?: string) => mc(user, "1", args, input).ok;

    beforeAll(async () => {
        // The server as the StatefulSet runs it: its root credential from files (MINIO_ROOT_USER_FILE, MINIO_ROOT_PASSWORD_FILE).
        server = spawn("minio", ["server", path.join(dir, "data"), "--address", `127.0.0.1:${PORT}`], {
            env: {
                PATH: process.env.PATH,
                HOME: dir,
                MINIO_BROWSER: "off",
                MINIO_ROOT_USER_FILE: file("srv-user", ROOT.user),
                MINIO_ROOT_PASSWORD_FILE: file("srv-password", ROOT.password),
            },
            stdio: "ignore",
        });
        const deadline = Date.now() + 30_000;
        while (spawnSync("mc", ["ready", "l"], { env: { ...mcEnv, MC_HOST_l: ENDPOINT }, timeout: 5000 }).status !== 0) {
            if (Date.now() > deadline) throw new Error("minio did not start within 30 s");
            await new Promise((r) => setTimeout(r, 250));
        }
        const setup = runSetup("1");
        expect(setup.status, setup.stderr).toBe(0);
    }, 60_000);

    afterAll(() => {
        server?.kill("SIGTERM");
    });

    it("runs again without error (a re-run of the Job finds everything in place)", () => {
        const again = runSetup("1");
        expect(again.status, again.stderr).toBe(0);
    });

    it("never prints a secret key", () => {
        const out = runSetup("1");
        for (const u of users) expect(`${out.stdout}${out.stderr}`).not.toContain(secretOf(u.name, "1"));
        expect(`${out.stdout}${out.stderr}`).not.toContain(ROOT.password);
    });

    it("lets the backend do everything in the artifact bucket, and nothing in the backups", () => {
        expect(can("backend", ["pipe", `u/${ARTIFACTS}/run-1/report.html`], "<html/>")).toBe(true);
        expect(mc("backend", "1", ["cat", `u/${ARTIFACTS}/run-1/report.html`]).out).toBe("<html/>");
        expect(can("backend", ["ls", `u/${ARTIFACTS}/run-1/`])).toBe(true);
        expect(can("backend", ["pipe", `u/${ARTIFACTS}/run-1/old.json`], "{}")).toBe(true);
        expect(can("backend", ["rm", `u/${ARTIFACTS}/run-1/old.json`])).toBe(true);
        expect(can("backend", ["ls", `u/${BACKUPS}/`])).toBe(false);
        expect(can("backend", ["pipe", `u/${BACKUPS}/postgres/x.dump`], "x")).toBe(false);
    });

    it("lets a worker put artifacts, and not read, list or delete them, nor touch the backups", () => {
        expect(can("workers", ["pipe", `u/${ARTIFACTS}/run-2/trace.zip`], "trace")).toBe(true);
        expect(can("workers", ["cat", `u/${ARTIFACTS}/run-1/report.html`])).toBe(false);
        expect(can("workers", ["ls", `u/${ARTIFACTS}/`])).toBe(false);
        expect(can("workers", ["rm", `u/${ARTIFACTS}/run-2/trace.zip`])).toBe(false);
        expect(can("workers", ["pipe", `u/${BACKUPS}/postgres/evil.dump`], "x")).toBe(false);
        expect(can("workers", ["ls", `u/${BACKUPS}/`])).toBe(false);
    });

    it("lets the backup job upload a dump (its own UPLOAD_SCRIPT), and not read, list or delete one", () => {
        const work = fs.mkdtempSync(path.join(dir, "backup-"));
        fs.writeFileSync(path.join(work, "postgres.dump"), "PGDMP");
        const upload = spawnSync("sh", ["-c", UPLOAD_SCRIPT.replace(/\/backup\//g, `${work}/`)], {
            env: {
                ...mcEnv,
                MINIO_ENDPOINT: ENDPOINT,
                BACKUP_BUCKET: BACKUPS,
                MINIO_ACCESS_KEY_FILE: file("backup-user", "postgres-backup"),
                MINIO_SECRET_KEY_FILE: file("backup-secret", secretOf("postgres-backup", "1")),
            },
            encoding: "utf8",
        });
        expect(upload.status, upload.stderr).toBe(0);
        const listed = spawnSync("mc", ["ls", "--recursive", `r/${BACKUPS}/postgres/`], {
            env: { ...mcEnv, MC_HOST_r: `http://${ROOT.user}:${ROOT.password}@127.0.0.1:${PORT}` },
            encoding: "utf8",
        });
        const dump = listed.stdout.trim().split(/\s+/).pop()!;
        expect(dump).toMatch(/^\d{8}T\d{6}Z\.dump$/);
        expect(can("postgres-backup", ["cat", `u/${BACKUPS}/postgres/${dump}`])).toBe(false);
        expect(can("postgres-backup", ["ls", `u/${BACKUPS}/`])).toBe(false);
        expect(can("postgres-backup", ["rm", `u/${BACKUPS}/postgres/${dump}`])).toBe(false);
        expect(can("postgres-backup", ["pipe", `u/${ARTIFACTS}/x`], "x")).toBe(false);
    });

    it("lets other teams read and list the artifacts, and nothing else", () => {
        expect(mc("other-teams", "1", ["cat", `u/${ARTIFACTS}/run-1/report.html`]).out).toBe("<html/>");
        expect(can("other-teams", ["ls", `u/${ARTIFACTS}/`])).toBe(true);
        expect(can("other-teams", ["pipe", `u/${ARTIFACTS}/x`], "x")).toBe(false);
        expect(can("other-teams", ["rm", `u/${ARTIFACTS}/run-1/report.html`])).toBe(false);
        expect(can("other-teams", ["ls", `u/${BACKUPS}/`])).toBe(false);
    });

    it("applies rotated secret keys on its next run: the old ones stop working", () => {
        expect(runSetup("2").status).toBe(0);
        expect(mc("other-teams", "2", ["ls", `u/${ARTIFACTS}/`]).ok).toBe(true);
        expect(mc("other-teams", "1", ["ls", `u/${ARTIFACTS}/`]).ok).toBe(false);
    });
});
