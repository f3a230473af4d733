/**
 * Config values that reach another language (a shell, SQL, a cron parser, MinIO,
 * a host's ports) are checked against that place's own rules at the door: one
 * line naming the key, the value and the rule, exit 2 from the plan, before any
 * resource exists. Each rule has a refused value and an accepted one at its edge.
 */
import { describe, expect, it } from "vitest";
import { main as plan } from "../tools/plan";
import { inProcess } from "./cli";
import { configProblems, DEV, envOf, inputs, merge, one, stack, T } from "./helpers";
import { HTTP_PROBE } from "../targets/docker/target";

const problems = (over: Record<string, unknown>, base: Record<string, unknown> = DEV): string[] => configProblems(merge(base, over));
const at = (path: string, value: unknown): Record<string, unknown> =>
    path
        .split(".")
        .reverse()
        .reduce<unknown>((v, k) => ({ [k]: v }), value) as Record<string, unknown>;

const EDGES: [key: string, refused: unknown, rule: RegExp, accepted: unknown][] = [
    ["backend.readinessPath", "/health;curl evil|sh", /absolute HTTP path of letters, digits and \/ - \. _ ~ %/, "/health/ready"],
    ["backend.readinessPath", "/h$(id)", /no query, space or shell character/, "/a-b_c.d~e%20/"],
    ["backend.livenessPath", "/live ness", /absolute HTTP path/, "/"],
    ["backup.schedule", "a b c d e", /must be a cron schedule .*minute `a` is not a number/, "17 3 * * *"],
    ["backup.schedule", "0 0 * * 7", /day of week `7` is outside 0-6/, "0 0 * * 6"],
    ["backup.schedule", "TZ=UTC 0 3 * * *", /has a time zone/, "@daily"],
    ["postgres.user", "pg_admin", /Postgres reserves those role names/, "pgadmin"],
    ["postgres.user", "pg", /Postgres reserves/, "pgx"],
    ["postgres.user", "public", /Postgres reserves/, "publicity"],
    ["postgres.database", "template1", /Postgres's own templates/, "template2"],
    ["minio.bucket", "minio", /a name MinIO keeps for itself/, "minio-data"],
    ["minio.bucket", "a..b", /must not have '\.\.', '\.-' or '-\.'/, "a.b.c"],
    ["minio.bucket", "a.-b", /MinIO refuses them/, "a-b.c"],
    ["minio.bucket", "10.0.0.1", /must not be an IP address/, "10.0.0.1a"],
];

describe("a config value bound for another language", () => {
    it.each(EDGES)("%s = %j is refused, naming the key, the value and the rule; its neighbour is taken", (key, bad, rule, good) => {
        const refusedLines = problems(at(key, bad));
        expect(refusedLines).toHaveLength(1);
        expect(refusedLines[0].startsWith(`quorvex:${key} = ${JSON.stringify(bad)}: `), refusedLines[0]).toBe(true);
        expect(refusedLines[0]).toMatch(rule);
        expect(problems(at(key, good))).toEqual([]);
    });

    it("refuses an ingress port that the published data ports take on 127.0.0.1, and takes it without them", () => {
        const clash = { docker: { publishDataPorts: true }, ingress: { httpPort: 5432 } };
        expect(problems(clash)).toEqual([
            "quorvex:ingress.httpPort = 5432: must differ from 5432, where docker.publishDataPorts publishes Postgres on 127.0.0.1",
        ]);
        expect(problems({ ...clash, docker: { publishDataPorts: false } })).toEqual([]);
        expect(problems({ ...clash, ingress: { httpPort: 5432, bindAddress: "10.1.2.3" } })).toEqual([]);
        expect(problems({ docker: { publishDataPorts: true }, ingress: { httpsPort: 9000 } })).toEqual([
            "quorvex:ingress.httpsPort = 9000: must differ from 9000, where docker.publishDataPorts publishes MinIO on 127.0.0.1",
        ]);
    });

    it("stops `npm run plan` with exit 2 and the one line, before any resource exists", async () => {
        const r = await inProcess(plan, ["--stack", "dev", "--set", "backend.readinessPath=/h$(id)"]);
        expect(r.status).toBe(2);
        expect(r.stderr).toContain('quorvex:backend.readinessPath = "/h$(id)": must be an absolute HTTP path');
        expect(r.stdout).toBe("");
    });

    it("reaches the Docker healthcheck as the probe's argument, not as part of its script", async () => {
        const run = await stack("dev", DEV);
        expect(inputs(one(run, T.container, "backend")).healthcheck.tests).toEqual([
            "CMD",
            "sh",
            "-c",
            HTTP_PROBE,
            "probe",
            "http://127.0.0.1:8000/health/ready",
        ]);
        expect(envOf(one(run, T.container, "backend")).PORT).toBe("8000");
    });
});
