/**
 * How another team consumes the Quorvex platform: read its outputs through a
 * StackReference and check them against the published contract before using
 * them. A platform stack that renamed, retyped or un-secreted an output fails
 * this program at preview time, with the list of what broke.
 *
 * The contract module is plain TypeScript + zod: vendor `contract/outputs.ts`
 * or depend on this repository.
 */
import * as pulumi from "@pulumi/pulumi";
import { CONTRACT_VERSION, OUTPUT_NAMES, outputsSchema, SECRET_OUTPUTS, type StackOutputs } from "../../contract/outputs";

const config = new pulumi.Config();
const platformStack = config.require("platformStack");
const platform = new pulumi.StackReference(platformStack);

const isSecretOutput = (name: string) => (SECRET_OUTPUTS as readonly string[]).includes(name);

/** Every output of the contract, checked for presence, type and secrecy. */
async function readContract(): Promise<StackOutputs> {
    const details = await Promise.all(OUTPUT_NAMES.map(async (name) => [name, await platform.getOutputDetails(name)] as const));
    const values: Record<string, unknown> = {};
    const problems: string[] = [];
    for (const [name, d] of details) {
        const secret = d.secretValue !== undefined;
        const value = secret ? d.secretValue : d.value;
        values[name] = value;
        if (value === undefined) continue; // reported by the schema as missing
        if (isSecretOutput(name) && !secret && value !== null) problems.push(`${name}: must be secret`);
        if (!isSecretOutput(name) && secret) problems.push(`${name}: is secret but the contract says plain`);
    }
    const parsed = outputsSchema.safeParse(values);
    if (!parsed.success) problems.push(...parsed.error.issues.map((i) => `${i.path.join(".") || "(outputs)"}: ${i.message}`));
    if (problems.length) {
        throw new pulumi.RunError(`stack ${platformStack} does not meet the Quorvex outputs contract ${CONTRACT_VERSION}:\n  ${problems.join("\n  ")}`);
    }
    return parsed.data!;
}

const contract = pulumi.output(readContract());

/** What the consuming team's test runners call. */
export const apiUrl = contract.apply((c) => c.backendUrl);
/** Where they queue browser jobs, when the platform runs workers. */
export const jobQueue = contract.apply((c) => c.browserJobQueue);
export const workerCapacity = contract.apply((c) => (c.workerPoolMaxReplicas === null ? 0 : c.workerPoolMaxReplicas));
/** Their reporting job reads results from the database, as the platform's read-only role: stays secret. */
export const reportingDatabaseUrl = pulumi.secret(contract.apply((c) => c.databaseUrl));
/** Their dashboard fetches archived reports from the artifact bucket, with a user that can only read it: stays secret. */
export const artifactReader = pulumi.secret(
    contract.apply((c) => ({ endpoint: c.minioEndpoint, bucket: c.minioBucket, accessKey: c.minioAccessKey, secretKey: c.minioSecretKey })),
);
export const platformContractVersion = contract.apply((c) => c.contractVersion);
