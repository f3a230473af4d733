/**
 * The value types of the stack config: sizes with units, CPU amounts,
 * integers that may arrive as text, image references, names. The shared
 * schema (`schema.ts`) and every target's own section are built from these,
 * so one kind of value is checked, and explained, the same way everywhere.
 */
import { z } from "zod";
import { unpinnedReason } from "../policies/lib/images";
import { cronProblem } from "./cron";
import { parseCpuMilli, parseMemoryMiB } from "./quantity";

/** The largest memory figure any key takes (a container limit, /dev/shm, a host's memory). */
export const MAX_MEMORY = "1Ti";
/** The largest volume a key takes (the largest single cloud block volume is 64 TiB). */
export const MAX_STORAGE = "64Ti";

/**
 * A size with its unit. A bare number is refused: Docker reads it as MiB and
 * Kubernetes as bytes, so "4" would mean two very different things.
 */
const size = (max: string, what: string) =>
    z.union([z.string(), z.number()], { error: `must be a ${what} such as 512Mi or 2Gi` }).transform((v, ctx) => {
        if (typeof v === "number" || /^\s*\d+(\.\d+)?\s*$/.test(v)) {
            ctx.addIssue({ code: "custom", message: `needs a unit, such as 512Mi or 2Gi (a bare number is MiB to Docker but bytes to Kubernetes)` });
            return z.NEVER;
        }
        const mib = parseMemoryMiB(v);
        if (mib === undefined) {
            ctx.addIssue({ code: "custom", message: `must be a ${what} such as 512Mi or 2Gi (whole MiB, above 0)` });
            return z.NEVER;
        }
        if (mib > parseMemoryMiB(max)!) {
            ctx.addIssue({ code: "custom", message: `must be at most ${max}` });
            return z.NEVER;
        }
        return mib;
    });

export const memory = size(MAX_MEMORY, "memory size");
export const storage = size(MAX_STORAGE, "volume size");

export const cpu = z.union([z.string(), z.number()], { error: "must be a CPU amount such as 500m or 2" }).transform((v, ctx) => {
    const milli = parseCpuMilli(v);
    if (milli === undefined) {
        ctx.addIssue({ code: "custom", message: "must be a CPU amount such as 500m or 2 (above 0)" });
        return z.NEVER;
    }
    return milli;
});

/** Integers may arrive as strings from `pulumi config set` without --path. */
export const int = (min: number, max: number) =>
    z.preprocess(
        (v) => (typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : v),
        z
            .number({ error: `must be an integer from ${min} to ${max}` })
            .int({ error: `must be an integer from ${min} to ${max}` })
            .min(min, { error: `must be an integer from ${min} to ${max}` })
            .max(max, { error: `must be an integer from ${min} to ${max}` }),
    );

export const bool = z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean({ error: "must be true or false" }));

export const image = z
    .string({ error: "must be an image reference with an explicit tag, e.g. postgres:16.4" })
    .max(512, { error: "must be an image reference of at most 512 characters" })
    .regex(/^[a-z0-9][a-z0-9._\-/]*(:\d+\/[a-z0-9._\-/]+)?(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/, {
        error: "must be an image reference such as registry/name:tag (lowercase name)",
    })
    .refine((s) => unpinnedReason(s) === undefined, { error: "must pin an explicit tag other than `latest` (or a digest)" });

export const dnsLabel = z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, { error: "must be a DNS-1123 label (lowercase letters, digits, '-', at most 63)" });
/** An IPv4 network in CIDR notation: `169.254.0.0/16`, `10.96.0.10/32`. */
export const ipv4Cidr = z.string().refine(
    (v) => {
        const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(v);
        return m !== null && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
    },
    { error: "must be an IPv4 network in CIDR notation, such as 169.254.0.0/16" },
);
/** A registry host, with an optional port and path prefix: `mirror.corp.example.com:5000/hub`. */
export const registryHost = z
    .string()
    .max(253, { error: "must be at most 253 characters" })
    .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?(\/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*$/, {
        error: "must be a registry host such as registry.example.com, with an optional :port and /path",
    });
export const dnsSubdomain = z
    .string()
    .regex(/^(?=.{1,253}$)[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, { error: "must be a Kubernetes object name (lowercase, digits, '-', '.')" });

export const hostname = z.string().regex(/^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/, {
    error: "must be a lowercase DNS host name such as quorvex.example.com",
});
/** A bucket name as MinIO takes it (it refuses the rest at creation: the setup task would fail). */
export const bucket = z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: "must be an S3 bucket name (3-63 lowercase letters, digits, '.', '-')" })
    .refine((b) => !/\.\.|\.-|-\./.test(b), { error: "must not have '..', '.-' or '-.' (MinIO refuses them)" })
    .refine((b) => !/^\d{1,3}(\.\d{1,3}){3}$/.test(b), { error: "must not be an IP address (MinIO refuses it)" })
    .refine((b) => b !== "minio", { error: "must not be `minio`, a name MinIO keeps for itself" });
export const ident = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, { error: "must be a lowercase SQL identifier" });
/** A database the Postgres image can create (its templates exist already). */
export const databaseName = ident.refine((d) => d !== "template0" && d !== "template1", {
    error: "must not be template0 or template1, Postgres's own templates",
});
/**
 * A role name that its derived roles (`<name>_migrate`...) keep within Postgres's 63 characters,
 * and that neither it nor they are names Postgres reserves (`public`, `none`, `pg_*`).
 */
export const roleBase = z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,54}$/, { error: "must be a lowercase SQL identifier of at most 55 characters (the roles add a suffix)" })
    .refine((u) => u !== "public" && u !== "none" && u !== "pg" && !u.startsWith("pg_"), {
        error: "must not be public, none, pg or start with pg_: Postgres reserves those role names (pg_ for its own, and the roles add _migrate, _app...)",
    });
/**
 * An HTTP path a probe asks for: letters, digits and `/ - . _ ~ %`. A Docker healthcheck runs it
 * in the container's shell (as data, see the Docker target), a proxy and the entry check put it in
 * a URL: nothing else is needed for a health path, and nothing else can be misread.
 */
export const httpPath = z
    .string()
    .max(1024, { error: "must be at most 1024 characters" })
    .regex(/^\/[A-Za-z0-9._~%/-]*$/, { error: "must be an absolute HTTP path of letters, digits and / - . _ ~ % (no query, space or shell character)" });
/** A schedule a Kubernetes CronJob takes (see cron.ts). */
export const cronSchedule = z.string().superRefine((s, ctx) => {
    const problem = cronProblem(s);
    if (problem) ctx.addIssue({ code: "custom", message: `must be a cron schedule of five fields, such as \`17 3 * * *\`, or @daily: this one ${problem}` });
});
/** A Redis key pattern for an ACL rule: no spaces (which would start another rule) and never every key. */
export const redisKeyPattern = z
    .string()
    .regex(/^[A-Za-z0-9:_.*?-]{1,128}$/, { error: "must be a Redis key pattern (letters, digits, ':', '_', '.', '-', '*', '?')" })
    .refine((p) => p.replace(/\*/g, "") !== "", { error: "must not match every key" });
/** A rotation keeper: any short string; numbers are taken as their text. */
export const rotation = z.preprocess(
    (v) => (typeof v === "number" ? String(v) : v),
    z
        .string({ error: "must be a short string (change it to rotate)" })
        .regex(/^[A-Za-z0-9._-]{1,40}$/, { error: "must be 1-40 letters, digits, '.', '_' or '-'" }),
);
export const optionalString = z.union([z.string().min(1, { error: "must be a non-empty string or null" }), z.null()]);
export const storageClass = z.union([dnsLabel, z.null()]);
export const port = int(1, 65535);

export const resources = z.strictObject({
    cpu: z.strictObject({ request: cpu, limit: cpu }),
    memory: z.strictObject({ request: memory, limit: memory }),
});

/** Where the route's certificate comes from; each target says which of these it can serve. */
export const TLS_MODES = ["selfSigned", "provided", "secret", "certManager", "gateway", "none"] as const;
export type TlsMode = (typeof TLS_MODES)[number];

/** What a stack's way in is: an Ingress (or Docker's proxy), or an HTTPRoute of Gateway API. */
export const ROUTE_KINDS = ["ingress", "gateway"] as const;
export type RouteKind = (typeof ROUTE_KINDS)[number];
/** The Ingress controllers whose settings the Kubernetes target knows (`other`: the class and annotations from config alone). */
export const INGRESS_CONTROLLERS = ["ingress-nginx", "f5-nginx", "haproxy", "traefik", "other"] as const;
export type IngressController = (typeof INGRESS_CONTROLLERS)[number];

export const tls = z.strictObject({
    /**
     * selfSigned: a certificate generated by the program (dev);
     * secret: an existing TLS secret (Kubernetes) named by `secretName`;
     * certManager: a cert-manager ClusterIssuer named by `clusterIssuer` (Kubernetes);
     * provided: the PEM `certificate` and `key` given in config (both targets);
     * gateway: the HTTPS listener of a shared Gateway the stack attaches to holds the certificate (Kubernetes);
     * none: plain HTTP (only for a throwaway local stack).
     */
    mode: z.enum(TLS_MODES, { error: `must be one of ${TLS_MODES.join(", ")}` }),
    secretName: z.union([dnsLabel, z.null()]),
    clusterIssuer: z.union([dnsLabel, z.null()]),
    /** PEM certificate (chain) for `provided` mode. */
    certificate: z.union([z.string().regex(/-----BEGIN CERTIFICATE-----/, { error: "must be a PEM certificate" }), z.null()]),
    /** PEM private key for `provided` mode; set it with `pulumi config set --secret --path`. */
    key: z.union([z.string().regex(/-----BEGIN [A-Z ]*PRIVATE KEY-----/, { error: "must be a PEM private key" }), z.null()]),
});

/** How the platform runs browsers: inside the backend (one at a time, with VNC), or in a pool of workers fed by Redis. */
export const MODES = ["standard", "workers"] as const;
export type Mode = (typeof MODES)[number];

/** What scales the browser workers. */
/** What the workers may do in the artifact bucket: put only, or get and put (neither deletes nor lists). */
export const ARTIFACT_ACCESS = ["write", "readWrite"] as const;

export const AUTOSCALERS = ["none", "hpa", "keda", "keda-job"] as const;
export type Autoscaler = (typeof AUTOSCALERS)[number];

/** `a`, `a or b`, `a, b or c`: the allowed values in a message. */
export const list = (xs: readonly string[]) => (xs.length < 2 ? xs.join("") : `${xs.slice(0, -1).join(", ")} or ${xs[xs.length - 1]}`);

/** A label or annotation key as the API server takes it: an optional DNS-subdomain prefix and `/`, then a name of at most 63. */
const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
/** A label value as the API server takes it (empty, or at most 63 of these). */
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
export const labelKey = z
    .string()
    .regex(QUALIFIED_NAME, { error: "must be a label key such as topology.kubernetes.io/zone (a DNS prefix, '/', a name of at most 63)" });
export const labelValue = z.string().regex(LABEL_VALUE, { error: "must be a label value (at most 63 letters, digits, '-', '_', '.')" });

/**
 * Pod labels as `key=value` items (a list, so a stack's value replaces the default whole; `[]`
 * selects every pod), to a map.
 */
export const podLabels = z
    .array(
        z.string().refine(
            (item) => {
                const at = item.indexOf("=");
                return at > 0 && QUALIFIED_NAME.test(item.slice(0, at)) && LABEL_VALUE.test(item.slice(at + 1));
            },
            { error: "must be a pod label as key=value, such as app.kubernetes.io/name=ingress-nginx" },
        ),
        { error: "must be a list of key=value pod labels" },
    )
    .max(8, { error: "must list at most 8 labels" })
    .transform((items) => Object.fromEntries(items.map((i) => [i.slice(0, i.indexOf("=")), i.slice(i.indexOf("=") + 1)])));

/** Annotations as the API server takes them: qualified keys, string values, at most 256 KiB in all. */
export const annotations = z
    .record(
        z.string().regex(QUALIFIED_NAME, { error: "must be an annotation key such as example.com/name (a DNS prefix, '/', a name of at most 63)" }),
        z.string(),
        {
            error: "must be a map of annotation keys to string values",
        },
    )
    .refine((a) => Object.entries(a).reduce((n, [k, v]) => n + k.length + v.length, 0) <= 256 * 1024, {
        error: "must total at most 256 KiB, as the API server allows",
    });
