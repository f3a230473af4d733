/**
 * A cron schedule as a Kubernetes CronJob takes it (the standard five-field
 * syntax of robfig/cron, which the API server and the CronJob controller
 * parse): minute, hour, day of month, month, day of week, each `*`, a number,
 * a name (months and days), a range `a-b`, a step `x/n` or a list of those; or
 * a descriptor (`@daily`). A time zone is not part of it (the API server
 * refuses `TZ=`/`CRON_TZ=` there). Returns why it is not one, or null.
 */
const FIELDS = [
    { name: "minute", min: 0, max: 59 },
    { name: "hour", min: 0, max: 23 },
    { name: "day of month", min: 1, max: 31 },
    { name: "month", min: 1, max: 12, names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"] },
    { name: "day of week", min: 0, max: 6, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
] as const;

const DESCRIPTORS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];

type Field = (typeof FIELDS)[number];

function value(text: string, f: Field): number | null {
    if (/^\d{1,2}$/.test(text)) return Number(text);
    const i = "names" in f ? (f.names as readonly string[]).indexOf(text.toLowerCase()) : -1;
    if (i < 0) return null;
    return f.name === "month" ? i + 1 : i;
}

function fieldProblem(text: string, f: Field): string | null {
    for (const part of text.split(",")) {
        const m = /^([^/]+)(?:\/(\d{1,2}))?$/.exec(part);
        if (!m) return `${f.name} \`${part}\` is not a value, range or step`;
        const [, span, step] = m;
        if (step !== undefined && Number(step) < 1) return `${f.name} step \`${step}\` must be at least 1`;
        if (span === "*" || (span === "?" && (f.name === "day of month" || f.name === "day of week"))) continue;
        const [lo, hi, extra] = span.split("-");
        if (extra !== undefined) return `${f.name} \`${span}\` is not a range`;
        const a = value(lo, f);
        const b = hi === undefined ? a : value(hi, f);
        if (a === null || b === null) return `${f.name} \`${span}\` is not a number${"names" in f ? " or a name" : ""}`;
        if (a < f.min || b > f.max || a > b) return `${f.name} \`${span}\` is outside ${f.min}-${f.max}`;
    }
    return null;
}

export function cronProblem(schedule: string): string | null {
    const s = schedule.trim();
    if (/^(CRON_)?TZ=/i.test(s)) return "has a time zone, which a CronJob takes in its own field, not in the schedule";
    if (/^@every\s+(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(s)) return null;
    if (s.startsWith("@")) return DESCRIPTORS.includes(s) ? null : `\`${s}\` is not one of ${DESCRIPTORS.join(", ")} or @every <duration>`;
    const parts = s.split(/\s+/);
    if (parts.length !== 5) return `has ${parts.length} field${parts.length === 1 ? "" : "s"}, not 5 (minute hour day-of-month month day-of-week)`;
    for (let i = 0; i < 5; i++) {
        const p = fieldProblem(parts[i], FIELDS[i]);
        if (p) return p;
    }
    return null;
}
