import * as pulumi from "@pulumi/pulumi";
import { ConfigError, rawFromPulumiConfig, resolveConfig, type ResolvedConfig } from "./load";

/**
 * Reads and validates the stack's `quorvex:*` config. A bad value stops the
 * program before any resource is registered, with every problem listed.
 */
export function loadStackConfig(): ResolvedConfig {
    try {
        return resolveConfig(rawFromPulumiConfig(pulumi.runtime.allConfig()));
    } catch (err) {
        if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
        throw err;
    }
}
