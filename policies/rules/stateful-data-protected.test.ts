/** `stateful-data-protected`: the compliant fixtures pass; each test breaks one field. */
import { describe, expect, it } from "vitest";
import { type ResourceRecord } from "../evaluate";
import { MARKERS } from "../lib/markers";
import { violations, type Fixture } from "./fixtures";

describe("stateful-data-protected", () => {
    const pvc = (labels: Record<string, string>, protect: boolean): Fixture => ({
        type: "kubernetes:core/v1:PersistentVolumeClaim",
        name: "postgres-data",
        inputs: { metadata: { name: "postgres-data", labels } },
        options: { protect },
    });
    const keep = { [MARKERS.statefulData]: "postgres", [MARKERS.protect]: "true", [MARKERS.retainOnDelete]: "true" };
    const loose = { [MARKERS.statefulData]: "postgres", [MARKERS.protect]: "false", [MARKERS.retainOnDelete]: "false" };

    it("passes a protected PVC, a docker volume the stack lets go, and unmarked data without requireProtection", async () => {
        const vol: ResourceRecord = {
            type: "docker:index/volume:Volume",
            name: "v",
            inputs: { name: "v", labels: [{ label: MARKERS.statefulData, value: "redis" }] },
        };
        expect(await violations("stateful-data-protected", [pvc(keep, true), pvc(loose, false), vol, pvc({}, false)])).toEqual([]);
    });

    it("flags a resource the stack marked to keep but that is not protected", async () => {
        expect((await violations("stateful-data-protected", pvc(keep, false)))[0].message).toMatch(
            /PersistentVolumeClaim `postgres-data`: holds postgres data the stack must keep .* not protected/,
        );
    });

    it("with requireProtection (prod), flags any unprotected data volume, ours or not", async () => {
        const cfg = { "stateful-data-protected": { requireProtection: true } };
        expect(await violations("stateful-data-protected", pvc(loose, false), cfg)).toHaveLength(1);
        expect(await violations("stateful-data-protected", pvc({}, false), cfg)).toHaveLength(1);
        expect(await violations("stateful-data-protected", pvc({ ...loose, [MARKERS.retainOnDelete]: "true" }, false), cfg)).toHaveLength(0);
    });
});

// --- stack policies -------------------------------------------------------------
