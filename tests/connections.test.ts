/**
 * Connections: a data service hands each consumer where it is and the
 * credential that consumer holds; no component reaches into another's
 * credentials, and each service knows who holds its credential.
 */
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { compose, type Composition } from "../stacks/compose";
import { resolveConfig } from "../config/load";
import { targetNamed } from "../targets/registry";
import { PROD, runStack } from "./helpers";

const COMPONENTS = path.resolve(__dirname, "..", "components");

async function composed(raw: Record<string, unknown>): Promise<Composition> {
    const { config } = resolveConfig(raw);
    let parts: Composition | undefined;
    await runStack({ stack: "prod", config: {}, build: () => void (parts = compose(targetNamed(config.target).create("prod", config), config)) });
    return parts!;
}

describe("connections", () => {
    it("no component reads another component's credentials: only its own, or what a connection hands it", () => {
        for (const file of fs.readdirSync(COMPONENTS).filter((f) => f.endsWith(".ts"))) {
            const source = fs.readFileSync(path.join(COMPONENTS, file), "utf8");
            const foreign = [...source.matchAll(/(\w+)\.credentials\b/g)].map((m) => m[0]).filter((ref) => ref !== "this.credentials");
            expect(foreign, file).toEqual([]);
        }
    });

    it("each data service knows who holds its credential (prod)", async () => {
        const { postgres, redis, minio } = await composed(PROD);
        expect(postgres.consumers.list()).toEqual(["postgres-backup", "backend", "backend-migrate"]);
        expect(redis!.consumers.list()).toEqual(["backend", "workers"]);
        expect(minio.consumers.list()).toEqual(["postgres-backup", "backend", "workers"]);
    });

    it("a consumer's env holds the references its connection handed it, under the consumer's own names", async () => {
        const { minio } = await composed(PROD);
        const handed = minio.connectionFor("workers");
        expect(handed.accessKey.secret.name).toBe("minio-workers");
        expect(handed.accessKey.secret.root).toBe(false);
        expect(handed.setup).toEqual([minio.setup]);
        expect(minio.consumers.list()).toContain("workers");
    });
});
