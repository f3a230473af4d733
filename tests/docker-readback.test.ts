/**
 * The Docker provider's read-back, modelled in docker-provider-model.ts, and
 * the program's values in that form. The model is checked against the
 * provider's own test vectors (kreuzwerker terraform-provider-docker,
 * TestNanoInt64ToDecimalString) and Go's duration format; the program's
 * values against the model, for every CPU limit a stack can hold.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DOCKER_MIN_CPU_LIMIT_MILLI } from "../targets/docker/config";
import { cpuShares, dockerCpus, goDuration } from "../targets/docker/readback";
import { durationSeconds, goDurationString, nanoCpusOf, providerCpus, readBack } from "./docker-provider-model";

describe("the provider model", () => {
    it("reads NanoCPUs back as the provider's own tests pin them", () => {
        const vectors: [bigint, string][] = [
            [0n, "0"],
            [1_000_000_000n, "1.0"],
            [1_500_000_000n, "1.5"],
            [2_000_000_000n, "2.0"],
            [2_250_000_000n, "2.25"],
        ];
        for (const [nano, text] of vectors) expect(providerCpus(nano), String(nano)).toBe(text);
    });

    it("keeps the provider's quirks: ten cores or more lose the decimal, 50m rounds to 0.1", () => {
        expect(providerCpus(10_000_000_000n)).toBe("10.");
        expect(providerCpus(50_000_000n)).toBe("0.1");
        expect(providerCpus(500_000_000n)).toBe("0.5");
    });

    it("prints durations as Go does", () => {
        const go: [number, string][] = [
            [0, "0s"],
            [5, "5s"],
            [59, "59s"],
            [60, "1m0s"],
            [90, "1m30s"],
            [3600, "1h0m0s"],
            [3725, "1h2m5s"],
        ];
        for (const [s, text] of go) expect(goDurationString(s), String(s)).toBe(text);
        expect(durationSeconds("1h2m5s")).toBe(3725);
    });

    it("turns a `cpus` of 2 into 2.0 and a 60s start period into 1m0s: what the old program sent changed on every up", () => {
        const old = { cpus: "2", healthcheck: { interval: "10s", timeout: "5s", startPeriod: "60s" } };
        expect(readBack(old)).toEqual({ cpus: "2.0", healthcheck: { interval: "10s", timeout: "5s", startPeriod: "1m0s" } });
    });
});

describe("the program's Docker values", () => {
    it("send every CPU limit a Docker stack can hold (100m to 64 cores) in the form the provider stores", () => {
        fc.assert(
            fc.property(fc.integer({ min: DOCKER_MIN_CPU_LIMIT_MILLI, max: 64_000 }), (m) => {
                const sent = dockerCpus(m);
                expect(providerCpus(nanoCpusOf(sent))).toBe(sent);
                expect(Math.abs(Number(sent) * 1000 - m)).toBeLessThanOrEqual(50);
            }),
            { numRuns: 2000 },
        );
        for (const m of [250, 500, 1000, 1500, 2000, 8000, 10_000, 16_000]) expect(providerCpus(nanoCpusOf(dockerCpus(m))), String(m)).toBe(dockerCpus(m));
    });

    it("send every healthcheck duration in Go's form", () => {
        fc.assert(
            fc.property(fc.integer({ min: 0, max: 86_400 }), (s) => {
                expect(goDuration(s)).toBe(goDurationString(s));
            }),
        );
    });

    it("refuse a Docker CPU limit the provider cannot store as sent (below 100m)", async () => {
        const { resolveConfig } = await import("../config/load");
        expect(() => resolveConfig({ target: "docker", redis: { resources: { cpu: { request: "50m", limit: "50m" } } } })).toThrow(
            /redis\.resources\.cpu\.limit.*at least 100m on the docker target/,
        );
    });

    it("weight CPU by request, 1024 per core, never below Docker's minimum of 2", () => {
        expect(cpuShares(1000)).toBe(1024);
        expect(cpuShares(500)).toBe(512);
        expect(cpuShares(0)).toBe(2);
    });
});
