/**
 * The pack's entry (package.json's `main`), in JavaScript so that it runs before any of the
 * pack's TypeScript loads: `pulumi preview --policy-pack` loads a pack through ts-node with
 * type-checking forced on, which parsed and bound the pack with every declaration it imports
 * at each preview and up (about 1.7 s of a 5.6 s preview of prod, measured side by side). The
 * type-check runs in CI (`npm run typecheck`, and `tsc -p policies` alone); here the pack's
 * files are transpiled only. Where the loader is not the ts-node this finds (the runtime's
 * vendored copy), the runtime's own loader stays in place and type-checks, as before.
 */
"use strict";
const path = require("path");

function transpileOnly() {
    let tsNode;
    try {
        tsNode = require("ts-node");
    } catch {
        return;
    }
    const typeChecking = process[tsNode.REGISTER_INSTANCE];
    if (!typeChecking || typeChecking.options.transpileOnly) return;
    // Registered first, then the type-checking one is switched off: .ts files are never without a loader.
    tsNode.register({ project: path.join(__dirname, "tsconfig.json"), transpileOnly: true });
    typeChecking.enabled(false);
}

transpileOnly();
require("./index.ts");
