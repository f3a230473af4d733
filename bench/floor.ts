/**
 * The floor: a bare Pulumi program under the same mock runtime and the same
 * launcher as `npm run plan` (node + ts-node + @pulumi/pulumi), registering
 * one resource. Everything the plan costs above this is ours.
 */
import * as pulumi from "@pulumi/pulumi";

class Thing extends pulumi.CustomResource {
    constructor(name: string) {
        super("floor:index:Thing", name, { size: 1 });
    }
}

async function main() {
    let count = 0;
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                count++;
                return { id: `${args.name}-id`, state: args.inputs };
            },
            call: (args) => args.inputs,
        },
        "floor",
        "floor",
        false,
    );
    await pulumi.runtime.runInPulumiStack(async () => {
        new Thing("one");
        return {};
    });
    const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
    await settings.waitForRPCs();
    process.stdout.write(`${JSON.stringify({ resources: count })}\n`);
}

main().catch((err) => {
    process.stderr.write(`${err}\n`);
    process.exit(1);
});
