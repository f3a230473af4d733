/** Labels our components set and the policies read; other stacks can set them too (see docs/policies.md). */
export const MARKERS = {
    runsBrowsers: "quorvex.io/runs-browsers",
    statefulData: "quorvex.io/stateful-data",
    protect: "quorvex.io/protect",
    retainOnDelete: "quorvex.io/retain-on-delete",
    /** The root credentials (a service's superuser or admin) a workload holds, `.`-separated: only that service and its setup task may. */
    rootCredentials: "quorvex.io/root-credentials",
} as const;
