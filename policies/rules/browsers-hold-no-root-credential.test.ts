/** `browsers-hold-no-root-credential`: browser workloads never hold a service's root credential. */
import { describe, expect, it } from "vitest";
import { MARKERS } from "../lib/markers";
import { browserDeployment, clone, dockerWorker, violations, workloadFixtures, type Fixture } from "./fixtures";

const POLICY = "browsers-hold-no-root-credential";

describe(POLICY, () => {
    it("passes browser workers that hold only their own credentials, and every other workload", async () => {
        expect(await violations(POLICY, workloadFixtures())).toEqual([]);
    });

    it("flags a Docker browser container that holds MinIO's root credential", async () => {
        const r = dockerWorker();
        r.inputs.labels.push({ label: MARKERS.rootCredentials, value: "minio" });
        expect((await violations(POLICY, r))[0].message).toBe(
            `docker.Container \`quorvex-dev-workers-1\`: runs browsers but holds the root credential of minio (\`${MARKERS.rootCredentials}\`); give it a credential of its own, scoped to what it needs`,
        );
    });

    it("flags a Kubernetes browser pod that holds two services' root credentials, naming both", async () => {
        const r = browserDeployment();
        r.inputs.spec.template.metadata.labels[MARKERS.rootCredentials] = "minio.postgres";
        expect((await violations(POLICY, r))[0].message).toMatch(
            /^container `worker` of Deployment `browser-workers`: runs browsers but holds the root credential of minio, postgres/,
        );
    });

    it("flags a browser image found by its name, without our marker (another stack's workload)", async () => {
        const r: Fixture = clone(browserDeployment());
        delete r.inputs.spec.template.metadata.labels[MARKERS.runsBrowsers];
        r.inputs.spec.template.metadata.labels[MARKERS.rootCredentials] = "redis";
        expect(await violations(POLICY, r)).toHaveLength(1);
    });

    const secret = (name: string, root: boolean): Fixture => ({
        type: "kubernetes:core/v1:Secret",
        name,
        inputs: { apiVersion: "v1", kind: "Secret", metadata: { name, namespace: "qa", labels: root ? { [MARKERS.rootCredentials]: "minio" } : {} } },
    });

    it("flags another stack's browser pod, without our markers, that reads a Secret the stack marks root (env, envFrom or volume)", async () => {
        for (const reads of [
            { env: [{ name: "KEY", valueFrom: { secretKeyRef: { name: "minio-credentials", key: "MINIO_ROOT_PASSWORD" } } }] },
            { envFrom: [{ secretRef: { name: "minio-credentials" } }] },
            {
                volumeMounts: [
                    { name: "dshm", mountPath: "/dev/shm" },
                    { name: "creds", mountPath: "/run/secrets/minio" },
                ],
            },
        ]) {
            const r = browserDeployment();
            delete r.inputs.spec.template.metadata.labels[MARKERS.runsBrowsers];
            Object.assign(r.inputs.spec.template.spec.containers[0], reads);
            r.inputs.spec.template.spec.volumes.push({ name: "creds", secret: { secretName: "minio-credentials" } });
            const found = await violations(POLICY, [r, secret("minio-credentials", true)]);
            expect(found.map((v) => v.message)).toEqual([
                `container \`worker\` of Deployment \`browser-workers\`: runs browsers but holds the root credential of Secret qa/minio-credentials (\`${MARKERS.rootCredentials}\`); give it a credential of its own, scoped to what it needs`,
            ]);
        }
    });

    it("passes a browser pod that reads a Secret of its own, or a root Secret's namesake in another namespace", async () => {
        const r = browserDeployment();
        r.inputs.spec.template.spec.containers[0].env = [
            { name: "KEY", valueFrom: { secretKeyRef: { name: "minio-workers-credentials", key: "MINIO_SECRET_KEY" } } },
        ];
        expect(await violations(POLICY, [r, secret("minio-workers-credentials", false)])).toEqual([]);
        const elsewhere = secret("minio-workers-credentials", true);
        elsewhere.inputs.metadata.namespace = "platform";
        expect(await violations(POLICY, [r, elsewhere])).toEqual([]);
    });

    it("lets a data service hold its own root credential: it runs no browser", async () => {
        const minio = dockerWorker();
        minio.inputs.labels = [{ label: MARKERS.rootCredentials, value: "minio" }];
        minio.inputs.image = "minio/minio:RELEASE.2024-10-13T13-34-11Z";
        expect(await violations(POLICY, minio)).toEqual([]);
    });
});
