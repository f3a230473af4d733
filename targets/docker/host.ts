/**
 * The size of the Docker host: every container's limits fit inside it. Docker
 * refuses a CPU limit above the host's CPU count (`Range of CPUs is from 0.01
 * to 2.00, as there are only 2 CPUs available`, after the containers before it
 * were created), and a limit of the whole host is no limit at all; so a limit
 * above the host's is capped at the host's, and the plan and preview say so,
 * naming the key. The same holds for memory.
 */
import type { DockerConfig } from "./config";
import type { ResourceBudget } from "../contract";

/** The host as the stack declares it (`docker.hostCpus`, `docker.hostMemory`), in millicores and MiB. */
export interface HostSize {
    cpuMilli: number;
    memoryMiB: number;
}

export const hostSizeOf = (config: DockerConfig): HostSize => ({ cpuMilli: config.docker.hostCpus * 1000, memoryMiB: config.docker.hostMemory });

/** A workload's budget with its limits (and requests) capped at the host's. */
export function withinHost(r: ResourceBudget, host: HostSize): ResourceBudget {
    const cpu = Math.min(r.cpu.limit, host.cpuMilli);
    const memory = Math.min(r.memory.limit, host.memoryMiB);
    return { cpu: { request: Math.min(r.cpu.request, cpu), limit: cpu }, memory: { request: Math.min(r.memory.request, memory), limit: memory } };
}

const cores = (milli: number) => `${milli / 1000}`;

/** One warning per configured limit the host cannot give (`key` names a config key as the user writes it). */
export function hostWarnings(config: DockerConfig, key: (path: string[]) => string): string[] {
    const host = hostSizeOf(config);
    const out: string[] = [];
    for (const [section, value] of Object.entries(config)) {
        const r = (value as { resources?: ResourceBudget } | null)?.resources;
        if (!r?.cpu || !r.memory) continue;
        if (r.cpu.limit > host.cpuMilli) {
            out.push(
                `${key([section, "resources", "cpu", "limit"])} = ${cores(r.cpu.limit)}: above the Docker host's ${config.docker.hostCpus} CPUs (${key(["docker", "hostCpus"])}); its containers get ${config.docker.hostCpus}, the whole host (Docker refuses more)`,
            );
        }
        if (r.memory.limit > host.memoryMiB) {
            out.push(
                `${key([section, "resources", "memory", "limit"])} = ${r.memory.limit}Mi: above the Docker host's ${host.memoryMiB}Mi (${key(["docker", "hostMemory"])}); its containers get ${host.memoryMiB}Mi, the whole host`,
            );
        }
    }
    return out;
}
