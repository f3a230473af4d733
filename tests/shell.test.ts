/** Every shell script we ship, and every shell snippet the program generates for a container, passes shellcheck. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { DUMP_SCRIPT, UPLOAD_SCRIPT } from "../components/backup";
import { setupScript } from "../components/minio";
import { POSTGRES_START, rolesScript } from "../components/postgres";
import { redisServe } from "../components/redis";
import { grants } from "../stacks/compose";
import { resolveConfig } from "../config/load";
import { PROD_KEDA } from "./helpers";

/** Every grant there is: prod with KEDA (its scaler's Redis user) and the backup (its role and user). */
const PROD_CONFIG = resolveConfig(PROD_KEDA).config;

const ROOT = path.join(__dirname, "..");
const shellcheck = ["/usr/bin/shellcheck", "/usr/local/bin/shellcheck"].find((p) => fs.existsSync(p));
const needed = process.env.CI === "true" || shellcheck !== undefined;

function check(source: string, shell: "sh" | "bash") {
    if (!shellcheck) throw new Error("shellcheck is not installed: apt-get install shellcheck (the CI script does)");
    const r = spawnSync(shellcheck, ["-s", shell, "-"], { input: source, encoding: "utf8" });
    return { status: r.status, output: r.stdout };
}

const generated: [string, string][] = [
    ["postgres start (password sync)", POSTGRES_START],
    ["redis start (ACL file, then the server)", redisServe(192, grants(PROD_CONFIG).redis)],
    [
        "minio setup (buckets, lifecycle, users, policies)",
        setupScript(
            "quorvex",
            [
                { name: "quorvex-artifacts", expireDays: 60 },
                { name: "quorvex-backups", expireDays: 14 },
            ],
            grants(PROD_CONFIG).minio,
        ),
    ],
    ["postgres roles", rolesScript("quorvex", grants(PROD_CONFIG).postgres)],
    ["backup dump step", DUMP_SCRIPT],
    ["backup upload step", UPLOAD_SCRIPT],
];

describe.runIf(needed)("shellcheck", () => {
    it.each(generated)("passes the generated %s", (_name, source) => {
        expect(check(source, "sh")).toEqual({ status: 0, output: "" });
    });

    it.each([
        "scripts/deploy-dev.sh",
        "scripts/pulumi-dev.sh",
        "scripts/lib/pulumi-cli.sh",
        "scripts/backup-docker.sh",
        "scripts/restore-docker.sh",
        ".ci/run",
        "toolchain/build.sh",
        "tests/fixtures/docker-shim.sh",
    ])("passes %s", (file) => {
        // The file itself (not its text), so the files it sources are checked with it.
        if (!shellcheck) throw new Error("shellcheck is not installed: apt-get install shellcheck (the CI script does)");
        const r = spawnSync(shellcheck, ["-x", "-s", "bash", file], { cwd: ROOT, encoding: "utf8" });
        expect({ status: r.status, output: r.stdout }).toEqual({ status: 0, output: "" });
    });

    it("catches a real mistake, so the check is real", () => {
        expect(check('rm -rf $DIR/"x"', "sh").status).not.toBe(0);
    });
});
