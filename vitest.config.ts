import { defineConfig } from "vitest/config";

/** .ci/run reads the counts from a JSON report (it prints the closing `tests: N passed, N failed`). */
export const reporting = {
    reporters: process.env.QUORVEX_TEST_REPORT ? ["default", "json"] : ["default"],
    outputFile: process.env.QUORVEX_TEST_REPORT ? { json: process.env.QUORVEX_TEST_REPORT } : undefined,
};

export default defineConfig({
    test: {
        include: ["tests/**/*.test.ts", "policies/**/*.test.ts"],
        // The engine tier needs a Pulumi CLI and providers: `npm run test:engine` (vitest.engine.config.ts).
        exclude: ["tests/engine/**", "**/node_modules/**"],
        // Each run of the program under mocks takes ~0.1-1 s; CLI tests start node.
        testTimeout: 120_000,
        hookTimeout: 120_000,
        pool: "forks",
        // Test files share one module registry per worker: the Pulumi SDKs load once, and runs of
        // the same stack config are shared (tests/helpers.ts caches them).
        isolate: false,
        ...reporting,
    },
});
