/**
 * Call deadlines from the command line, the environment and lifeboat.yaml (docs/backup.md,
 * "Timeouts"). Values are seconds; later sources win: the config file (`timeouts:` at the
 * top, then the tenant's own `timeouts:`), then LIFEBOAT_TIMEOUTS, then `--timeout`.
 *
 *   lifeboat backup --timeout request=20 --timeout idle=300
 *   LIFEBOAT_TIMEOUTS=request=20,qixCall=300 lifeboat backup
 *
 * Kinds: request, appJob, idle, qixOpen, qixCall (see @lifeboat/qlik's internal/timeouts.ts),
 * and notice (how often a waiting call says so; 0 = never).
 */
// Types only: config.ts imports this module, and loading the connector (and @qlik/api) is
// left to the commands that talk to a tenant (bench/RESULTS.md, P5).
import type { Timeouts } from "@lifeboat/qlik";
import { UserError } from "./errors.ts";

/** Keys as written by users (seconds) → the connector's fields (ms). */
export const TIMEOUT_KEYS = { request: "requestMs", appJob: "appJobMs", idle: "idleMs", qixOpen: "qixOpenMs", qixCall: "qixCallMs", notice: "noticeMs" } as const;
export type TimeoutKey = keyof typeof TIMEOUT_KEYS;

/** Seconds per key (as in lifeboat.yaml) → Partial<Timeouts>. */
export function timeoutsFromSeconds(map: Partial<Record<TimeoutKey, number>> | undefined): Partial<Timeouts> {
  const out: Partial<Timeouts> = {};
  for (const [k, v] of Object.entries(map ?? {})) if (v !== undefined) out[TIMEOUT_KEYS[k as TimeoutKey]] = Math.round(v * 1000);
  return out;
}

/** "request=20" items (from --timeout or LIFEBOAT_TIMEOUTS split on commas) → Partial<Timeouts>; `source` names where they came from. */
export function parseTimeoutSpecs(items: readonly string[], source: string): Partial<Timeouts> {
  const out: Partial<Timeouts> = {};
  for (const raw of items) {
    const item = raw.trim();
    if (!item) continue;
    const m = /^([A-Za-z]+)=(\d+(?:\.\d+)?)$/.exec(item);
    const key = m?.[1] as TimeoutKey | undefined;
    if (!m || !key || !(key in TIMEOUT_KEYS))
      throw new UserError(`${source} '${item}': expected KIND=SECONDS with KIND one of ${Object.keys(TIMEOUT_KEYS).join(", ")} (e.g. request=30)`);
    const seconds = Number(m[2]);
    if (!(seconds > 0) && key !== "notice") throw new UserError(`${source} '${item}': ${key} must be more than 0 seconds`);
    out[TIMEOUT_KEYS[key]] = Math.round(seconds * 1000);
  }
  return out;
}

/** The deadlines for a run: config (already in the connection), then the environment, then flags. */
export function resolveCliTimeouts(fromConfig: Partial<Timeouts> | undefined, env: NodeJS.ProcessEnv, flags: readonly string[] | undefined): Partial<Timeouts> {
  return {
    ...fromConfig,
    ...(env.LIFEBOAT_TIMEOUTS ? parseTimeoutSpecs(env.LIFEBOAT_TIMEOUTS.split(","), "LIFEBOAT_TIMEOUTS") : {}),
    ...parseTimeoutSpecs(flags ?? [], "--timeout"),
  };
}

/** The connector's DEFAULT_TIMEOUTS in seconds, for --help (timeouts.test.ts checks they agree). */
export const DEFAULT_SECONDS: Record<TimeoutKey, number> = { request: 60, appJob: 1800, idle: 120, qixOpen: 60, qixCall: 120, notice: 30 };

/** For --help: the kinds and their defaults. */
export function timeoutHelp(): string {
  const d = Object.fromEntries(Object.entries(DEFAULT_SECONDS).map(([k, v]) => [TIMEOUT_KEYS[k as TimeoutKey], v * 1000])) as unknown as Timeouts;
  return `deadline per kind of Qlik call, KIND=SECONDS (repeatable): request (${d.requestMs / 1000}), appJob (${d.appJobMs / 1000}: export, import, copy, publish), idle (${d.idleMs / 1000}: a download or upload without progress), qixOpen (${d.qixOpenMs / 1000}), qixCall (${d.qixCallMs / 1000}), notice (${d.noticeMs / 1000}: how often a waiting call says so, 0 = never)`;
}
