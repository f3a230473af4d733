/**
 * The check that the platform answers through its way in, after every `pulumi up`
 * that changes what answers there (the backend, the proxy or route, the
 * certificate): a GET of the backend's readiness path through the route, over
 * TLS with the certificate checked for the host. It runs on the deploying
 * machine (`@pulumi/command`, with the Node.js that runs the program), retries
 * until its deadline, and fails the `up` with the reason the last try gave.
 * Runners that cannot reach the host turn it off (`ingress.check.enabled`).
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { RouteHandle } from "../targets/contract";

/**
 * The check itself, in JavaScript for `node -e`: every value comes from the
 * environment (CHECK_*), none is written into the code. Without CHECK_CA the
 * system's roots are trusted; with it, those roots and CHECK_CA (a self-signed
 * certificate trusts itself).
 */
export const ENTRY_CHECK = `
const { CHECK_URL, CHECK_ADDRESS, CHECK_PORT, CHECK_CA, CHECK_TIMEOUT, CHECK_HINT } = process.env;
const url = new URL(CHECK_URL);
const secure = url.protocol === "https:";
const lib = require(secure ? "https" : "http");
const ca = CHECK_CA ? [...require("tls").rootCertificates, CHECK_CA] : undefined;
const deadline = Date.now() + Number(CHECK_TIMEOUT) * 1000;
const once = () =>
    new Promise((resolve) => {
        const req = lib.request(
            {
                host: CHECK_ADDRESS || url.hostname,
                port: Number(CHECK_PORT || url.port || (secure ? 443 : 80)),
                path: url.pathname + url.search,
                method: "GET",
                headers: { host: url.host },
                servername: url.hostname,
                ca,
                timeout: 10000,
            },
            (res) => {
                res.resume();
                resolve(res.statusCode === 200 ? null : "it answered HTTP " + res.statusCode);
            },
        );
        req.on("timeout", () => req.destroy(new Error("no answer within 10 s")));
        req.on("error", (e) => resolve(e.code ? e.code + ": " + e.message : e.message));
        req.end();
    });
(async () => {
    let reason = "it was never tried";
    for (;;) {
        reason = await once();
        if (reason === null) return console.log(CHECK_URL + " answers 200");
        if (Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 2000));
    }
    console.error("the platform does not answer at " + CHECK_URL + " (checked for " + CHECK_TIMEOUT + " s): " + reason);
    if (CHECK_HINT) console.error(CHECK_HINT);
    process.exit(1);
})();
`;

export interface EntryCheckArgs {
    route: RouteHandle;
    /** The path that answers 200 when the platform is ready (the backend's readiness path). */
    path: string;
    timeoutSeconds: number;
}

/** The check as a resource: created, and so run, again whenever the route's revision changes. */
export function entryCheck(name: string, args: EntryCheckArgs, parent: pulumi.Resource): command.local.Command {
    const { entry } = args.route;
    const environment: Record<string, pulumi.Input<string>> = {
        CHECK_URL: `${args.route.url}${args.path}`,
        CHECK_TIMEOUT: String(args.timeoutSeconds),
    };
    if (entry.connect) {
        environment.CHECK_ADDRESS = entry.connect.address;
        environment.CHECK_PORT = String(entry.connect.port);
    }
    if (entry.trust) environment.CHECK_CA = entry.trust;
    if (entry.hint) environment.CHECK_HINT = entry.hint;
    return new command.local.Command(
        name,
        { interpreter: ["node", "-e"], create: ENTRY_CHECK, environment, triggers: [entry.revision] },
        { parent, dependsOn: args.route.ready },
    );
}
