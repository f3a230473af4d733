/**
 * Generated inputs for the `--set` parser, the stack-file reader and the
 * config loader: whatever arrives, the answer is a result or one of our own
 * errors (UsageError, ConfigError), nothing is polluted, and no secret is
 * echoed. The next class of bad input should be found here, not by a user.
 */
import * as fc from "fast-check";
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { ConfigError, resolveConfig } from "../config/load";
import { LIMITS, parsePath, readStackConfig, setPath, UsageError } from "../tools/stackconfig";
import { tempFolders } from "./temp";

/** Every temporary folder of this file's tests, removed after them. */
const tmp = tempFolders();

const ROOT = path.resolve(__dirname, "..");
const RUNS = 300;

const notPolluted = () => {
    for (const k of ["polluted", "replicas", "x", "toString2"]) expect(Object.prototype).not.toHaveProperty(k);
};

/** Keys users type, keys attackers type, and noise. */
const segment = fc.oneof(
    fc.constantFrom("workers", "replicas", "images", "backend", "ingress", "tls", "key", "__proto__", "constructor", "prototype", "polluted", "x"),
    fc.string({ minLength: 0, maxLength: 12 }),
);
const index = fc.oneof(fc.nat(300).map(String), fc.constantFrom("4000000000", "99999999999999999999", "-1", ""));
const pathText = fc
    .array(fc.tuple(segment, fc.option(index, { nil: undefined })), { minLength: 1, maxLength: 20 })
    .map((parts) => parts.map(([s, i]) => (i === undefined ? s : `${s}[${i}]`)).join("."));

function ourErrorOrResult(f: () => unknown): void {
    try {
        f();
    } catch (err) {
        if (!(err instanceof UsageError) && !(err instanceof ConfigError)) throw err;
    }
}

describe("the --set parser, on generated paths and values", () => {
    it("returns a result or a UsageError, and pollutes nothing", () => {
        fc.assert(
            fc.property(pathText, fc.string({ maxLength: 40 }), (p, v) => {
                ourErrorOrResult(() => readStackConfig(ROOT, "dev", [`${p}=${v}`]));
                notPolluted();
            }),
            { numRuns: RUNS },
        );
    });

    it("keeps every accepted path within the limits", () => {
        fc.assert(
            fc.property(pathText, (p) => {
                let segments: (string | number)[] | undefined;
                try {
                    segments = parsePath(p, "quorvex");
                } catch (err) {
                    expect(err).toBeInstanceOf(UsageError);
                    return;
                }
                expect(segments.length).toBeLessThanOrEqual(LIMITS.pathSegments);
                for (const s of segments) {
                    if (typeof s === "number") expect(s).toBeLessThanOrEqual(LIMITS.listIndex);
                    else expect(["__proto__", "constructor", "prototype"]).not.toContain(s);
                }
            }),
            { numRuns: RUNS },
        );
    });

    it("reads back what it set, for every well-formed path", () => {
        const name = fc.stringMatching(/^[a-z][a-zA-Z0-9]{0,8}$/).filter((s) => !["constructor", "prototype"].includes(s));
        const wellFormed = fc.array(fc.tuple(name, fc.option(fc.nat(LIMITS.listIndex), { nil: undefined })), { minLength: 1, maxLength: 6 });
        fc.assert(
            fc.property(wellFormed, fc.integer(), (parts, value) => {
                const text = parts.map(([s, i]) => (i === undefined ? s : `${s}[${i}]`)).join(".");
                const segments = parsePath(text, "quorvex");
                const target: Record<string, unknown> = {};
                setPath(target, segments, value);
                let cur: unknown = target;
                for (const s of segments) cur = (cur as Record<string | number, unknown>)[s];
                expect(cur).toBe(value);
            }),
            { numRuns: RUNS },
        );
    });
});

describe("the stack-file reader, on generated files", () => {
    const root = tmp("quorvex-props-");
    fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
    const file = path.join(root, "Pulumi.gen.yaml");

    it("returns a mapping of config or a UsageError for any YAML document", () => {
        const key = fc.oneof(
            fc.constantFrom("config", "confg", "encryptionsalt", "__proto__", "quorvex:workers", "quorvex:__proto__"),
            fc.string({ maxLength: 10 }),
        );
        const doc = fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.dictionary(key, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }));
        fc.assert(
            fc.property(doc, (d) => {
                fs.writeFileSync(file, stringify(d));
                try {
                    const sc = readStackConfig(root, "gen", []);
                    expect(typeof sc.config).toBe("object");
                } catch (err) {
                    expect(err).toBeInstanceOf(UsageError);
                }
                notPolluted();
            }),
            { numRuns: RUNS },
        );
    });

    it("returns a result or a UsageError for arbitrary text", () => {
        fc.assert(
            fc.property(fc.string({ maxLength: 200 }), (text) => {
                fs.writeFileSync(file, text);
                ourErrorOrResult(() => readStackConfig(root, "gen", []));
                notPolluted();
            }),
            { numRuns: RUNS },
        );
    });
});

describe("the config loader, on generated raw config", () => {
    const PEM = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqG\n-----END PRIVATE KEY-----";
    it("returns a config or a ConfigError, never echoing a private key", () => {
        const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(PEM));
        const raw = fc.dictionary(
            fc.constantFrom("target", "mode", "workers", "ingress", "images", "postgres", "docker", "kubernetes", "x"),
            fc.oneof(
                value,
                fc.dictionary(fc.constantFrom("tls", "key", "keyy", "replicas", "memory", "host", "namespace", "__proto__"), value, { maxKeys: 3 }),
            ),
            { maxKeys: 4 },
        );
        fc.assert(
            fc.property(raw, (r) => {
                try {
                    resolveConfig(r as Record<string, unknown>);
                } catch (err) {
                    expect(err).toBeInstanceOf(ConfigError);
                    expect((err as Error).message).not.toContain("MIGHAgEAMBMGByqG");
                }
                notPolluted();
            }),
            { numRuns: RUNS },
        );
    });
});
