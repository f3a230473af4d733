/**
 * A service as a plug-in: its config section (schema, defaults, its lines of
 * the sizing tables, one line of docs per key) and its rules, registered once
 * in `registry.ts`, the way a target is. The config schema, defaults and docs
 * are assembled from the registered services (`config/`); components still
 * receive validated values from the composition and never read config.
 *
 * A service beyond the platform's six (which the composition wires to each
 * other itself) composes itself too: `compose` places it on the target.
 */
import type { z } from "zod";
import type { Mode } from "../config/fields";
import type { Raw, SizingTable } from "../config/sizing";
import type { PlacementOptions, Target } from "../targets/contract";

/** A config rule: the key it is about (its path within the service's section) and what is wrong. */
export type SectionRule = (path: (string | number)[], message: string) => void;

/** What a service that composes itself gets: the target, its own validated section, and where to place and how to protect. */
export interface ServiceContext<Own> {
    target: Target;
    own: Own;
    placement: Pick<PlacementOptions, "protection">;
}

export interface ServicePlugin<Name extends string = string, Section extends z.ZodType = z.ZodType> {
    /** Its config section (`quorvex:<name>.*`). */
    readonly name: Name;
    /** One line for the config reference: what it is. */
    readonly description: string;
    readonly config: {
        readonly schema: Section;
        readonly defaults: Raw;
        /** Its lines of a sizing table (and anything else that table's targets need of it), laid over `defaults`. */
        readonly sizing?: (table: SizingTable, mode: Mode) => Raw;
        /** One line per key of its section (keys without the section name; `resources.*` is described once for all). */
        readonly docs: Readonly<Record<string, string>>;
    };
    /** Rules within its own section, beyond its schema's (rules between sections belong to the assembly). */
    rules?(own: z.output<Section>, rule: SectionRule): void;
    /** Places a service the composition does not wire itself. */
    compose?(ctx: ServiceContext<z.output<Section>>): void;
}
