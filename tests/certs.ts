/** A throwaway self-signed certificate made by the real openssl, in a fresh directory. */
import { execFileSync } from "child_process";
import * as path from "path";

/** For `host` (its subject and its one DNS name), in `dir` (a folder the caller removes: `tempFolders()`). */
export function selfSigned(dir: string, host = "quorvex.localhost"): { dir: string; cert: string; key: string } {
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
