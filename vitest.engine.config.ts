import { defineConfig } from "vitest/config";
import { reporting } from "./vitest.config";

/**
 * The engine tier (`npm run test:engine`): the program through a real Pulumi
 * CLI and real providers. Slow (each `pulumi up` starts the engine, the
 * language host, the program and the providers), so it is its own project;
 * `npm test` never runs it.
 */
export default defineConfig({
    test: {
        include: ["tests/engine/**/*.test.ts"],
        testTimeout: 600_000,
        hookTimeout: 900_000,
        pool: "forks",
        // One file at a time: every file drives several engines, and the machine has two cores.
        fileParallelism: false,
        ...reporting,
    },
});
