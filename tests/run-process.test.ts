import { describe, expect, it } from "vitest";
import { runProcess } from "./engine/harness";

describe("the engine tier's process runner", () => {
    it("reports the exit code of a command that exits without reading its input, and raises nothing", async () => {
        const stray: unknown[] = [];
        const record = (err: unknown) => stray.push(err);
        process.on("uncaughtException", record);
        try {
            // Far more than a pipe holds, so the write is still pending when the command exits.
            const result = await runProcess("sh", ["-c", "exit 3"], { env: process.env, input: "y\n".repeat(4 << 20) });
            await new Promise((r) => setTimeout(r, 200));
            expect(result.code).toBe(3);
            expect(stray).toEqual([]);
        } finally {
            process.off("uncaughtException", record);
        }
    });

    it("hands a command its input", async () => {
        const result = await runProcess("sh", ["-c", 'read -r line; echo "got $line"'], { env: process.env, input: "yes\n" });
        expect(result).toMatchObject({ code: 0, stdout: "got yes\n" });
    });
});
