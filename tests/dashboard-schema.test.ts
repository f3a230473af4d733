/**
 * The Grafana dashboard the stack deploys, checked against Grafana's own schema: the types
 * `@grafana/schema` generates from it (the dashboard JSON model). The ConfigMap's JSON is
 * compiled as a literal of type `Dashboard`, so a field Grafana does not know, a value of the
 * wrong type or a missing required one is an error naming it. (Every query of it parses
 * through Prometheus's own parser: `tests/engine/alerts.test.ts`.)
 */
import * as path from "path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { all, inputs, merge, PROD, stack } from "./helpers";

/** Grafana's schema's complaints about `board` (`[]`: none). */
function schemaErrors(board: unknown): string[] {
    const file = path.join(__dirname, "dashboard-under-check.ts");
    const text = `import type { Dashboard } from "@grafana/schema";\nexport const board: Dashboard = ${JSON.stringify(board, null, 2)};\n`;
    const options: ts.CompilerOptions = {
        strict: true,
        noEmit: true,
        module: ts.ModuleKind.Node16,
        moduleResolution: ts.ModuleResolutionKind.Node16,
        target: ts.ScriptTarget.ES2022,
        skipLibCheck: true,
        types: [],
    };
    const host = ts.createCompilerHost(options);
    const { getSourceFile, fileExists, readFile } = host;
    host.getSourceFile = (name, language, ...rest) =>
        name === file ? ts.createSourceFile(name, text, language) : getSourceFile.call(host, name, language, ...rest);
    host.fileExists = (name) => name === file || fileExists.call(host, name);
    host.readFile = (name) => (name === file ? text : readFile.call(host, name));
    const program = ts.createProgram([file], options, host);
    return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, " "));
}

describe("the dashboard", () => {
    it("holds to Grafana's dashboard schema, every panel of the fullest stack included", async () => {
        const run = await stack(
            "prod",
            merge(PROD, {
                exporters: { enabled: true },
                tasks: { enabled: true },
                workers: { pools: { firefox: {} } },
                kubernetes: { monitoring: { enabled: true } },
            }),
        );
        const map = all(run, "kubernetes:core/v1:ConfigMap")
            .map(inputs)
            .find((c) => c.metadata.name === "quorvex-dashboard")!;
        const board = JSON.parse(map.data["quorvex.json"]);
        expect(board.panels.length).toBe(9);
        expect(schemaErrors(board)).toEqual([]);
    }, 60_000);

    it("is checked for real: a field Grafana does not know, or a value of the wrong type, is refused by name", () => {
        const panel = { type: "timeseries", gridPos: { h: 8, w: 12, x: 0, y: 0 } };
        expect(schemaErrors({ title: "t", schemaVersion: 39, panels: [panel] })).toEqual([]);
        expect(schemaErrors({ title: "t", schemaVersion: 39, panels: [panel], refreshEvery: "1m" }).join("\n")).toMatch(
            /'"refreshEvery"' does not exist in type 'Dashboard'/,
        );
        expect(schemaErrors({ title: "t", schemaVersion: 39, panels: [{ ...panel, gridPos: { ...panel.gridPos, h: "8" } }] }).join("\n")).toMatch(
            /Type 'string' is not assignable to type 'number'/,
        );
        expect(schemaErrors({ title: "t", panels: [panel] }).join("\n")).toMatch(/'schemaVersion' is missing/);
    }, 60_000);
});
