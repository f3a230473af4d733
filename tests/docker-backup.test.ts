/**
 * `npm run backup:docker` / `restore:docker` against a recording stand-in for
 * the docker CLI (no engine runs here): the right containers, the dump
 * streamed from pg_dump into MinIO and back, no password on any command line.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { tempFolders } from "./temp";

/** Every temporary folder of this file's tests, removed after them. */
const tmp = tempFolders();

const ROOT = path.join(__dirname, "..");

function run(script: string, ...args: string[]) {
    const dir = tmp("docker-shim-");
    fs.copyFileSync(path.join(__dirname, "fixtures", "docker-shim.sh"), path.join(dir, "docker"));
    fs.chmodSync(path.join(dir, "docker"), 0o755);
    const r = spawnSync("bash", [path.join(ROOT, "scripts", script), ...args], {
        encoding: "utf8",
        env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, SHIM_DIR: dir },
    });
    const calls = fs.existsSync(path.join(dir, "calls"))
        ? fs
              .readFileSync(path.join(dir, "calls"), "utf8")
              .trim()
              .split("\n")
              .map((l) => l.split("\x1f").filter((x) => x !== ""))
        : [];
    const stdin = (name: string) => fs.readFileSync(path.join(dir, `stdin-${name}`), "utf8");
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls, stdin };
}

describe("npm run backup:docker", () => {
    it("streams pg_dump from the stack's Postgres container into mc pipe in its MinIO container", () => {
        const r = run("backup-docker.sh", "--stack", "dev");
        expect(r.status).toBe(0);
        const dump = r.calls.find((c) => c[0] === "exec" && c[1] === "quorvex-dev-postgres")!;
        expect(dump[4]).toMatch(/^pg_dump --format=custom/);
        const upload = r.calls.find((c) => c[0] === "exec" && c[1] === "-i")!;
        expect(upload[2]).toBe("quorvex-dev-minio");
        expect(upload[5]).toContain('mc pipe --quiet "local/$1"');
        expect(upload[7]).toMatch(/^quorvex-backups\/postgres\/\d{8}T\d{6}Z\.dump$/);
        expect(r.stdin("quorvex-dev-minio")).toBe("PGDMP fake dump of quorvex-dev-postgres");
        expect(r.stdout).toMatch(/backed up quorvex-dev-postgres to quorvex-backups\/postgres\//);
    });

    it("never puts a credential on a command line: they are read inside the containers", () => {
        const r = run("backup-docker.sh");
        for (const c of r.calls) for (const arg of c) expect(arg).not.toMatch(/PASSWORD=|PGPASSWORD|pw[A-Za-z0-9]{20}/);
    });

    it("lists the backups", () => {
        const r = run("backup-docker.sh", "--list");
        expect(r.stdout).toContain("postgres/20261122T031700Z.dump");
    });

    it("refuses unknown arguments", () => expect(run("backup-docker.sh", "--bogus").status).toBe(2));
});

describe("npm run restore:docker", () => {
    it("asks for --object and --yes before touching anything", () => {
        expect(run("restore-docker.sh").status).toBe(2);
        const r = run("restore-docker.sh", "--object", "postgres/x.dump");
        expect(r.status).toBe(2);
        expect(r.calls).toEqual([]);
    });

    it("stops the backend and workers, restores the dump with pg_restore, and starts them again", () => {
        const r = run("restore-docker.sh", "--object", "postgres/20261122T031700Z.dump", "--yes");
        expect(r.status).toBe(0);
        const verbs = r.calls.map((c) => (c[0] === "exec" ? `exec ${c[1] === "-i" ? c[2] : c[1]}` : c[0]));
        // The two ends of the pipe run at once: either may be recorded first.
        expect(verbs.slice(0, 2)).toEqual(["ps", "stop"]);
        expect(verbs.slice(2, 4).sort()).toEqual(["exec quorvex-dev-minio", "exec quorvex-dev-postgres"]);
        expect(verbs[4]).toBe("start");
        expect(r.calls[1].slice(1)).toEqual(["quorvex-dev-backend", "quorvex-dev-workers-1"]);
        const restore = r.calls.find((c) => c[0] === "exec" && c[1] === "-i")!;
        expect(restore[5]).toMatch(/^pg_restore --clean --if-exists --no-owner --single-transaction/);
        expect(r.stdin("quorvex-dev-postgres")).toBe("PGDMP stored dump");
    });
});
