/**
 * The outputs contract: same names on both targets, secrets secret and only
 * them, valid against the published schema - and a consuming program that
 * breaks when the contract does.
 */
import * as path from "path";
import { describe, expect, it } from "vitest";
import { OUTPUT_NAMES, outputsSchema, SECRET_OUTPUTS } from "../contract/outputs";
import { ProgramFailed, type StackRun } from "../tools/harness";
import { planStack } from "../tools/planner";
import { DEV, DEV_WORKERS, PROD, PROD_KEDA, runStack, stack } from "./helpers";

const CONSUMER = path.join(__dirname, "..", "examples", "consumer", "index.ts");
const VARIANTS = { dev: ["dev", DEV], "dev workers": ["dev", DEV_WORKERS], prod: ["prod", PROD], "prod keda": ["prod", PROD_KEDA] } as const;

const values = (run: StackRun) => Object.fromEntries(Object.entries(run.outputs).map(([k, v]) => [k, v.value]));

describe.each(Object.entries(VARIANTS))("outputs of %s", (_title, [name, config]) => {
    it("are exactly the contract's names and valid against its schema", async () => {
        const run = await stack(name, config);
        expect(Object.keys(run.outputs).sort()).toEqual([...OUTPUT_NAMES].sort());
        expect(outputsSchema.safeParse(values(run)).error?.issues ?? []).toEqual([]);
    });

    it("are secret exactly where the contract says, and plain everywhere else", async () => {
        const run = await stack(name, config);
        for (const [output, { value, secret }] of Object.entries(run.outputs)) {
            const shouldBeSecret = (SECRET_OUTPUTS as readonly string[]).includes(output) && value !== null;
            expect(secret, output).toBe(shouldBeSecret);
        }
    });
});

describe("the offline plan's outputs", () => {
    it("show the same output names on dev and prod, secrets as [secret]", async () => {
        const [dev, prod] = await Promise.all([planStack({ stack: "dev" }), planStack({ stack: "prod" })]);
        expect(Object.keys(dev.document.outputs)).toEqual(Object.keys(prod.document.outputs));
        for (const doc of [dev.document, prod.document]) {
            for (const s of SECRET_OUTPUTS) expect(doc.outputs[s]).toBe("[secret]");
            expect(doc.outputs.backendUrl).toMatch(/^https:\/\//);
        }
    });
});

async function consume(platform: Record<string, { value: unknown; secret: boolean }>) {
    return runStack({
        stack: "consumer",
        project: "quorvex-consumer",
        program: CONSUMER,
        config: {},
        extraConfig: { "quorvex-consumer:platformStack": "acme/quorvex/platform" },
        stackReferences: { "acme/quorvex/platform": platform },
    });
}

describe("the example consumer (examples/consumer)", () => {
    for (const [title, [name, config]] of Object.entries(VARIANTS)) {
        it(`reads and validates the real outputs of ${title}, keeping secrets secret`, async () => {
            const platform = (await stack(name, config)).outputs;
            const run = await consume(platform);
            expect(run.outputs.apiUrl).toEqual({ value: platform.backendUrl.value, secret: false });
            expect(run.outputs.reportingDatabaseUrl.secret).toBe(true);
            expect(run.outputs.reportingDatabaseUrl.value).toBe(platform.databaseUrl.value);
            expect(run.outputs.platformContractVersion.value).toBe("2.3.0");
        });
    }

    const broken = async (edit: (o: Record<string, { value: unknown; secret: boolean }>) => void) => {
        const platform = structuredClone((await stack("prod", PROD)).outputs);
        edit(platform);
        return consume(platform).then(
            () => {
                throw new Error("the consumer accepted a broken contract");
            },
            (err: ProgramFailed) => err.message,
        );
    };

    it("fails when an output is renamed, naming it", async () => {
        const message = await broken((o) => {
            o.backendURL = o.backendUrl;
            delete (o as Record<string, unknown>).backendUrl;
        });
        expect(message).toMatch(/does not meet the Quorvex outputs contract/);
        expect(message).toMatch(/backendUrl: .*(expected|Invalid)/i);
    });

    it("fails when an output changes type", async () => {
        expect(await broken((o) => (o.postgresPort = { value: "5432", secret: false }))).toMatch(/postgresPort: /);
    });

    it("fails when a secret output becomes plain", async () => {
        expect(await broken((o) => (o.databaseUrl = { ...o.databaseUrl, secret: false }))).toMatch(/databaseUrl: must be secret/);
    });

    it("fails on a new major version of the contract", async () => {
        expect(await broken((o) => (o.contractVersion = { value: "3.0.0", secret: false }))).toMatch(/contractVersion: /);
    });

    it("fails on a stack of contract 1.x, whose credentials were root ones", async () => {
        expect(await broken((o) => (o.contractVersion = { value: "1.0.0", secret: false }))).toMatch(/contractVersion: /);
    });
});
