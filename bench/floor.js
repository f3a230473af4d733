// The floor: a bare Pulumi program under the same mock runtime as the offline
// plan, registering one resource (QUORVEX_FLOOR_RESOURCES=N: N trivial ones,
// to show Pulumi's own cost per resource). Plain JavaScript, so it can run
// under plain node as well as under the plan's launcher (ts-node).
"use strict";
const pulumi = require("@pulumi/pulumi");

class Thing extends pulumi.CustomResource {
    constructor(name) {
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
    const n = Number(process.env.QUORVEX_FLOOR_RESOURCES || 1);
    await pulumi.runtime.runInPulumiStack(async () => {
        for (let i = 0; i < n; i++) new Thing(`r${i}`);
        return {};
    });
    await require("@pulumi/pulumi/runtime/settings").waitForRPCs();
    process.stdout.write(`${JSON.stringify({ resources: count })}\n`);
}

main().catch((err) => {
    process.stderr.write(`${err}\n`);
    process.exit(1);
});
