/**
 * Schedules: read and validate as a pure step, then compute next runs.
 *
 * A schedule is one of
 *   { every: "day",   at: "02:30", timeZone: "Europe/Amsterdam" }
 *   { every: "week",  on: ["mon", "thu"], at: "02:30", timeZone: … }
 *   { every: "month", day: 1 … 31 | "last", at: "02:30", timeZone: … }
 *   { cron: "15 *\/6 * * *", timeZone: … }          (five fields, minute granularity)
 * `timeZone` is an IANA zone name and defaults to "UTC".
 *
 * Every shape becomes a cron pattern evaluated by croner in the schedule's zone, so
 * time-zone and DST behaviour is the same for all of them (see docs/service.md):
 * a time inside the spring-forward gap (02:30 in Amsterdam on the last Sunday of
 * March) runs once, when the gap ends (03:00 local); a time inside the repeated
 * autumn hour runs once, at its first occurrence.
 *
 * @example
 *   const r = parseTenantSchedules([{ every: "day", at: "02:30", timeZone: "Europe/Amsterdam" }], "tenants.acme.schedules");
 *   if (!r.ok) throw new InvalidInputError("schedules of tenant 'acme'", r.issues);
 *   nextRunOf(r.schedules, new Date());
 */
import { Cron } from "croner";
import type { Issue } from "../errors.ts";

/** The least time between two scheduled runs of one tenant. */
export const MIN_RUN_INTERVAL_MS = 5 * 60_000;

export type Weekday = "sun" | "mon" | "tue" | "wed" | "thu" | "fri" | "sat";
const WEEKDAYS: readonly Weekday[] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

export type ScheduleInput =
  | { every: "day"; at: string; timeZone?: string }
  | { every: "week"; on: Weekday[]; at: string; timeZone?: string }
  | { every: "month"; day: number | "last"; at: string; timeZone?: string }
  | { cron: string; timeZone?: string };

/** A validated schedule. */
export interface Schedule {
  /** the input, normalised (timeZone filled in) */
  readonly input: ScheduleInput;
  /** croner pattern (5 fields) */
  readonly pattern: string;
  readonly timeZone: string;
  /** "daily at 02:30 (Europe/Amsterdam)" */
  readonly description: string;
  /** @internal evaluator */
  readonly cron: Cron;
}

export type ParseResult =
  | { ok: true; schedules: Schedule[]; warnings: Issue[] }
  | { ok: false; issues: Issue[]; warnings: Issue[] };

const TIME = /^([01]?\d|2[0-3]):([0-5]\d)$/;

/** True when `zone` is an IANA time-zone name this Node knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Validate one schedule. Pure: returns issues with field paths under `path`
 * instead of throwing.
 */
export function parseSchedule(raw: unknown, path = "schedule"): ParseResult {
  const issues: Issue[] = [];
  const warnings: Issue[] = [];
  const fail = (p: string, message: string) => issues.push({ path: p, message });
  if (!isRecord(raw)) {
    fail(path, 'expected an object such as { every: "day", at: "02:30", timeZone: "Europe/Amsterdam" } or { cron: "0 2 * * *" }');
    return { ok: false, issues, warnings };
  }
  const known = new Set(["every", "at", "on", "day", "cron", "timeZone"]);
  for (const k of Object.keys(raw)) if (!known.has(k)) fail(`${path}.${k}`, `unknown field; expected one of ${[...known].join(", ")}`);

  let timeZone = "UTC";
  if (raw.timeZone !== undefined) {
    if (typeof raw.timeZone !== "string" || !isTimeZone(raw.timeZone)) {
      fail(`${path}.timeZone`, `unknown time zone ${JSON.stringify(raw.timeZone)}; use an IANA name such as "Europe/Amsterdam" or "UTC"`);
    } else timeZone = raw.timeZone;
  }

  const parseAt = (): { h: number; m: number } | undefined => {
    if (typeof raw.at !== "string") {
      fail(`${path}.at`, 'missing or not a string; expected a time "HH:MM" (24-hour), e.g. "02:30"');
      return undefined;
    }
    const m = TIME.exec(raw.at.trim());
    if (!m) {
      fail(`${path}.at`, `bad time ${JSON.stringify(raw.at)}; expected "HH:MM" (24-hour, 00:00–23:59), e.g. "02:30"`);
      return undefined;
    }
    return { h: Number(m[1]), m: Number(m[2]) };
  };

  let input: ScheduleInput | undefined;
  let pattern: string | undefined;
  let description = "";
  const hhmm = (t: { h: number; m: number }) => `${String(t.h).padStart(2, "0")}:${String(t.m).padStart(2, "0")}`;

  if (raw.cron !== undefined) {
    if (raw.every !== undefined) fail(`${path}.every`, "give either `cron` or `every`, not both");
    if (typeof raw.cron !== "string" || raw.cron.trim() === "") {
      fail(`${path}.cron`, 'expected a cron expression with five fields (minute hour day-of-month month day-of-week), e.g. "0 2 * * *"');
    } else {
      const expr = raw.cron.trim().replace(/\s+/g, " ");
      const fields = expr.split(" ");
      if (!expr.startsWith("@") && fields.length !== 5) {
        fail(`${path}.cron`, `invalid cron ${JSON.stringify(raw.cron)}: ${fields.length} fields, expected five (minute hour day-of-month month day-of-week); seconds and years are not supported`);
      } else {
        try {
          new Cron(expr, { paused: true });
          pattern = expr;
          input = { cron: expr, timeZone };
          description = `cron "${expr}"`;
        } catch (e) {
          fail(`${path}.cron`, `invalid cron ${JSON.stringify(raw.cron)}: ${(e as Error).message}`);
        }
      }
    }
  } else if (raw.every === "day") {
    const at = parseAt();
    if (at) {
      pattern = `${at.m} ${at.h} * * *`;
      input = { every: "day", at: hhmm(at), timeZone };
      description = `daily at ${hhmm(at)}`;
    }
  } else if (raw.every === "week") {
    const at = parseAt();
    let days: Weekday[] | undefined;
    if (!Array.isArray(raw.on) || raw.on.length === 0) {
      fail(`${path}.on`, `expected a non-empty list of weekdays from ${WEEKDAYS.join(", ")}, e.g. ["sun"]`);
    } else {
      days = [];
      raw.on.forEach((d, i) => {
        const v = typeof d === "string" ? (d.toLowerCase().slice(0, 3) as Weekday) : undefined;
        if (v === undefined || !WEEKDAYS.includes(v)) fail(`${path}.on[${i}]`, `unknown weekday ${JSON.stringify(d)}; use one of ${WEEKDAYS.join(", ")}`);
        else if (!days!.includes(v)) days!.push(v);
      });
    }
    if (at && days && issues.length === 0) {
      days.sort((a, b) => WEEKDAYS.indexOf(a) - WEEKDAYS.indexOf(b));
      pattern = `${at.m} ${at.h} * * ${days.map((d) => WEEKDAYS.indexOf(d)).join(",")}`;
      input = { every: "week", on: days, at: hhmm(at), timeZone };
      description = `weekly on ${days.join(", ")} at ${hhmm(at)}`;
    }
  } else if (raw.every === "month") {
    const at = parseAt();
    const day = raw.day;
    const dayOk = day === "last" || (typeof day === "number" && Number.isInteger(day) && day >= 1 && day <= 31);
    if (!dayOk) fail(`${path}.day`, `bad day of month ${JSON.stringify(day)}; expected 1–31 or "last"`);
    else if (typeof day === "number" && day > 28) {
      warnings.push({ path: `${path}.day`, message: `day ${day} does not exist in every month; those months are skipped (use "last" for the month's last day)` });
    }
    if (at && dayOk) {
      pattern = `${at.m} ${at.h} ${day === "last" ? "L" : day} * *`;
      input = { every: "month", day: day as number | "last", at: hhmm(at), timeZone };
      description = `monthly on day ${day} at ${hhmm(at)}`;
    }
  } else {
    fail(raw.every === undefined ? path : `${path}.every`, `expected every: "day" | "week" | "month", or a cron expression in \`cron\` (got ${JSON.stringify(raw.every)})`);
  }

  if (issues.length > 0 || !input || !pattern) return { ok: false, issues, warnings };
  const schedule: Schedule = {
    input,
    pattern,
    timeZone,
    description: `${description} (${timeZone})`,
    cron: new Cron(pattern, { paused: true, timezone: timeZone }),
  };
  return { ok: true, schedules: [schedule], warnings };
}

/**
 * Validate a tenant's list of schedules, including the minimum interval between
 * any two of their runs (the schedules of one tenant are merged).
 */
export function parseTenantSchedules(raw: unknown, path = "schedules"): ParseResult {
  const list = Array.isArray(raw) ? raw : [raw];
  const basePath = (i: number) => (Array.isArray(raw) ? `${path}[${i}]` : path);
  const schedules: Schedule[] = [];
  const issues: Issue[] = [];
  const warnings: Issue[] = [];
  list.forEach((item, i) => {
    const r = parseSchedule(item, basePath(i));
    warnings.push(...r.warnings);
    if (r.ok) schedules.push(...r.schedules);
    else issues.push(...r.issues);
  });
  if (issues.length > 0) return { ok: false, issues, warnings };
  const tight = findTooCloseRuns(schedules);
  if (tight) {
    const gap = Math.round(tight.gapMs / 1000);
    const what = tight.a === tight.b ? `${schedules[tight.a]!.description} runs` : `${schedules[tight.a]!.description} and ${schedules[tight.b]!.description} run`;
    issues.push({
      path: list.length === 1 ? basePath(0) : path,
      message: `${what} ${gap < 60 ? `${gap} s` : `${Math.round(gap / 60)} min`} apart (e.g. ${wall(tight.first)} and ${wall(tight.second)}); two runs of one tenant must be at least ${MIN_RUN_INTERVAL_MS / 60_000} minutes apart — choose a wider interval`,
    });
    return { ok: false, issues, warnings };
  }
  return { ok: true, schedules, warnings };
}

const wall = (d: Date) => d.toISOString().slice(0, 16).replace("T", " ");

/**
 * The reference year over which the minimum interval is checked: a leap year, so that
 * February 29 is inside it. Fixed, so validation is pure.
 */
const CHECK_FROM = new Date("2028-01-01T00:00:00Z");
const CHECK_TO = new Date("2029-01-02T00:00:00Z");
const CHECK_MAX_RUNS = 5_000;

/**
 * The first pair of runs (of the merged schedules) closer than the minimum interval, or
 * undefined. Two passes, because croner is slow in a time zone (~0.2 ms a run):
 *  1. wall-clock: each pattern evaluated as if its zone were UTC (~0.02 ms a run) over the
 *     reference year, stopping at the first violation and after CHECK_MAX_RUNS runs per
 *     schedule (a pattern's gaps repeat every matching day, so 5,000 runs — 17 days of
 *     every-5-minutes — show any gap a dense pattern has; sparse ones are checked all year);
 *  2. DST: the real instants in the schedule's zone on the days around each of the zone's
 *     offset changes in the reference year (where 02:30 may become 03:00 and meet a 03:00 run).
 * Schedules of one tenant in different zones are merged in real instants over the first
 * 3,000 runs of each. Runs of two schedules at the same instant count as one run, as the
 * scheduler starts one run for them.
 */
export function findTooCloseRuns(
  schedules: readonly Schedule[],
  minMs = MIN_RUN_INTERVAL_MS,
): { a: number; b: number; first: Date; second: Date; gapMs: number } | undefined {
  const sameZone = schedules.every((s) => s.timeZone === schedules[0]?.timeZone);
  const wallClock = schedules.map((s) => new Cron(s.pattern, { paused: true, utcOffset: 0 }));
  const check = (evals: readonly Cron[], from: Date, to: Date, cap: number) => {
    const runs: { at: number; i: number }[] = [];
    evals.forEach((c, i) => {
      for (const t of c.nextRuns(cap, new Date(from.getTime() - 1))) {
        if (t >= to) break;
        runs.push({ at: t.getTime(), i });
      }
    });
    runs.sort((x, y) => x.at - y.at || x.i - y.i);
    for (let k = 1; k < runs.length; k++) {
      const p = runs[k - 1]!;
      const q = runs[k]!;
      // two schedules at the same instant are one run (the scheduler starts one)
      if (q.at !== p.at && q.at - p.at < minMs) return { a: p.i, b: q.i, first: new Date(p.at), second: new Date(q.at), gapMs: q.at - p.at };
    }
    return undefined;
  };
  if (!sameZone) return check(schedules.map((s) => s.cron), CHECK_FROM, CHECK_TO, 3000);
  const found = check(wallClock, CHECK_FROM, CHECK_TO, CHECK_MAX_RUNS);
  if (found) return found; // wall-clock times: read "Z" as the schedule's zone
  const zone = schedules[0]?.timeZone ?? "UTC";
  for (const day of offsetChanges(zone, CHECK_FROM, CHECK_TO)) {
    const r = check(
      schedules.map((s) => s.cron),
      new Date(day.getTime() - 86_400_000),
      new Date(day.getTime() + 2 * 86_400_000),
      2000,
    );
    if (r) return r;
  }
  return undefined;
}

/** Midnights (UTC) of the days on which `zone`'s UTC offset changes between `from` and `to`. */
function offsetChanges(zone: string, from: Date, to: Date): Date[] {
  const fmt = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" });
  const offsetAt = (t: number) => fmt.formatToParts(new Date(t)).find((p) => p.type === "timeZoneName")?.value;
  const out: Date[] = [];
  let prev = offsetAt(from.getTime());
  for (let t = from.getTime() + 86_400_000; t < to.getTime(); t += 86_400_000) {
    const cur = offsetAt(t);
    if (cur !== prev) out.push(new Date(t - 86_400_000));
    prev = cur;
  }
  return out;
}

/** The first run of `schedule` strictly after `after`, or null when it never runs again. */
export function nextRun(schedule: Schedule, after: Date): Date | null {
  return schedule.cron.nextRun(after);
}

/** The first run of any of the tenant's schedules strictly after `after`. */
export function nextRunOf(schedules: readonly Schedule[], after: Date): Date | null {
  let best: Date | null = null;
  for (const s of schedules) {
    const t = s.cron.nextRun(after);
    if (t && (!best || t < best)) best = t;
  }
  return best;
}

/** Runs of the schedules strictly after `after` and strictly before `before`, at most `limit`. */
export function runsBetween(schedules: readonly Schedule[], after: Date, before: Date, limit = 1000): Date[] {
  const out: Date[] = [];
  let t: Date | null = after;
  while (out.length < limit) {
    t = nextRunOf(schedules, t);
    if (!t || t >= before) break;
    out.push(t);
  }
  return out;
}
