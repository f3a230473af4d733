/** The policy-pack config file our commands take (`--policy-config`, `--config`). */
import { packConfigProblems } from "../policies/lib/config";
import type { PackConfig } from "../policies/evaluate";
import { policies } from "../policies/pack";
import { listProblems } from "../config/load";
import { readJsonFile, UsageError } from "./cli";

/** A policy-pack config file, checked against the pack's policies and schemas. */
export function readPackConfig(flag: string, file: string): PackConfig {
    const config = readJsonFile(flag, file);
    const problems = packConfigProblems(config, policies);
    if (problems.length) throw new UsageError(`${flag} ${file}: ${problems.length} problem${problems.length > 1 ? "s" : ""}:\n  ${listProblems(problems)}`);
    return config as PackConfig;
}
