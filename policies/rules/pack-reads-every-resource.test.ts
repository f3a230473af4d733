/** `pack-reads-every-resource`: what no reader reads fails, rather than passing every policy unchecked. */
import { describe, expect, it } from "vitest";
import { browserDeployment, dockerWorker, violations, workloadFixtures, type Fixture } from "./fixtures";

const resource = (type: string, inputs: Record<string, unknown> = {}): Fixture => ({ type, name: "thing", inputs });

describe("pack-reads-every-resource", () => {
    it("passes every kind the readers read, inert kinds, and providers that run nothing", async () => {
        const inert = [
            resource("kubernetes:core/v1:ConfigMap", { metadata: { name: "c" }, data: {} }),
            resource("kubernetes:networking.k8s.io/v1:NetworkPolicy", { metadata: { name: "n" }, spec: { podSelector: {} } }),
            resource("docker:index/network:Network", { name: "net" }),
            resource("random:index/randomPassword:RandomPassword", { length: 32 }),
            resource("quorvex:platform:Postgres"),
            resource("pulumi:providers:docker"),
        ];
        expect(await violations("pack-reads-every-resource", [...workloadFixtures(), ...inert])).toEqual([]);
    });

    it("flags a resource of a provider no reader reads (a third target)", async () => {
        const [v] = await violations("pack-reads-every-resource", resource("nomad:index/job:Job", { jobspec: "job {}" }));
        expect(v.message).toBe("nomad:index/job:Job `thing`: no reader of the pack reads nomad resources: it cannot check their memory, images or data");
    });

    it("flags a kind of a known provider that runs containers its reader does not read", async () => {
        const rollout = browserDeployment();
        rollout.type = "kubernetes:argoproj.io/v1alpha1:Rollout";
        const swarm = { ...dockerWorker(), type: "docker:index/service:Service" };
        const found = await violations("pack-reads-every-resource", [rollout, swarm]);
        expect(found.map((v) => v.message)).toEqual([
            expect.stringMatching(/^kubernetes:argoproj\.io\/v1alpha1:Rollout `browser-workers`: the pack's kubernetes reader cannot read this kind/),
            expect.stringMatching(/^docker:index\/service:Service `workers-1`: the pack's docker reader cannot read this kind/),
        ]);
    });

    it("takes more inert providers from its config", async () => {
        expect(
            await violations("pack-reads-every-resource", resource("nomad:index/job:Job"), { "pack-reads-every-resource": { inertPackages: ["nomad"] } }),
        ).toEqual([]);
    });
});
