/**
 * Quorvex platform: reads and validates the stack config, composes the six
 * parts on the chosen target, and exports the outputs contract.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "./config/pulumi";
import { stackOutputs } from "./stacks/outputs";

const stack = pulumi.getStack();
const { config, warnings } = loadStackConfig();
for (const w of warnings) pulumi.log.warn(w);

// Only the chosen target's modules (and provider SDK) are loaded.
function build() {
    if (config.target === "docker") {
        const { dockerStack } = require("./stacks/docker") as typeof import("./stacks/docker");
        const { parts } = dockerStack(stack, config);
        return stackOutputs(stack, config, null, parts);
    }
    const { kubernetesStack } = require("./stacks/kubernetes") as typeof import("./stacks/kubernetes");
    const { parts, namespace } = kubernetesStack(stack, config);
    return stackOutputs(stack, config, namespace, parts);
}

export = build();
