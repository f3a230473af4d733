/**
 * MinIO's setup task sets its users up side by side: MinIO takes about two
 * seconds per user, on the critical path of a first `up`. Run by the real
 * shell, with an `mc` that answers at once and records each call; its
 * `admin user add` waits until every user's policy was created, which only
 * users set up side by side reach.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { setupScript, userSecretVar } from "../components/minio";
import { resolveConfig } from "../config/load";
import { grants } from "../stacks/compose";
import { PROD } from "./helpers";
import { tempFolders } from "./temp";

const scratch = tempFolders();
const users = grants(resolveConfig(PROD).config).minio;

/** Runs the setup with an `mc` that fails `admin user add` for `failing`, if given. */
function runSetup(failing?: string) {
    const bin = scratch("quorvex-mc-");
    const log = path.join(bin, "calls");
    fs.writeFileSync(log, "");
    fs.writeFileSync(
        path.join(bin, "mc"),
        [
            "#!/bin/sh",
            `echo "$*" >> "${log}"`,
            'if [ "$1 $2 $3" = "admin user add" ]; then',
            "    cat > /dev/null",
            `    [ "$5" = "${failing ?? ""}" ] && exit 1`,
            "    tries=0",
            `    until [ "$(grep -c '^admin policy create' "${log}")" -ge ${users.length} ]; do`,
            '        tries=$((tries + 1)); [ "$tries" -gt 100 ] && { echo "user $5 added before the other users\' setup began" >&2; exit 1; }',
            "        sleep 0.1",
            "    done",
            "fi",
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
    return { ...r, calls: fs.readFileSync(log, "utf8").split("\n").filter(Boolean) };
}

describe("MinIO's setup task", () => {
    it("sets every user up side by side, and each one completely: policy, key, attachment", () => {
        expect(users.length).toBeGreaterThan(1);
        const r = runSetup();
        expect(r.status, r.stderr).toBe(0);
        for (const u of users) {
            expect(r.calls).toContain(`admin user add quorvex ${u.name}`);
            expect(r.calls).toContain(`admin policy attach quorvex quorvex-${u.name} --user ${u.name}`);
        }
    });

    it("fails when one user's setup fails, after waiting for the others", () => {
        const failing = users[0].name;
        const r = runSetup(failing);
        expect(r.status).not.toBe(0);
        for (const u of users.filter((x) => x.name !== failing)) expect(r.calls).toContain(`admin policy attach quorvex quorvex-${u.name} --user ${u.name}`);
    });
});
