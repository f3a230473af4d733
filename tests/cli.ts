import * as path from "path";

/**
 * How package.json's scripts start a tool (`npm run plan`, `policy`, `docs`, `bench`), without npm: ts-node with
 * the program's own tsconfig (transpile-only, swc with its cache). Arguments to `node`.
 */
export const TS_NODE = [require.resolve("ts-node/dist/bin.js"), "-P", path.resolve(__dirname, "..", "tsconfig.pulumi.json")];

/** Runs a CLI's main() in this process, capturing what it writes: the contract without a process start each time. */
export async function inProcess(main: (argv: string[]) => Promise<number>, args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
    let stdout = "";
    let stderr = "";
    const out = process.stdout.write.bind(process.stdout);
    const err = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
    try {
        const status = await main(args);
        return { status, stdout, stderr };
    } finally {
        process.stdout.write = out;
        process.stderr.write = err;
    }
}
