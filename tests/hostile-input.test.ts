/**
 * `npm run plan` and `npm run policy` run in CI on pull requests, so their
 * input is partly attacker-controlled. Every bad input gets exit 2 and one
 * clear message naming the argument, key or file and the rule; no stack
 * trace (exit 3 is for our own bugs), nothing written, no secret echoed, and
 * quickly.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { resolveConfig } from "../config/load";
import { main as plan } from "../tools/plan";
import { main as policy } from "../tools/policy";
import { inProcess, TS_NODE } from "./cli";
import { tempFolders } from "./temp";

const ROOT = path.resolve(__dirname, "..");
const tempFolder = tempFolders();
const tmp = () => tempFolder("quorvex-hostile-");
const PEM_KEY = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----";

/** Exit 2 with a message that matches, no trace, quickly. */
async function refused(run: Promise<{ status: number; stdout: string; stderr: string }>, message: RegExp) {
    const start = Date.now();
    const r = await run;
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
    expect(Date.now() - start).toBeLessThan(5_000);
    return r;
}
const runPlan = (...args: string[]) => inProcess(plan, args);
const runPolicy = (...args: string[]) => inProcess(policy, args);

describe("output through a pipe", () => {
    /** Runs the real command with a reader that waits before reading: every byte must still arrive. */
    function throughSlowPipe(script: string, args: string[]): Promise<{ code: number; stdout: string }> {
        return new Promise((resolve, reject) => {
            const child = spawn(process.execPath, [...TS_NODE, path.join(ROOT, "tools", script), ...args], {
                cwd: ROOT,
                stdio: ["ignore", "pipe", "pipe"],
            });
            const chunks: Buffer[] = [];
            child.stdout.pause();
            setTimeout(() => child.stdout.resume(), 3_000);
            child.stdout.on("data", (d: Buffer) => chunks.push(d));
            child.on("error", reject);
            child.on("close", (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(chunks).toString() }));
        });
    }

    it("delivers the whole `plan --json` document to a slow reader", async () => {
        const r = await throughSlowPipe("plan.ts", ["--stack", "prod", "--json"]);
        expect(r.code).toBe(0);
        expect(r.stdout.length).toBeGreaterThan(64 * 1024);
        expect(() => JSON.parse(r.stdout)).not.toThrow();
    });

    it("delivers the whole `policy --json` report to a slow reader", async () => {
        const dir = tmp();
        expect((await runPlan("--stack", "prod", "--out", dir)).status).toBe(0);
        const resources = JSON.parse(fs.readFileSync(path.join(dir, "resources.json"), "utf8")) as unknown[];
        // Enough violations to pass a pipe's 64 KiB: many copies of an unpinned, unlimited container.
        const broken = Array.from({ length: 600 }, (_, i) => ({
            type: "docker:index/container:Container",
            name: `c${i}`,
            inputs: { image: "nginx:latest", name: `c${i}` },
        }));
        fs.writeFileSync(path.join(dir, "many.json"), JSON.stringify([...resources, ...broken]));
        const r = await throughSlowPipe("policy.ts", ["--resources", path.join(dir, "many.json"), "--json"]);
        expect(r.code).toBe(1);
        expect(r.stdout.length).toBeGreaterThan(64 * 1024);
        expect((JSON.parse(r.stdout) as { violations: unknown[] }).violations.length).toBeGreaterThan(600);
    });
});

describe("keys that would reach a prototype", () => {
    for (const key of ["__proto__.polluted", "constructor.prototype.polluted", "workers.__proto__.replicas", "prototype"]) {
        it(`refuses --set ${key}=1 as an unknown key, and pollutes nothing`, async () => {
            await refused(runPlan("--stack", "dev", "--set", `${key}=1`), /unknown key/);
            expect(({} as Record<string, unknown>).polluted).toBeUndefined();
            expect(Object.prototype).not.toHaveProperty("replicas");
        });
    }

    it("refuses a stack file whose config holds a __proto__ key", async () => {
        const root = tmp();
        fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
        fs.writeFileSync(path.join(root, "Pulumi.evil.yaml"), "config:\n  quorvex:workers:\n    __proto__:\n      polluted: true\n");
        const { readStackConfig } = await import("../tools/stackconfig");
        expect(() => readStackConfig(root, "evil", [])).toThrow(/quorvex:workers\.__proto__: unknown key/);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it("refuses a __proto__ key that reaches the config loader by another way (pulumi config) as unknown", () => {
        const raw = JSON.parse('{"workers": {"__proto__": {"replicas": 3}}}') as Record<string, unknown>;
        expect(() => resolveConfig(raw)).toThrow(/quorvex:workers\.__proto__ = .*unknown key/);
    });
});

describe("sizes with bounds", () => {
    it("refuses a list index in the billions at once", async () => {
        await refused(runPlan("--stack", "prod", "--set", "kubernetes.workerEgressPorts[4000000000]=443"), /list index 4000000000 is above 255/);
    });

    it("refuses a path of thousands of segments without overflowing the stack", async () => {
        await refused(runPlan("--stack", "dev", "--set", `${Array.from({ length: 5000 }, () => "a").join(".")}=1`), /at most 256 characters/);
        await refused(runPlan("--stack", "dev", "--set", `${Array.from({ length: 40 }, () => "a").join(".")}=1`), /at most 16 segments/);
    });

    it("prints at most 20 problems, then counts the rest", async () => {
        const sets = Array.from({ length: 150 }, (_, i) => `--set=unknown${i}=1`).flatMap((s) => ["--set", s.slice(6)]);
        const r = await refused(runPlan("--stack", "dev", ...sets), /\.\.\. and 130 more/);
        expect(r.stderr.split("\n").length).toBeLessThan(30);
    });

    it("refuses more than 200 --set options", async () => {
        await refused(runPlan("--stack", "dev", ...Array.from({ length: 201 }, () => ["--set", "workers.replicas=2"]).flat()), /at most 200 --set/);
    });

    it("refuses an image name of 100,000 characters", async () => {
        await refused(runPlan("--stack", "dev", "--set", `images.backend=${"a".repeat(100_000)}:1.0`), /at most 65536 characters/);
        await refused(runPlan("--stack", "dev", "--set", `images.backend=${"a".repeat(600)}:1.0`), /quorvex:images\.backend = .*at most 512 characters/);
    });
});

describe("stack files that are not what they seem", () => {
    function withStackFile(text: string): string {
        const root = tmp();
        fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
        fs.writeFileSync(path.join(root, "Pulumi.odd.yaml"), text);
        return root;
    }
    const read = async (root: string) => (await import("../tools/stackconfig")).readStackConfig(root, "odd", []);

    it("refuses a stack file that is a list", async () => {
        await expect(read(withStackFile("- quorvex:target: kubernetes\n"))).rejects.toThrow(/Pulumi\.odd\.yaml: expected a mapping of keys .*found a list/);
    });

    it("refuses a stack file that is a scalar", async () => {
        await expect(read(withStackFile("just text\n"))).rejects.toThrow(/found a string/);
    });

    it("refuses a misspelled `config:` instead of planning the defaults", async () => {
        await expect(read(withStackFile("confg:\n  quorvex:target: kubernetes\n"))).rejects.toThrow(
            /unknown top-level key `confg` \(did you mean `config`\?\)/,
        );
    });

    it("refuses a `config:` that is not a mapping", async () => {
        await expect(read(withStackFile("config: [1, 2]\n"))).rejects.toThrow(/`config:` must be a mapping/);
    });

    it("lets --set override an encrypted value, and names the encrypted key itself", async () => {
        const root = withStackFile("config:\n  quorvex:ingress:\n    tls:\n      key:\n        secure: AAABAMz0\n");
        const { readStackConfig } = await import("../tools/stackconfig");
        expect(() => readStackConfig(root, "odd", [])).toThrow(/quorvex:ingress\.tls\.key is encrypted .*--set ingress\.tls\.key=<value>/);
        expect(readStackConfig(root, "odd", ["ingress.tls.key=x"]).config.ingress).toEqual({ tls: { key: "x" } });
    });
});

describe("values that pass a type check but make no sense", () => {
    const problem = (raw: Record<string, unknown>) => {
        try {
            resolveConfig(raw);
            return "";
        } catch (err) {
            return (err as Error).message;
        }
    };

    it("refuses a memory size without a unit (MiB to Docker, bytes to Kubernetes)", () => {
        expect(problem({ postgres: { resources: { memory: { request: 4, limit: 4 } } } })).toMatch(
            /quorvex:postgres\.resources\.memory\.limit = 4: needs a unit/,
        );
        expect(problem({ postgres: { resources: { memory: { request: "4096", limit: "4096" } } } })).toMatch(/needs a unit/);
    });

    it("bounds memory at 1Ti and volumes at 64Ti", () => {
        expect(problem({ backend: { resources: { memory: { request: "1Gi", limit: "2Ti" } } } })).toMatch(/memory\.limit = "2Ti": must be at most 1Ti/);
        expect(problem({ postgres: { storageSize: "100Ti" } })).toMatch(/storageSize = "100Ti": must be at most 64Ti/);
        expect(problem({ docker: { hostMemory: "8Ti" } })).toMatch(/hostMemory = "8Ti": must be at most 1Ti/);
        expect(problem({ postgres: { storageSize: "2Ti" } })).toBe("");
    });

    it("takes only a Docker engine address as docker.host", () => {
        expect(problem({ docker: { host: "my laptop" } })).toMatch(/quorvex:docker\.host = "my laptop": must be a Docker engine address/);
        for (const host of ["unix:///var/run/docker.sock", "tcp://10.0.0.5:2376", "ssh://deploy@build-host", "ssh://deploy@build-host:2222"]) {
            expect(problem({ docker: { host } }), host).toBe("");
        }
    });

    it("refuses a system namespace as the platform's namespace", () => {
        for (const ns of ["kube-system", "kube-public", "kube-node-lease", "default", "kube-anything"]) {
            expect(problem({ target: "kubernetes", kubernetes: { namespace: ns } }), ns).toMatch(/must be the platform's own namespace/);
        }
        expect(problem({ target: "kubernetes", kubernetes: { namespace: "quorvex" } })).toBe("");
    });
});

describe("secrets in messages", () => {
    it("never echoes a private key under a mistyped key", async () => {
        const r = await refused(runPlan("--stack", "prod", "--set", `ingress.tls.keyy=${PEM_KEY}`), /quorvex:ingress\.tls\.keyy = "\[secret\]": unknown key/);
        expect(r.stderr + r.stdout).not.toContain("MIGHAgEAMBMG");
    });

    it("never echoes a PEM block pasted under any unknown key", () => {
        const message = (() => {
            try {
                resolveConfig({ ingress: { tlsx: { pem: PEM_KEY } } });
                return "";
            } catch (err) {
                return (err as Error).message;
            }
        })();
        expect(message).toMatch(/quorvex:ingress\.tlsx = "\[secret\]"/);
        expect(message).not.toContain("MIGHAgEAMBMG");
    });

    it("never echoes a password inside a list refused as a whole (registry.auth on a target whose cluster pulls)", () => {
        const message = (() => {
            try {
                resolveConfig({ target: "kubernetes", registry: { auth: [{ address: "r.example.com", username: "ci", password: "hunter2-registry-token" }] } });
                return "";
            } catch (err) {
                return (err as Error).message;
            }
        })();
        expect(message).toMatch(/quorvex:registry\.auth = \[\{"address":"r\.example\.com","username":"ci","password":"\[secret\]"\}\]: must be empty/);
        expect(message).not.toContain("hunter2");
    });
});

describe("files given on the command line", () => {
    async function compareWith(resources: unknown) {
        const dir = tmp();
        fs.writeFileSync(path.join(dir, "old.json"), JSON.stringify(resources));
        return runPlan("--stack", "prod", "--compare", path.join(dir, "old.json"));
    }
    const pvc = (name: string, extra: Record<string, unknown> = {}) => ({
        type: "kubernetes:core/v1:PersistentVolumeClaim",
        name,
        parent: null,
        inputs: { metadata: { name }, spec: { resources: { requests: { storage: "1Gi" } } } },
        ...extra,
    });

    it("--compare refuses a resource that is its own parent", async () => {
        await refused(compareWith([pvc("a", { parent: "kubernetes:core/v1:PersistentVolumeClaim::a" })]), /parent chain of .*::a loops/);
    });

    it("--compare refuses a parent cycle", async () => {
        await refused(
            compareWith([
                pvc("a", { parent: "kubernetes:core/v1:PersistentVolumeClaim::b" }),
                pvc("b", { parent: "kubernetes:core/v1:PersistentVolumeClaim::a" }),
            ]),
            /loops/,
        );
    });

    it("--compare refuses a parent that is not a string", async () => {
        await refused(compareWith([pvc("a", { parent: 42 })]), /"parent" must be a string or null/);
    });

    it("--compare fails closed on a data-holding resource it cannot read", async () => {
        await refused(
            compareWith([{ type: "kubernetes:core/v1:PersistentVolumeClaim", name: "postgres-data", parent: null, inputs: { spec: "oops" } }]),
            /holds data but has no readable metadata and spec/,
        );
    });

    it("--compare refuses a missing or corrupt file", async () => {
        await refused(runPlan("--stack", "prod", "--compare", "/nonexistent/old.json"), /--compare \/nonexistent\/old\.json: cannot read it \(no such file\)/);
        const dir = tmp();
        fs.writeFileSync(path.join(dir, "bad.json"), "{not json");
        await refused(runPlan("--stack", "prod", "--compare", path.join(dir, "bad.json")), /not JSON/);
    });

    it("--out refuses a file, a device, /proc, an empty name and an unwritable place, and writes nothing", async () => {
        const dir = tmp();
        const file = path.join(dir, "a-file");
        fs.writeFileSync(file, "x");
        await refused(runPlan("--stack", "prod", "--out", file), /--out .*a-file: cannot write there \(it exists and is not a directory\)/);
        await refused(runPlan("--stack", "prod", "--out", "/dev/null"), /not a place for output files/);
        await refused(runPlan("--stack", "prod", "--out", "/proc/self"), /not a place for output files/);
        await refused(runPlan("--stack", "prod", "--out", ""), /--out needs a directory name/);
        if (process.getuid?.() !== 0) {
            fs.chmodSync(dir, 0o500);
            await refused(runPlan("--stack", "prod", "--out", path.join(dir, "sub")), /cannot write there/);
        }
        expect(fs.readFileSync(file, "utf8")).toBe("x");
    });

    it("--policy-config refuses a missing, corrupt or misspelled file", async () => {
        await refused(runPlan("--stack", "prod", "--policy-config", "/nonexistent.json"), /--policy-config \/nonexistent\.json: cannot read it/);
        const dir = tmp();
        fs.writeFileSync(path.join(dir, "bad.json"), "[1");
        await refused(runPlan("--stack", "prod", "--policy-config", path.join(dir, "bad.json")), /not JSON/);
        fs.writeFileSync(path.join(dir, "typo.json"), JSON.stringify({ "browser-workers-have-shmm": { minShmMiB: 2048 } }));
        await refused(runPlan("--stack", "prod", "--policy-config", path.join(dir, "typo.json")), /browser-workers-have-shmm: unknown policy/);
    });

    it("--policy-config refuses an invalid enforcement level or threshold instead of turning a policy off", async () => {
        const dir = tmp();
        for (const [config, message] of [
            [{ "browser-workers-have-shm": "mandtory" }, /browser-workers-have-shm = "mandtory": must be an enforcement level/],
            [{ "browser-workers-have-shm": { enforcementLevel: "off" } }, /enforcementLevel = "off": must be one of/],
            [{ "browser-workers-have-shm": { minShmMiB: "lots" } }, /minShmMiB = "lots": must be a number/],
            [{ "browser-workers-have-shm": { minShmMiB: -1 } }, /minShmMiB = -1: must be at least 0/],
            [{ "memory-within-bounds": { browser: { minMiB: "x" } } }, /memory-within-bounds\.browser\.minMiB = "x": must be a number/],
        ] as const) {
            const file = path.join(dir, "c.json");
            fs.writeFileSync(file, JSON.stringify(config));
            await refused(runPlan("--stack", "prod", "--policy-config", file), message);
            await refused(runPolicy("--resources", path.join(ROOT, "package.json"), "--config", file), message);
        }
    });

    it("the checked-in policy config passes its own check", async () => {
        const r = await runPlan("--stack", "prod", "--policy-config", path.join(ROOT, "policies", "policy-config.json"));
        expect(r.status, r.stderr).toBe(0);
    });
});
