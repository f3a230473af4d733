/**
 * backup.schedule is refused in the plan when a Kubernetes CronJob would refuse
 * it at apply time (robfig/cron's standard parser, which the API server uses),
 * and accepted when it would take it.
 */
import { describe, expect, it } from "vitest";
import { cronProblem } from "../config/cron";

describe("a CronJob schedule", () => {
    it.each([
        "17 3 * * *",
        "*/15 * * * *",
        "0 0 1 jan *",
        "0 0 * * mon-fri",
        "0 9-17/2 * * 1,3,5",
        "0 0 ? * sun",
        "5/10 * * * *",
        "@daily",
        "@hourly",
        "@every 1h30m",
    ])("takes %s", (s) => expect(cronProblem(s)).toBeNull());

    it.each([
        ["a b c d e", "minute `a` is not a number"],
        ["60 * * * *", "minute `60` is outside 0-59"],
        ["0 24 * * *", "hour `24` is outside 0-23"],
        ["0 0 0 * *", "day of month `0` is outside 1-31"],
        ["0 0 * 13 *", "month `13` is outside 1-12"],
        ["0 0 * * 7", "day of week `7` is outside 0-6"],
        ["0 0 * * 5-1", "day of week `5-1` is outside 0-6"],
        ["*/0 * * * *", "minute step `0` must be at least 1"],
        ["0 ? * * *", "hour `?` is not a number"],
        ["0 0 * * * *", "has 6 fields, not 5"],
        ["TZ=UTC 0 3 * * *", "has a time zone"],
        ["@fortnightly", "is not one of"],
        ["0 0 L * *", "day of month `L` is not a number"],
        ["$(reboot) * * * *", "minute `$(reboot)` is not a number"],
    ])("refuses %s (%s)", (s, why) => expect(cronProblem(s)).toContain(why));
});
