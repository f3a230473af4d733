/**
 * MinIO's setup task runs one `mc` at a time: the task's memory limit is 256
 * MiB, and four `mc` processes side by side were OOM-killed on the real
 * engines (exit 137 on Docker and on the node rung, once a second pool added
 * a fourth user). And it waits for MinIO itself, since `up` no longer does on
 * Docker. Run by the real shell, with an `mc` that records each call (and
 * fails when another is running, or while MinIO "starts").
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { setupScript, userSecretVar, waitForMinio } from "../components/minio";
import { resolveConfig } from "../config/load";
import { grants } from "../stacks/compose";
import { PROD } from "./helpers";
import { tempFolders } from "./temp";

const scratch = tempFolders();
const users = grants(resolveConfig(PROD).config).minio;

describe("MinIO's setup task", () => {
    it("runs one mc at a time, every user completely: policy, key, attachment", () => {
        expect(users.length).toBeGreaterThan(1);
        const bin = scratch("quorvex-mc-");
        const log = path.join(bin, "calls");
        const running = path.join(bin, "running");
        fs.writeFileSync(
            path.join(bin, "mc"),
            [
                "#!/bin/sh",
                // mkdir is atomic: a second mc while one runs finds the folder there.
                `mkdir "${running}" 2>/dev/null || { echo "mc $* started while another mc ran" >&2; exit 1; }`,
                `echo "$*" >> "${log}"`,
                "[ ! -t 0 ] && cat > /dev/null",
                "sleep 0.05",
                `rmdir "${running}"`,
            ].join("\n"),
            { mode: 0o755 },
        );
        const r = spawnSync("sh", ["-c", setupScript("quorvex", [{ name: "quorvex-artifacts", expireDays: 60 }], users)], {
            env: {
                PATH: `${bin}:/usr/bin:/bin`,
                TMPDIR: bin,
                MINIO_ENDPOINT: "http://minio:9000",
                MINIO_ACCESS_KEY: "root",
                MINIO_SECRET_KEY: "rootsecret",
                ...Object.fromEntries(users.map((u) => [userSecretVar(u), `${u.name}-secret`])),
            },
            encoding: "utf8",
        });
        expect(r.status, r.stderr).toBe(0);
        const calls = fs.readFileSync(log, "utf8").split("\n");
        for (const u of users) {
            expect(calls).toContain(`admin user add quorvex ${u.name}`);
            expect(calls).toContain(`admin policy attach quorvex quorvex-${u.name} --user ${u.name}`);
        }
    });

    it("first waits until MinIO answers an admin call, trying every second (up does not wait for MinIO's own health on Docker)", () => {
        const bin = scratch("quorvex-mc-");
        const tries = path.join(bin, "tries");
        // Refuses its first two admin calls, as a MinIO still starting does.
        fs.writeFileSync(path.join(bin, "mc"), ["#!/bin/sh", `echo "$*" >> "${tries}"`, `[ "$(grep -c '^admin info' "${tries}")" -gt 2 ]`].join("\n"), {
            mode: 0o755,
        });
        const started = Date.now();
        const r = spawnSync("sh", ["-c", [...waitForMinio("quorvex", 30), "mc mb quorvex/bucket"].join("\n")], {
            env: { PATH: `${bin}:/usr/bin:/bin` },
            encoding: "utf8",
        });
        expect(r.status, r.stderr).toBe(0);
        expect(fs.readFileSync(tries, "utf8").trim().split("\n")).toEqual([
            "admin info quorvex",
            "admin info quorvex",
            "admin info quorvex",
            "mb quorvex/bucket",
        ]);
        expect(Date.now() - started).toBeLessThan(10_000);
        expect(setupScript("quorvex", [], users).indexOf("until mc admin info quorvex")).toBeLessThan(
            setupScript("quorvex", [], users).indexOf("mc admin user add"),
        );
    });

    it("fails, naming MinIO's address, when MinIO never answers within its deadline", () => {
        const bin = scratch("quorvex-mc-");
        fs.writeFileSync(path.join(bin, "mc"), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
        const r = spawnSync("sh", ["-c", [...waitForMinio("quorvex", 2), "echo never"].join("\n")], {
            env: { PATH: `${bin}:/usr/bin:/bin`, MINIO_ENDPOINT: "http://minio:9000" },
            encoding: "utf8",
        });
        expect(r.status).toBe(1);
        expect(r.stderr).toBe("quorvex: MinIO at http://minio:9000 did not answer within 2 s\n");
        expect(r.stdout).toBe("");
    });
});
