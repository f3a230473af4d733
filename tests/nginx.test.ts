/**
 * The proxy's nginx.conf is checked by the real nginx (`nginx -t`), both as
 * rendered for each TLS/VNC variant and exactly as the dev stack's proxy writes it at start.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { selfSigned } from "./certs";
import { renderNginxConf, type NginxSite } from "../targets/docker/nginx";
import { DEV, DEV_WORKERS, envOf, inputs, merge, one, stack, T } from "./helpers";
import { tempFolders } from "./temp";

const nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((p) => fs.existsSync(p));
// CI installs Debian's nginx (see .ci/run); elsewhere the check says how to get it.
const needNginx = process.env.CI === "true" || nginx !== undefined;

const tmp = tempFolders();
const scratch = () => selfSigned(tmp("quorvex-nginx-"));

function nginxTest(conf: string, dir: string): { status: number | null; output: string } {
    if (!nginx) throw new Error("nginx is not installed: apt-get install nginx-light (the CI script does)");
    const file = path.join(dir, "nginx.conf");
    fs.writeFileSync(file, conf);
    // Real files, not libuv's socketpairs: nginx opens /dev/stderr, which a socket cannot back.
    const log = path.join(dir, "nginx-t.log");
    const fd = fs.openSync(log, "w");
    const r = spawnSync(nginx, ["-t", "-q", "-c", file, "-p", dir], { stdio: ["ignore", fd, fd] });
    fs.closeSync(fd);
    return { status: r.status, output: fs.readFileSync(log, "utf8") };
}

const site = (over: Partial<NginxSite>, s: ReturnType<typeof scratch>): NginxSite => ({
    host: "quorvex.localhost",
    upstream: "backend:8000",
    websockets: [],
    tls: { certificate: s.cert, key: s.key },
    maxBodySize: "512m",
    timeoutSeconds: 3600,
    httpPort: 8080,
    httpsPort: 8443,
    scratchDir: s.dir,
    resolver: "127.0.0.11",
    publicHttpsPort: 443,
    ...over,
});

describe.runIf(needNginx)("nginx -t on the generated proxy config", () => {
    it("accepts TLS with the VNC WebSocket route", () => {
        const s = scratch();
        const r = nginxTest(renderNginxConf(site({ websockets: [{ path: "/vnc/", upstream: "backend:6080" }] }, s)), s.dir);
        expect(r.output).toBe("");
        expect(r.status).toBe(0);
    });

    it("accepts plain HTTP (tls none) on a non-default port", () => {
        const s = scratch();
        expect(nginxTest(renderNginxConf(site({ tls: null, publicHttpsPort: 8443 }, s)), s.dir).status).toBe(0);
    });

    it("rejects a broken config, so the check is real", () => {
        const s = scratch();
        const r = nginxTest(renderNginxConf(site({ maxBodySize: "512 m" }, s)), s.dir);
        expect(r.status).not.toBe(0);
        expect(r.output).toMatch(/client_max_body_size/);
    });

    for (const [name, config] of [
        ["standard", DEV],
        ["workers", DEV_WORKERS],
    ] as const) {
        it(`starts nginx with exactly what the dev stack (${name} mode) gives it: the real shell writes the files, nginx -t accepts them`, async () => {
            const s = scratch();
            // A real certificate (the mocks' self-signed one is not): what `provided` hands the proxy.
            const tls = { mode: "provided", certificate: fs.readFileSync(s.cert, "utf8"), key: fs.readFileSync(s.key, "utf8") };
            const run = await stack("dev", merge(config, { ingress: { tls } }));
            const proxy = one(run, T.container, "ingress");
            const [sh, flag, script] = inputs(proxy).entrypoints as string[];
            expect([sh, flag]).toEqual(["sh", "-c"]);
            // `nginx` on PATH checks the config instead of serving it; /tmp (the proxy's tmpfs) is a scratch folder.
            const bin = path.join(s.dir, "bin");
            fs.mkdirSync(bin);
            fs.writeFileSync(path.join(bin, "nginx"), `#!/bin/sh\nexec ${nginx} -t -q -p ${s.dir} "$@"\n`, { mode: 0o755 });
            const env = envOf(proxy);
            const tmp = path.join(s.dir, "tmp");
            fs.mkdirSync(tmp);
            const local = (text: string) => text.replaceAll("/tmp", tmp);
            const log = path.join(s.dir, "start.log");
            const fd = fs.openSync(log, "w");
            const r = spawnSync("sh", ["-c", local(script)], {
                env: { PATH: `${bin}:/usr/bin:/bin`, NGINX_CONF: local(env.NGINX_CONF), TLS_CERT: env.TLS_CERT, TLS_KEY: env.TLS_KEY },
                stdio: ["ignore", fd, fd],
            });
            fs.closeSync(fd);
            expect({ status: r.status, output: fs.readFileSync(log, "utf8") }).toEqual({ status: 0, output: "" });
            expect(fs.readFileSync(path.join(tmp, "tls.key"), "utf8")).toBe(`${env.TLS_KEY}\n`);
            // Written by the proxy's own user, readable by it alone.
            for (const f of ["tls.key", "tls.crt", "nginx.conf"]) expect(fs.statSync(path.join(tmp, f)).mode & 0o777, f).toBe(0o600);
        });
    }
});
