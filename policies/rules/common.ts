import type { ResourceValidationArgs } from "@pulumi/policy";

/** Image names (substrings) that identify browser containers in stacks that do not set our marker. */
export const DEFAULT_BROWSER_IMAGE_PATTERNS = ["mcr.microsoft.com/playwright", "browserless/", "selenium/", "zenika/alpine-chrome", "quorvex-browser-worker"];

export const browserPatternsSchema = {
    type: "array" as const,
    items: { type: "string" as const },
    default: DEFAULT_BROWSER_IMAGE_PATTERNS,
    description: "Substrings of image names that run browsers, besides containers labelled quorvex.io/runs-browsers=true.",
};

export type Props = Record<string, unknown>;

/** Policies read inputs as plain JSON. */
export function propsOf(args: ResourceValidationArgs): Props {
    return (args.props ?? {}) as Props;
}
