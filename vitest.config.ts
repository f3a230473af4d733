import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["tests/**/*.test.ts"],
        // Each run of the program under mocks takes ~0.1-1 s; CLI tests start node.
        testTimeout: 120_000,
        hookTimeout: 120_000,
        pool: "forks",
    },
});
