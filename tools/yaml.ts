import { stringify } from "yaml";

/** An object as YAML for kubectl and for people. */
export function toYaml(object: Record<string, unknown>): string {
    // YAML 1.1, as kubectl reads it (sigs.k8s.io/yaml): strings like `off`, `yes` or `on` come out quoted,
    // where YAML 1.2 would leave them bare and kubectl would read booleans.
    return stringify(object, { lineWidth: 0, version: "1.1" });
}
