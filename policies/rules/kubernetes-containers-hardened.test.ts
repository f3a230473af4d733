/** `kubernetes-containers-hardened`: the compliant fixtures pass; each test breaks one field. */
import { describe, expect, it } from "vitest";
import { workloadFixtures, podPath, violations } from "./fixtures";

describe("kubernetes-containers-hardened", () => {
    it("flags a container that may escalate privileges", async () => {
        const r = workloadFixtures()[1];
        podPath(r).containers[0].securityContext.allowPrivilegeEscalation = true;
        expect((await violations("kubernetes-containers-hardened", r))[0].message).toMatch(/allowPrivilegeEscalation is not false/);
    });
});
