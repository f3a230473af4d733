/** A throwaway self-signed certificate made by the real openssl, in a fresh directory. */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** For `host` (its subject and its one DNS name). */
export function selfSigned(prefix = "quorvex-cert-", host = "quorvex.localhost"): { dir: string; cert: string; key: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    const cert = path.join(dir, "tls.crt");
    const key = path.join(dir, "tls.key");
    const args = [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-days",
        "1",
        "-subj",
        `/CN=${host}`,
        "-addext",
        `subjectAltName=DNS:${host}`,
        "-keyout",
        key,
        "-out",
        cert,
    ];
    execFileSync("openssl", args, { stdio: "ignore" });
    return { dir, cert, key };
}
