import type * as pulumi from "@pulumi/pulumi";
import type { EnvValue, ServiceHandle, Target, TaskHandle } from "../targets/contract";

/** What a data service's setup task does: its own command, env and image user. */
export interface SetupTaskSpec {
    role: string;
    component: string;
    image: string;
    command: pulumi.Input<string>[];
    env: Record<string, EnvValue>;
    user: { uid: number; gid: number };
    /** The task runs again exactly when this changes. */
    runKey: string;
    /** See `WorkloadSpec.imageVolumes`. */
    imageVolumes?: string[];
    /** Its CPU limit in millicores, where its client needs more than the default's half a core. @default 500 */
    cpuLimit?: number;
}

/**
 * Shell lines that run `test` every second until it succeeds, at most `seconds`; then print
 * `failure` (a shell word list, expanded there) to stderr and exit 1. A task's own wait for its
 * service (see `awaitedByConsumers`).
 */
export function waitUntil(test: string, failure: string, seconds: number): string[] {
    return [
        `deadline=$(( $(date +%s) + ${seconds} ))`,
        `until ${test}; do`,
        '    if [ "$(date +%s)" -ge "$deadline" ]; then',
        `        echo "${failure}" >&2`,
        "        exit 1",
        "    fi",
        "    sleep 1",
        "done",
    ];
}

/**
 * A data service's setup task: the one workload besides the server that holds the service's
 * root credential, which it uses to create everyone else's. A small one-shot task that
 * reaches only its service, with a scratch /tmp. Its script's first lines wait until the service
 * answers (the service is `awaitedByConsumers`: Docker does not wait for its health first).
 */
export function setupTask(target: Target, service: ServiceHandle, spec: SetupTaskSpec, parent: pulumi.ComponentResource): TaskHandle {
    const { cpuLimit = 500, ...task } = spec;
    return target.task(
        {
            ...task,
            resources: { cpu: { request: 100, limit: cpuLimit }, memory: { request: 64, limit: 256 } },
            writablePaths: ["/tmp"],
            connectsTo: [service],
            waitFor: [service],
        },
        { parent },
    );
}
