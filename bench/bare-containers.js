// Reference for the fleet target: Pulumi's own cost for N minimal docker.Container
// resources (image, name, memory) under the mock runtime, with the same
// stack-trace settings as the offline plan. Nothing of this project runs here.
"use strict";
Error.stackTraceLimit = 0;
require("@pulumi/pulumi/runtime/debuggable").debuggablePromise = (p) => p;
const pulumi = require("@pulumi/pulumi");
const docker = require("@pulumi/docker");

(async () => {
    await pulumi.runtime.setMocks({ newResource: (a) => ({ id: a.name, state: a.inputs }), call: (a) => a.inputs }, "bare", "bare", false);
    const n = Number(process.env.QUORVEX_CONTAINERS || 1);
    await pulumi.runtime.runInPulumiStack(async () => {
        for (let i = 0; i < n; i++) new docker.Container(`c${i}`, { image: "nginx:1.27.2-alpine", name: `c${i}`, memory: 2048 });
        return {};
    });
    await require("@pulumi/pulumi/runtime/settings").waitForRPCs();
})().catch((err) => {
    process.stderr.write(`${err}\n`);
    process.exit(1);
});
