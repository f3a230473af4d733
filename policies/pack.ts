/**
 * The policies of the Quorvex pack, as plain arrays: `index.ts` builds the
 * PolicyPack from them, and `npm run policy` / `npm run plan` / the tests run
 * them without an engine.
 */
import type { EnforcementLevel, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { browserWorkersHaveCpuLimits } from "./rules/cpu";
import { statefulDataProtected } from "./rules/data";
import { kubernetesContainersHardened } from "./rules/hardening";
import { imagesFromAllowedRegistries, noLatestImages } from "./rules/images";
import { ingressRequiresTls } from "./rules/ingress";
import { containersHaveMemoryLimits, memoryWithinBounds } from "./rules/memory";
import { browserWorkersHaveShm, shmWithinMemoryLimit } from "./rules/shm";
import { dockerHostMemoryBudget, oneAutoscalerPerWorkload } from "./rules/stack";

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
    ingressRequiresTls,
    kubernetesContainersHardened,
];

export const stackPolicies: StackValidationPolicy[] = [oneAutoscalerPerWorkload, dockerHostMemoryBudget];

export const policies = [...resourcePolicies, ...stackPolicies];
