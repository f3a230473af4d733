/**
 * A model of what the Docker provider (kreuzwerker's terraform-provider-docker
 * under @pulumi/docker 5.x) stores when it reads a container back, for the
 * fields the program sets and the provider normalises. It stands in for the
 * real provider until the Docker rung of the engine tier can run (the provider
 * cannot be built from the module proxy); each rule is checked against the
 * provider's own test vectors or Go's documented formatting in
 * docker-readback.test.ts.
 *
 *   cpus           Read: nanoInt64ToDecimalString(HostConfig.NanoCPUs), replace on change
 *   healthcheck.*  Read: time.Duration(...).String(), in-place update
 *   capabilities   Read: HostConfig.CapAdd/CapDrop, which dockerd (20.10 on) stores
 *                  normalised: upper case, `CAP_` prefixed, `ALL` as it is; replace on change
 *                  (so a `pulumi refresh` of `CHOWN` stored `CAP_CHOWN` and the next up
 *                  replaced the data services: seen on a real engine)
 */
import type { Json } from "./helpers";

/** Go's big.Rat FloatString(prec) of num/den (both non-negative): the last digit rounded half away from zero. */
function ratFloatString(num: bigint, den: bigint, prec: number): string {
    const scale = 10n ** BigInt(prec);
    let q = (num * scale) / den;
    if (2n * ((num * scale) % den) >= den) q += 1n;
    const int = q / scale;
    return prec === 0 ? `${int}` : `${int}.${(q % scale).toString().padStart(prec, "0")}`;
}

/** The provider's nanoInt64ToDecimalString. */
export function providerCpus(nanoCpus: bigint): string {
    if (nanoCpus === 0n) return "0";
    const str = ratFloatString(nanoCpus, 1_000_000_000n, 9);
    if ((str.match(/0/g) ?? []).length === 9) return ratFloatString(nanoCpus, 1_000_000_000n, 1);
    return str.replace(/0+$/, "");
}

/** What Docker stores for a `cpus` input: the decimal string as NanoCPUs (the CLI's and the provider's parse). */
export function nanoCpusOf(cpus: string): bigint {
    const m = /^(\d+)(?:\.(\d{0,9}))?$/.exec(cpus);
    if (!m) throw new Error(`not a decimal CPU count: ${cpus}`);
    return BigInt(m[1]) * 1_000_000_000n + BigInt((m[2] ?? "").padEnd(9, "0"));
}

/** Go's time.Duration String() for a whole, non-negative number of seconds. */
export function goDurationString(seconds: number): string {
    if (seconds === 0) return "0s";
    let out = "";
    let rest = seconds;
    if (rest >= 3600) {
        out += `${Math.floor(rest / 3600)}h`;
        rest %= 3600;
        return `${out}${Math.floor(rest / 60)}m${rest % 60}s`;
    }
    if (rest >= 60) return `${Math.floor(rest / 60)}m${rest % 60}s`;
    return `${rest}s`;
}

/** Seconds of a Go duration string as Docker's API parses it (h, m, s parts). */
export function durationSeconds(d: string): number {
    const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(d);
    if (!m || d === "") throw new Error(`not a whole-second duration: ${d}`);
    return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

const HEALTH_DURATIONS = ["interval", "timeout", "startPeriod", "startInterval"] as const;

/** dockerd's normalisation of a capability name. */
export function engineCapability(name: string): string {
    const upper = name.toUpperCase();
    return upper === "ALL" || upper.startsWith("CAP_") ? upper : `CAP_${upper}`;
}

/** A container's inputs as the provider stores them after create (its create ends with a read). */
export function readBack(inputs: Json): Json {
    const out: Json = { ...inputs };
    if (inputs.capabilities) {
        out.capabilities = Object.fromEntries(Object.entries(inputs.capabilities as Record<string, string[]>).map(([k, v]) => [k, v.map(engineCapability)]));
    }
    if (typeof inputs.cpus === "string") out.cpus = providerCpus(nanoCpusOf(inputs.cpus));
    if (inputs.healthcheck) {
        out.healthcheck = { ...inputs.healthcheck };
        for (const k of HEALTH_DURATIONS) {
            if (typeof inputs.healthcheck[k] === "string") out.healthcheck[k] = goDurationString(durationSeconds(inputs.healthcheck[k]));
        }
    }
    return out;
}
