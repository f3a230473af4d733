/**
 * ts-node's swc transpiler with a cache on disk: every run of the program (`pulumi preview`
 * and `up`, `npm run plan`, the docs and policy tools) transpiles the same 90-odd files of ours
 * the same way, so each file's output is kept, by the hash of its text and of everything that
 * decides the output, in `node_modules/.cache/quorvex-transpile/` (or `$QUORVEX_TRANSPILE_CACHE`).
 * A file that changed is transpiled again (its hash is new); swc is loaded only then. Plain
 * JavaScript: ts-node requires a transpiler before it can load TypeScript
 * (`tsconfig.pulumi.json`, `"ts-node"`).
 */
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const DEFAULT_CACHE = path.join(__dirname, "..", "node_modules", ".cache", "quorvex-transpile");
/** What else decides the output: the transpilers' versions. */
const VERSIONS = ["ts-node", "@swc/core"].map((p) => `${p}@${require(`${p}/package.json`).version}`).join(" ");

const sha = (...parts) => {
    const h = crypto.createHash("sha256");
    for (const p of parts) h.update(p).update("\0");
    return h.digest("hex");
};

/** @param {import("ts-node").CreateTranspilerOptions & Record<string, unknown>} options */
exports.create = (options) => {
    /** @type {import("ts-node").Transpiler | undefined} */
    let swc;
    const cache = process.env.QUORVEX_TRANSPILE_CACHE || DEFAULT_CACHE;
    const { service, ...rest } = options;
    const salt = sha(
        VERSIONS,
        JSON.stringify(service.config.options),
        JSON.stringify(rest, (k, v) => (typeof v === "function" ? undefined : v)),
    );
    return {
        /** @param {string} input @param {{ fileName: string }} opts */
        transpile(input, opts) {
            const file = path.join(cache, `${sha(salt, opts.fileName, input)}.json`);
            try {
                const cached = JSON.parse(fs.readFileSync(file, "utf8"));
                if (typeof cached.outputText === "string") return cached;
            } catch {
                // Not cached yet (or unreadable): transpile it.
            }
            swc ??= require("ts-node/transpilers/swc").create(options);
            const out = swc.transpile(input, opts);
            try {
                // Whole or not at all: a concurrent run reads either nothing or the complete file.
                fs.mkdirSync(cache, { recursive: true });
                const tmp = `${file}.${process.pid}.tmp`;
                fs.writeFileSync(tmp, JSON.stringify({ outputText: out.outputText, sourceMapText: out.sourceMapText }));
                fs.renameSync(tmp, file);
            } catch {
                // A read-only checkout still runs, uncached.
            }
            return out;
        },
    };
};
