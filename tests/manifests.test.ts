/** The plan's manifests are the objects as the Kubernetes provider sends them. */
import { describe, expect, it } from "vitest";
import { asSent, SECRET_DATA_PLACEHOLDER } from "../targets/kubernetes/manifests";
import { toYaml } from "../tools/yaml";

describe("a planned manifest", () => {
    it("carries a Secret's stringData as base64 data, as the Kubernetes provider sends it", () => {
        const sent = asSent({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data: { a: "eA==" }, stringData: { b: "hello" } });
        expect(sent).toEqual({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data: { a: "eA==", b: "aGVsbG8=" } });
    });

    it('keeps a redacted value redacted ("[secret]" in base64, so the object still validates)', () => {
        expect(SECRET_DATA_PLACEHOLDER).toBe("W3NlY3JldF0=");
        expect(asSent({ apiVersion: "v1", kind: "Secret", stringData: { p: "[secret]" } }).data).toEqual({ p: SECRET_DATA_PLACEHOLDER });
    });

    it("leaves every other kind as the program wrote it", () => {
        const cm = { apiVersion: "v1", kind: "ConfigMap", data: { a: "b" }, stringData: { c: "d" } };
        expect(asSent(cm)).toBe(cm);
    });

    it("is written as kubectl reads YAML (1.1): strings such as off, on, yes and y stay strings", () => {
        const text = toYaml({ env: [{ name: "MINIO_BROWSER", value: "off" }], a: "on", b: "yes", c: "y", d: "0755" });
        expect(text).toContain('value: "off"');
        for (const v of ['"on"', '"yes"', '"y"', '"0755"']) expect(text).toContain(v);
    });
});
