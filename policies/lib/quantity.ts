/** Kubernetes and Docker size notations, to MiB (policies only read, they never write sizes). */

const SUFFIX: Record<string, number> = {
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
    Pi: 1024 ** 5,
    k: 1e3,
    K: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    m: 1e-3,
    "": 1,
};

/** "2Gi" / "2048Mi" / "2G" / "1e9" / 2147483648 (bytes) -> MiB; undefined when unreadable. */
export function quantityToMiB(q: unknown): number | undefined {
    if (typeof q === "number") return Number.isFinite(q) ? q / 1024 ** 2 : undefined;
    if (typeof q !== "string") return undefined;
    const m = /^\s*([0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)\s*(Ki|Mi|Gi|Ti|Pi|k|K|M|G|T|P|m)?\s*$/.exec(q);
    if (!m) return undefined;
    return (Number(m[1]) * SUFFIX[m[2] ?? ""]) / 1024 ** 2;
}

/** "500m" / "2" / 1.5 -> cores; undefined when unreadable. */
export function quantityToCores(q: unknown): number | undefined {
    if (typeof q === "number") return Number.isFinite(q) ? q : undefined;
    if (typeof q !== "string") return undefined;
    // "10." too: the Docker provider prints whole core counts of ten or more that way.
    const m = /^\s*([0-9]+(?:\.[0-9]*)?)(m)?\s*$/.exec(q);
    if (!m) return undefined;
    return m[2] ? Number(m[1]) / 1000 : Number(m[1]);
}

/** 1536 -> "1.5Gi", 512 -> "512Mi" for messages. */
export function showMiB(mib: number): string {
    if (mib >= 1024) return `${Number((mib / 1024).toFixed(2))}Gi`;
    return `${Number(mib.toFixed(1))}Mi`;
}
