/** What the offline tools read from the Docker target's resources (see `../review.ts`). */
import { createHash } from "crypto";
import { dockerLabels } from "../../policies/lib/json";
import { MARKERS } from "../contract";
import { dockerReader } from "../../policies/targets/docker";
import { changesUnder, describeChange, milliOf, wholeMiB, type CapacityRow, type PlanReaders, type ReviewedResource } from "../review";

const VOLUME = "docker:index/volume:Volume";
const CONTAINER = "docker:index/container:Container";
const REMOTE_IMAGE = "docker:index/remoteImage:RemoteImage";

const labelsOf = (r: ReviewedResource) => dockerLabels(r.inputs.labels);

/** One row per service: its containers (replicas) share the `app.kubernetes.io/name` label; one-shot tasks are left out. */
function capacity(resources: ReviewedResource[]): CapacityRow[] {
    const rows = new Map<string, CapacityRow>();
    for (const r of resources) {
        for (const c of dockerReader.containers(r.type, r.name, r.inputs, [])) {
            if (!c.longRunning) continue;
            const labels = labelsOf(r);
            const service = labels["app.kubernetes.io/name"] ?? r.name;
            const row = rows.get(service);
            if (row) {
                row.replicas.min++;
                row.replicas.max++;
                continue;
            }
            rows.set(service, {
                service,
                component: labels["app.kubernetes.io/component"] ?? "",
                kind: "docker.Container",
                replicas: { min: 1, max: 1 },
                cpu: { request: null, limit: milliOf(c.cpuLimitCores) },
                memory: { request: wholeMiB(c.memoryRequestMiB), limit: wholeMiB(c.memoryLimitMiB) },
                shm: wholeMiB(c.shmMiB),
            });
        }
    }
    return [...rows.values()];
}

export const dockerReview: PlanReaders = {
    holdsData: (r) => r.type === VOLUME,
    dataLossReasons(before, after, fields) {
        // Every attribute of a Docker volume is replace-on-change; ignored ones are filtered already.
        if (after.type === VOLUME) return fields.map((f) => `replaces the Docker volume, emptying it (${describeChange(f)})`);
        if (after.type === CONTAINER && (labelsOf(before)[MARKERS.statefulData] || labelsOf(after)[MARKERS.statefulData]))
            return changesUnder(fields, ["volumes"], "moves the data mount of the container");
        return [];
    },
    capacity,
    mockState: (type, inputs) =>
        type === REMOTE_IMAGE
            ? { ...inputs, imageId: `sha256:${createHash("sha256").update(String(inputs.name)).digest("hex")}`, repoDigest: `${inputs.name}` }
            : undefined,
    // The host-memory budget defaults to the stack's own declared host memory.
    policySettings: (config) => ({ "docker-host-memory-budget": { hostMemoryMiB: config.docker.hostMemory } }),
};
