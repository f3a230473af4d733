/**
 * Values in the form the Docker provider stores them after it reads a
 * container back. The provider diffs the program's next inputs against what it
 * stored, so an input in any other form is a change on every `pulumi up`, and
 * for a replace-on-change field (`cpus`) a new container every time.
 */

const NANO_PER_CORE = 1_000_000_000n;

/**
 * How the provider prints NanoCPUs when it reads a container: the nine-decimal
 * form with trailing zeros trimmed, except when that form has exactly nine
 * zeros, which it prints to one decimal, rounded (2 cores are "2.0", 10 cores
 * "10.", 1.5 cores "1.5").
 */
function printedNanoCpus(nano: bigint): string {
    if (nano === 0n) return "0";
    const nine = `${nano / NANO_PER_CORE}.${String(nano % NANO_PER_CORE).padStart(9, "0")}`;
    if (nine.split("").filter((c) => c === "0").length !== 9) return nine.replace(/0+$/, "");
    const tenths = (nano + NANO_PER_CORE / 20n) / (NANO_PER_CORE / 10n);
    return `${tenths / 10n}.${tenths % 10n}`;
}

/** NanoCPUs of a decimal core count, as Docker parses `cpus`. */
function nanoCpus(decimal: string): bigint {
    const [whole, frac = ""] = decimal.split(".");
    return BigInt(whole) * NANO_PER_CORE + BigInt(frac.padEnd(9, "0").slice(0, 9) || "0");
}

/**
 * A CPU limit in the form the provider reads back and then keeps: printed
 * once, and once more from what that print means, since a rounded print
 * (30001m is "30.0") can read back differently ("30."). The second print is
 * stable. 2000m is "2.0", 500m "0.5", 250m "0.25", 30001m "30.".
 */
export function dockerCpus(millicores: number): string {
    return printedNanoCpus(nanoCpus(printedNanoCpus(BigInt(Math.round(millicores)) * 1_000_000n)));
}

/** A whole number of seconds as Go prints a duration (healthcheck times): 30 is "30s", 60 "1m0s", 3600 "1h0m0s". */
export function goDuration(seconds: number): string {
    const s = Math.round(seconds);
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    return `${h ? `${h}h` : ""}${h || m ? `${m}m` : ""}${s % 60}s`;
}

/** Docker's relative CPU weight for a request: 1024 per core, at least 2 (Docker's minimum). */
export function cpuShares(millicores: number): number {
    return Math.max(2, Math.round((1024 * millicores) / 1000));
}

/**
 * A capability as Docker reports it when the provider reads a container back (`CAP_CHOWN`,
 * and `ALL` as it is): in any other form a `pulumi refresh` stores a change, and `capabilities`
 * is replace-on-change, so the next `up` would replace the container (a data service included).
 */
export function dockerCapability(name: string): string {
    const upper = name.toUpperCase();
    return upper === "ALL" || upper.startsWith("CAP_") ? upper : `CAP_${upper}`;
}
