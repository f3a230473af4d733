/**
 * The entry check: the plan holds it exactly where the stack asks for it, and
 * its script, run by the real Node.js against a real HTTPS server, passes only
 * when the platform answers 200 with a certificate valid for the host.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as https from "https";
import type { AddressInfo } from "net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENTRY_CHECK } from "../components/entry-check";
import { selfSigned } from "./certs";
import { all, DEV, envOf, inputs, merge, one, PROD, stack, T } from "./helpers";
import { tempFolders } from "./temp";

const COMMAND = "command:local:Command";
const tmp = tempFolders();

describe("the entry check in the plan", () => {
    it("checks the dev stack through the proxy's published port, trusting its self-signed certificate, after the proxy is up", async () => {
        const run = await stack("dev", DEV);
        const check = one(run, COMMAND, "ingress-check");
        expect(inputs(check)).toMatchObject({
            interpreter: ["node", "-e"],
            create: ENTRY_CHECK,
            environment: { CHECK_URL: "https://quorvex.localhost/health/ready", CHECK_ADDRESS: "127.0.0.1", CHECK_PORT: "443", CHECK_TIMEOUT: "300" },
        });
        // The certificate the proxy serves.
        expect(inputs(check).environment.CHECK_CA).toBe(envOf(one(run, T.container, "ingress")).TLS_CERT);
        expect(inputs(check).environment.CHECK_CA).toMatch(/\S/);
        expect(check.options.dependsOn).toEqual(["docker:index/container:Container::ingress"]);
        // Run again whenever the proxy or the backend is a new container.
        expect(inputs(check).triggers).toHaveLength(1);
    });

    it("checks prod by its host name with the system's roots (cert-manager's certificate)", async () => {
        const run = await stack("prod", PROD);
        const env = inputs(one(run, COMMAND, "ingress-check")).environment;
        expect(env).toEqual({ CHECK_URL: "https://quorvex.example.com/health/ready", CHECK_TIMEOUT: "300" });
    });

    it("is not there when the stack turns it off (a runner that cannot reach the host)", async () => {
        for (const [name, config] of [
            ["dev", DEV],
            ["prod", PROD],
        ] as const) {
            const run = await stack(name, merge(config, { ingress: { check: { enabled: false } } }));
            expect(all(run, COMMAND), name).toEqual([]);
        }
    });
});

/** Runs the check as the command provider does (`node -e SCRIPT`, env only). */
function runCheck(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, ["-e", ENTRY_CHECK], { env: { PATH: process.env.PATH ?? "", ...env } });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
}

describe("the entry check, run by the real Node.js against a real HTTPS server", () => {
    const good = selfSigned(tmp("quorvex-check-"));
    const other = selfSigned(tmp("quorvex-check-other-"), "elsewhere.example");
    let status = 200;
    const servers: https.Server[] = [];
    const ports: Record<string, number> = {};

    beforeAll(async () => {
        for (const [name, cert] of [
            ["good", good],
            ["wrong-host", other],
        ] as const) {
            const server = https.createServer({ cert: fs.readFileSync(cert.cert), key: fs.readFileSync(cert.key) }, (req, res) => {
                res.writeHead(req.url === "/health/ready" && req.headers.host === "quorvex.localhost" ? status : 404);
                res.end();
            });
            await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
            servers.push(server);
            ports[name] = (server.address() as AddressInfo).port;
        }
    });
    afterAll(() => servers.forEach((s) => s.close()));

    const env = (port: number, extra: Record<string, string> = {}) => ({
        CHECK_URL: "https://quorvex.localhost/health/ready",
        CHECK_ADDRESS: "127.0.0.1",
        CHECK_PORT: String(port),
        CHECK_CA: fs.readFileSync(good.cert, "utf8"),
        CHECK_TIMEOUT: "1",
        ...extra,
    });

    it("passes when the platform answers 200 for the host, over TLS with the certificate it trusts", async () => {
        status = 200;
        const r = await runCheck(env(ports.good));
        expect(r).toMatchObject({ code: 0, stdout: "https://quorvex.localhost/health/ready answers 200\n" });
    });

    it("fails with the status the platform answered", async () => {
        status = 503;
        const r = await runCheck(env(ports.good));
        expect(r.code).toBe(1);
        expect(r.stderr).toBe("the platform does not answer at https://quorvex.localhost/health/ready (checked for 1 s): it answered HTTP 503\n");
        status = 200;
    });

    it("says where to look after the reason, when the target gives a hint", async () => {
        status = 502;
        const r = await runCheck(env(ports.good, { CHECK_HINT: "Why: `docker logs quorvex-dev-backend`." }));
        status = 200;
        expect(r.code).toBe(1);
        expect(r.stderr).toBe(
            "the platform does not answer at https://quorvex.localhost/health/ready (checked for 1 s): it answered HTTP 502\nWhy: `docker logs quorvex-dev-backend`.\n",
        );
    });

    it("fails on a certificate that is not valid for the host, naming why", async () => {
        const r = await runCheck(env(ports["wrong-host"], { CHECK_CA: fs.readFileSync(other.cert, "utf8") }));
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID: Hostname\/IP does not match certificate's altnames/);
    });

    it("fails on a certificate nobody said to trust", async () => {
        const r = await runCheck(env(ports.good, { CHECK_CA: "" }));
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/DEPTH_ZERO_SELF_SIGNED_CERT|self[- ]signed certificate/);
    });

    it("fails when nothing listens, after retrying until its deadline", async () => {
        const started = Date.now();
        const r = await runCheck(env(1, { CHECK_TIMEOUT: "3" }));
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/ECONNREFUSED/);
        expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    });
});
