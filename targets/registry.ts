/**
 * Every target the program deploys to. Adding one is its own folder under
 * `targets/` (a `TargetPlugin` and the `Target` it creates) and one entry here.
 * The first entry is the default of `quorvex:target`.
 */
import type { z } from "zod";
import { docker } from "./docker";
import { kubernetes } from "./kubernetes";
import type { TargetPlugin } from "./plugin";

export const TARGETS = [docker, kubernetes] as const;

export type TargetName = (typeof TARGETS)[number]["name"];

/** Each target's own config section, under its name. */
export type TargetSections = { [T in (typeof TARGETS)[number] as T["name"]]: z.output<T["config"]["schema"]> };

/** The registered target of that name. */
export function targetNamed(name: string, targets: readonly TargetPlugin[] = TARGETS): TargetPlugin {
    const found = targets.find((t) => t.name === name);
    if (!found) throw new Error(`no target named ${JSON.stringify(name)} (registered: ${targets.map((t) => t.name).join(", ")})`);
    return found;
}
