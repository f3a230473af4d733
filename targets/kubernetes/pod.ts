/** Pod templates: the secure defaults every Quorvex container gets on Kubernetes. */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { formatMiB, formatMilli } from "../../config/quantity";
import { isSecretRef, type Health, type PortSpec, type Probe, type WorkloadSpec } from "../contract";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type Container = k8s.types.input.core.v1.Container;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

/** The hook the kubelet runs before SIGTERM; the grace period covers both. */
function preStop(drain: NonNullable<WorkloadSpec["drain"]>): k8s.types.input.core.v1.LifecycleHandler {
    // The kubelet's own pause: no command in the image needed.
    if ("pauseSeconds" in drain) return { sleep: { seconds: drain.pauseSeconds } };
    return { httpGet: { path: drain.http.path, port: drain.http.port } };
}

export function resourceRequirements(r: WorkloadSpec["resources"]): k8s.types.input.core.v1.ResourceRequirements {
    return {
        requests: { cpu: formatMilli(r.cpu.request), memory: formatMiB(r.memory.request) },
        limits: { cpu: formatMilli(r.cpu.limit), memory: formatMiB(r.memory.limit) },
    };
}

function probe(p: Probe, kind: "readiness" | "liveness", startupSeconds: number): k8s.types.input.core.v1.Probe {
    const action =
        "http" in p ? { httpGet: { path: p.http.path, port: p.http.port } } : "tcp" in p ? { tcpSocket: { port: p.tcp.port } } : { exec: { command: p.exec } };
    return kind === "readiness"
        ? { ...action, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 }
        : { ...action, initialDelaySeconds: startupSeconds, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 };
}

export function probes(h: Health): Pick<Container, "readinessProbe" | "livenessProbe"> {
    const startup = h.startupSeconds ?? 30;
    return { readinessProbe: probe(h.readiness, "readiness", 0), livenessProbe: probe(h.liveness, "liveness", startup) };
}

/** Where a Secret handed as files is mounted (one folder per Secret, one file per key). */
export const SECRET_FILES_DIR = "/run/secrets/quorvex";

export function envVars(env: WorkloadSpec["env"], secretName: (handleName: string) => string): k8s.types.input.core.v1.EnvVar[] {
    return Object.entries(env ?? {}).map(([name, v]) => {
        if (!isSecretRef(v)) return { name, value: v };
        // A file, not a value: the pod's env holds only where it is.
        if (v.file) return { name: `${name}_FILE`, value: `${SECRET_FILES_DIR}/${v.secret.name}/${v.key}` };
        return { name, valueFrom: { secretKeyRef: { name: secretName(v.secret.name), key: v.key } } };
    });
}

/** The read-only Secret volumes, and their mounts, of the secrets an env takes as files. */
export function secretFiles(env: WorkloadSpec["env"], secretName: (handleName: string) => string): { volumes: Volume[]; mounts: VolumeMount[] } {
    const handles = [...new Set(Object.values(env ?? {}).flatMap((v) => (isSecretRef(v) && v.file ? [v.secret.name] : [])))].sort();
    return {
        // Readable by the pod's group (its fsGroup) and nobody else.
        volumes: handles.map((h) => ({ name: `secret-${h}`, secret: { secretName: secretName(h), defaultMode: 0o440 } })),
        mounts: handles.map((h) => ({ name: `secret-${h}`, mountPath: `${SECRET_FILES_DIR}/${h}`, readOnly: true })),
    };
}

/** What one container of a pod is made of. */
export type ContainerPart = Pick<WorkloadSpec, "image" | "command" | "args" | "env" | "resources" | "readOnlyRootFilesystem"> & { name: string };

/**
 * A list, or nothing when it is empty: the API server (and the provider) drop
 * an empty list, so the object we send must not carry one, or what is stored
 * differs from what was sent.
 */
export const nonEmpty = <T>(list: T[] | undefined): T[] | undefined => (list && list.length ? list : undefined);

/** A container with the secure defaults: non-root, no escalation, no capabilities, RuntimeDefault seccomp. */
export function containerBase(part: ContainerPart, secretName: (handleName: string) => string, volumeMounts: VolumeMount[]): Container {
    return {
        name: part.name,
        image: part.image,
        command: part.command,
        args: part.args,
        env: nonEmpty(envVars(part.env, secretName)),
        resources: resourceRequirements(part.resources),
        securityContext: {
            runAsNonRoot: true,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: part.readOnlyRootFilesystem ?? true,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
        },
        volumeMounts: nonEmpty(volumeMounts),
    };
}

/** Volumes and mounts for writable scratch paths of a read-only container. */
export function scratchVolumes(paths: string[] | undefined): { volumes: Volume[]; mounts: VolumeMount[] } {
    const volumes: Volume[] = [];
    const mounts: VolumeMount[] = [];
    for (const path of paths ?? []) {
        volumes.push({ name: scratchName(path), emptyDir: { sizeLimit: "1Gi" } });
        mounts.push({ name: scratchName(path), mountPath: path });
    }
    return { volumes, mounts };
}

/** The pod-level security context and service account settings of every Quorvex pod. */
export function podSecurity(
    spec: Pick<WorkloadSpec, "user">,
    serviceAccountName: string,
): Pick<PodSpec, "serviceAccountName" | "automountServiceAccountToken" | "enableServiceLinks" | "securityContext"> {
    return {
        serviceAccountName,
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: {
            runAsNonRoot: true,
            runAsUser: spec.user.uid,
            runAsGroup: spec.user.gid,
            fsGroup: spec.user.gid,
            // Only when the volume's root is not already ours: the default (Always) walks and re-chowns
            // every file of a data volume on every pod start (millions of MinIO objects).
            fsGroupChangePolicy: "OnRootMismatch",
            seccompProfile: { type: "RuntimeDefault" },
        },
    };
}

export interface PodOptions {
    serviceAccountName: string;
    secretName: (handleName: string) => string;
    ports?: PortSpec[];
    health?: Health;
    /** Extra volumes and mounts (the data PVC, config maps). */
    volumes?: { volume: Volume; mount: VolumeMount }[];
    restartPolicy?: "Always" | "Never" | "OnFailure";
    /** Where the pod runs (node selector, tolerations, affinity, spread, priority). */
    placement?: Pick<PodSpec, "nodeSelector" | "tolerations" | "affinity" | "topologySpreadConstraints" | "priorityClassName">;
}

/** Volume names must be DNS labels: "/var/run/postgresql" -> "tmp-var-run-postgresql". */
const scratchName = (path: string) =>
    `tmp-${
        path
            .replace(/^\/+/, "")
            .replace(/[^a-z0-9]+/g, "-")
            .replace(/-+$/, "") || "root"
    }`.slice(0, 63);

export function podSpec(spec: WorkloadSpec, o: PodOptions): PodSpec {
    const volumes: Volume[] = [];
    const mounts: VolumeMount[] = [];
    if (spec.shmMiB) {
        // /dev/shm in memory; charged to the container's memory limit.
        volumes.push({ name: "dshm", emptyDir: { medium: "Memory", sizeLimit: formatMiB(spec.shmMiB) } });
        mounts.push({ name: "dshm", mountPath: "/dev/shm" });
    }
    const scratch = scratchVolumes(spec.writablePaths);
    volumes.push(...scratch.volumes);
    mounts.push(...scratch.mounts);
    const files = secretFiles(spec.env, o.secretName);
    volumes.push(...files.volumes);
    mounts.push(...files.mounts);
    for (const v of o.volumes ?? []) {
        volumes.push(v.volume);
        mounts.push(v.mount);
    }
    const container: Container = {
        ...containerBase({ ...spec, name: spec.role }, o.secretName, mounts),
        ports: o.ports?.map((p) => ({ name: p.name.slice(0, 15), containerPort: p.port, protocol: "TCP" })),
        ...(o.health ? probes(o.health) : {}),
        ...(spec.drain ? { lifecycle: { preStop: preStop(spec.drain) } } : {}),
    };
    return {
        ...podSecurity(spec, o.serviceAccountName),
        terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds,
        restartPolicy: o.restartPolicy,
        containers: [container],
        volumes: nonEmpty(volumes),
        ...o.placement,
    };
}

/** Values of the Secret handle as Kubernetes `stringData`, kept secret. */
export function stringData(values: Record<string, pulumi.Output<string>>): Record<string, pulumi.Output<string>> {
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, pulumi.secret(v)]));
}
