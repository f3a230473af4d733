/** Images a new user can pull today, a registry mirror, pull credentials and allowed registries. */
import { describe, expect, it } from "vitest";
import { fromRegistry } from "../config/images";
import { parseImageRef, unpinnedReason } from "../policies/lib/images";
import { main as plan } from "../tools/plan";
import { planStack } from "../tools/planner";
import { inProcess } from "./cli";

const images = async (...args: string[]) => {
    const r = await inProcess(plan, ["--images", ...args]);
    expect(r.status, r.stderr).toBe(0);
    return r.stdout.trim().split("\n");
};

describe("an image reference", () => {
    it.each([
        ["postgres:16.4-alpine", "docker.io", "library/postgres", ":16.4-alpine"],
        ["minio/minio:RELEASE.2024-10-13T13-34-11Z", "docker.io", "minio/minio", ":RELEASE.2024-10-13T13-34-11Z"],
        ["quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z", "quay.io", "minio/mc", ":RELEASE.2025-08-13T08-35-41Z"],
        ["registry.local:5000/team/app@sha256:" + "a".repeat(64), "registry.local:5000", "team/app", "@sha256:" + "a".repeat(64)],
        ["localhost/app:1", "localhost", "app", ":1"],
    ])("%s comes from %s", (ref, registry, repoPath, suffix) => {
        expect(parseImageRef(ref)).toMatchObject({ registry, path: repoPath, suffix });
    });

    it("is pinned by a tag other than latest, or by a digest", () => {
        expect(unpinnedReason("postgres:16.4")).toBeUndefined();
        expect(unpinnedReason("registry.local:5000/app@sha256:" + "a".repeat(64))).toBeUndefined();
        expect(unpinnedReason("registry.local:5000/app")).toMatch(/no tag/);
        expect(unpinnedReason("postgres:latest")).toMatch(/latest/);
    });

    it("moves to a mirror with its path (official images under library/)", () => {
        expect(fromRegistry("postgres:16.4-alpine", "mirror.corp/hub/")).toBe("mirror.corp/hub/library/postgres:16.4-alpine");
        expect(fromRegistry("quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z", "mirror.corp")).toBe("mirror.corp/minio/minio:RELEASE.2025-09-07T16-13-09Z");
    });
});

describe("npm run plan -- --images", () => {
    it("lists the dev stack's images, none from Docker Hub's deleted minio/* repositories", async () => {
        const list = await images("--stack", "dev");
        expect(list).toContain("quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z");
        expect(list).toContain("quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z");
        expect(list.filter((i) => /^(docker\.io\/)?minio\//.test(i))).toEqual([]);
        expect(list).toEqual([...new Set(list)].sort());
    });

    it("with a mirror, lists only mirrored images", async () => {
        for (const stack of ["dev", "prod"]) {
            const list = await images("--stack", stack, "--set", "registry.mirror=mirror.corp.example.com/hub");
            expect(list.length).toBeGreaterThan(4);
            for (const i of list) expect(i, stack).toMatch(/^mirror\.corp\.example\.com\/hub\//);
        }
    });

    it("keeps an image set explicitly as written, mirror or not", async () => {
        const list = await images("--stack", "prod", "--set", "registry.mirror=mirror.corp", "--set", "images.redis=registry.other/redis:7.4.2");
        expect(list).toContain("registry.other/redis:7.4.2");
        expect(list.filter((i) => !i.startsWith("mirror.corp/"))).toEqual(["registry.other/redis:7.4.2"]);
    });

    it("prints one JSON document with --json", async () => {
        const r = await inProcess(plan, ["--stack", "prod", "--images", "--json"]);
        expect(JSON.parse(r.stdout)).toEqual({ stack: "prod", images: expect.arrayContaining(["quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z"]) });
    });
});

describe("pull credentials", () => {
    it("Kubernetes: every ServiceAccount pulls with the named Secrets", async () => {
        const { document } = await planStack({ stack: "prod", sets: ["registry.pullSecrets[0]=corp-registry", "registry.pullSecrets[1]=mirror-pull"] });
        const accounts = document.resources.filter((r) => r.type === "kubernetes:core/v1:ServiceAccount");
        expect(accounts.length).toBeGreaterThan(4);
        for (const sa of accounts) expect(sa.inputs.imagePullSecrets, sa.name).toEqual([{ name: "corp-registry" }, { name: "mirror-pull" }]);
    });

    it("Docker: the provider gets the registry credentials, secret in the plan", async () => {
        const { document } = await planStack({
            stack: "dev",
            sets: ["registry.auth[0].address=registry.corp.example.com", "registry.auth[0].username=deploy", "registry.auth[0].password=s3cr3t-token"],
        });
        const provider = document.resources.find((r) => r.type === "pulumi:providers:docker");
        // The list holds a secret, so the whole list is secret (in the plan as in state).
        expect(provider?.inputs.registryAuth).toBe("[secret]");
        expect(JSON.stringify(document)).not.toContain("s3cr3t-token");
    });

    it("is refused where that target cannot use it", async () => {
        await expect(planStack({ stack: "dev", sets: ["registry.pullSecrets[0]=x"] })).rejects.toThrow(
            /quorvex:registry\.pullSecrets = .*must be empty on the docker target/,
        );
        await expect(
            planStack({ stack: "prod", sets: ["registry.auth[0].address=r.io", "registry.auth[0].username=u", "registry.auth[0].password=p"] }),
        ).rejects.toThrow(/quorvex:registry\.auth = .*must be empty on the kubernetes target/);
    });
});

describe("the images-from-allowed-registries policy", () => {
    const violations = async (sets: string[], allowed?: string[]) => {
        const policyConfig = allowed ? { "images-from-allowed-registries": { enforcementLevel: "mandatory" as const, allowedRegistries: allowed } } : undefined;
        const { document } = await planStack({ stack: "prod", sets, policyConfig });
        return document.policy.violations.filter((v) => v.policy === "images-from-allowed-registries");
    };

    it("passes the default images with its default registries", async () => {
        expect(await violations([])).toEqual([]);
    });

    it("names every image from a registry the config does not allow", async () => {
        const found = await violations([], ["mirror.corp"]);
        expect(found.length).toBeGreaterThan(4);
        expect(found.every((v) => v.level === "mandatory")).toBe(true);
        expect(found.map((v) => v.message).join("\n")).toMatch(
            /image `quay\.io\/minio\/minio:RELEASE\.2025-09-07T16-13-09Z` .* comes from quay\.io, which is not an allowed registry \(mirror\.corp\)/,
        );
    });

    it("passes a stack whose mirror is the allowed registry", async () => {
        expect(await violations(["registry.mirror=mirror.corp/hub"], ["mirror.corp/hub"])).toEqual([]);
    });
});
