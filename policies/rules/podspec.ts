import { isWorkloadType, kubernetesKind, POD_PATHS, resourceName } from "../lib/workloads";
import { obj, type Obj } from "../lib/json";

/** The pod spec of a Kubernetes workload and where it sits. */
export function podOf(type: string, props: Obj): { pod: Obj; path: string } | undefined {
    const kind = kubernetesKind(type);
    if (!kind || !isWorkloadType(type)) return undefined;
    const path = POD_PATHS[kind];
    let pod: Obj = props;
    for (const p of path) pod = obj(pod[p]);
    return { pod, path: path.join(".") };
}

/** Every (init) container spec of a Kubernetes workload, raw. */
export function containerSpecs(type: string, name: string, props: Obj): { container: Obj; where: string; field: string }[] {
    const found = podOf(type, props);
    if (!found) return [];
    const out: { container: Obj; where: string; field: string }[] = [];
    for (const list of ["containers", "initContainers"] as const) {
        const items = Array.isArray(found.pod[list]) ? (found.pod[list] as unknown[]) : [];
        items.forEach((c, i) => {
            const container = obj(c);
            const cname = typeof container.name === "string" ? container.name : `#${i}`;
            out.push({
                container,
                where: `${list === "initContainers" ? "init container" : "container"} \`${cname}\` of ${resourceName(type, name, props)}`,
                field: `${found.path}.${list}[${i}]`,
            });
        });
    }
    return out;
}
