/**
 * The policies of the Quorvex pack, as plain arrays: `index.ts` builds the
 * PolicyPack from them, and `npm run policy` / `npm run plan` / the tests run
 * them without an engine. One policy per file under `rules/`, its tests
 * beside it; policies read resources only through the targets' readers
 * (`targets/`).
 */
import type { EnforcementLevel, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { browserWorkersHaveCpuLimits } from "./rules/browser-workers-have-cpu-limits";
import { browserWorkersHaveShm } from "./rules/browser-workers-have-shm";
import { browsersHoldNoRootCredential } from "./rules/browsers-hold-no-root-credential";
import { containersHaveMemoryLimits } from "./rules/containers-have-memory-limits";
import { dockerHostMemoryBudget } from "./rules/docker-host-memory-budget";
import { imagesFromAllowedRegistries } from "./rules/images-from-allowed-registries";
import { ingressRequiresTls } from "./rules/ingress-requires-tls";
import { kubernetesContainersHardened } from "./rules/kubernetes-containers-hardened";
import { memoryWithinBounds } from "./rules/memory-within-bounds";
import { noLatestImages } from "./rules/no-latest-images";
import { oneAutoscalerPerWorkload } from "./rules/one-autoscaler-per-workload";
import { packReadsEveryResource } from "./rules/pack-reads-every-resource";
import { shmWithinMemoryLimit } from "./rules/shm-within-memory-limit";
import { statefulDataProtected } from "./rules/stateful-data-protected";

export const PACK_NAME = "quorvex-memory-guards";
/** Level of a policy that does not set its own. */
export const PACK_ENFORCEMENT_LEVEL: EnforcementLevel = "mandatory";

export const resourcePolicies: ResourceValidationPolicy[] = [
    containersHaveMemoryLimits,
    browserWorkersHaveShm,
    shmWithinMemoryLimit,
    memoryWithinBounds,
    noLatestImages,
    imagesFromAllowedRegistries,
    statefulDataProtected,
    browserWorkersHaveCpuLimits,
    kubernetesContainersHardened,
];

export const stackPolicies: StackValidationPolicy[] = [
    oneAutoscalerPerWorkload,
    dockerHostMemoryBudget,
    browsersHoldNoRootCredential,
    packReadsEveryResource,
    // A Gateway API route is judged with the Gateway it attaches to.
    ingressRequiresTls,
];

export const policies = [...resourcePolicies, ...stackPolicies];
