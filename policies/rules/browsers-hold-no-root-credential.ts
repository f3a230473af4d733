import type { StackValidationPolicy } from "@pulumi/policy";
import { obj } from "../lib/json";
import { MARKERS } from "../lib/markers";
import { containersOf, isWorkloadType, rootSecretOf } from "../targets";
import { browserPatternsSchema, DEFAULT_BROWSER_IMAGE_PATTERNS } from "./common";

export const browsersHoldNoRootCredential: StackValidationPolicy = {
    name: "browsers-hold-no-root-credential",
    description: `Containers that run browsers (they load arbitrary web pages, the most exposed part of the platform) hold no root credential: no service's superuser or admin, as the \`${MARKERS.rootCredentials}\` marker lists them on a workload, and no Secret of the stack that carries that marker (a workload without our markers is caught by the Secret it reads). Fix: give the workload its own scoped credential.`,
    enforcementLevel: "mandatory",
    configSchema: { properties: { browserImagePatterns: browserPatternsSchema } },
    validateStack: (args, report) => {
        const cfg = args.getConfig<{ browserImagePatterns: string[] }>();
        const rootSecrets = new Set(args.resources.flatMap((r) => rootSecretOf(r.type, r.name, obj(r.props)) ?? []));
        for (const r of args.resources) {
            if (!isWorkloadType(r.type)) continue;
            for (const c of containersOf(r.type, r.name, obj(r.props), cfg.browserImagePatterns ?? DEFAULT_BROWSER_IMAGE_PATTERNS)) {
                if (!c.runsBrowsers) continue;
                const held = [...c.rootCredentials, ...c.secretRefs.filter((s) => rootSecrets.has(s)).map((s) => `Secret ${s}`)];
                if (held.length === 0) continue;
                report(
                    `${c.where}: runs browsers but holds the root credential of ${held.join(", ")} (\`${MARKERS.rootCredentials}\`); give it a credential of its own, scoped to what it needs`,
                );
            }
        }
    },
};
