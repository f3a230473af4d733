import type { ResourceValidationPolicy } from "@pulumi/policy";
import { MARKERS } from "../lib/markers";
import { containersOf, isWorkloadType } from "../targets";
import { browserPatternsSchema, DEFAULT_BROWSER_IMAGE_PATTERNS, propsOf } from "./common";

export const browsersHoldNoRootCredential: ResourceValidationPolicy = {
    name: "browsers-hold-no-root-credential",
    description: `Containers that run browsers (they load arbitrary web pages, the most exposed part of the platform) hold no root credential: no service's superuser or admin, as the \`${MARKERS.rootCredentials}\` marker lists them. Fix: give the workload its own scoped credential.`,
    enforcementLevel: "mandatory",
    configSchema: { properties: { browserImagePatterns: browserPatternsSchema } },
    validateResource: (args, report) => {
        if (!isWorkloadType(args.type)) return;
        const cfg = args.getConfig<{ browserImagePatterns: string[] }>();
        for (const c of containersOf(args.type, args.name, propsOf(args), cfg.browserImagePatterns ?? DEFAULT_BROWSER_IMAGE_PATTERNS)) {
            if (!c.runsBrowsers || c.rootCredentials.length === 0) continue;
            report(
                `${c.where}: runs browsers but holds the root credential of ${c.rootCredentials.join(", ")} (\`${MARKERS.rootCredentials}\`); give it a credential of its own, scoped to what it needs`,
            );
        }
    },
};
