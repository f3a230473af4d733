/**
 * The Quorvex CrossGuard pack: `pulumi preview --policy-pack policies`.
 * Only builds the pack; the policies live in importable modules (pack.ts).
 */
import { PolicyPack } from "@pulumi/policy";
import { PACK_ENFORCEMENT_LEVEL, PACK_NAME, policies } from "./pack";

new PolicyPack(PACK_NAME, { enforcementLevel: PACK_ENFORCEMENT_LEVEL, policies });
