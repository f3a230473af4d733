/**
 * Quorvex platform: reads and validates the stack config, composes the six
 * parts on the chosen target, and exports the outputs contract.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "./config/pulumi";
import { compose } from "./stacks/compose";
import { stackOutputs } from "./stacks/outputs";
import { targetNamed } from "./targets/registry";

const stack = pulumi.getStack();
const { config, warnings } = loadStackConfig();
for (const w of warnings) pulumi.log.warn(w);

// Only the chosen target's modules (and provider SDK) are loaded.
const target = targetNamed(config.target).create(stack, config);
export = stackOutputs(stack, config, target.namespace, compose(target, config));
