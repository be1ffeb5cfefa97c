/**
 * Object stamps: deciding, from list calls alone, that an app's objects are as the previous
 * snapshot stored them (docs/snapshot-layout.md, "Changed-only capture", object level), and when to read them anyway.
 *
 * A stamp is an object's id, type, `qMeta.modifiedDate`, owner and publish state (and, for
 * objects Qlik gives no date — charts, system objects — a hash of their content). When
 * every object of an app has the stamp the previous snapshot recorded — same set of
 * objects, children included — the objects are not read again: their stored documents,
 * tree and hash are referenced. That the engine moves `modifiedDate` on every edit is
 * the assumption; the key is UNCONFIRMED in Qlik's docs, so a connector that gets no date
 * for some object returns no stamps and the app is read in full.
 *
 * To bound what a wrong assumption could cost, every app is still read in full (a "deep
 * check") at least every `deepCheckDays` days, spread over the days by app id, and a deep
 * check that finds a change its stamps did not show is reported (`stamps-missed-change`).
 */
import { sha256Hex } from "./internal/canonical.ts";
import type { ObjectStamp } from "@lifeboat/model";

/** Stored per app as `object-stamps.json`; byte-identical between runs while the app is unchanged. */
export interface StampsDoc {
  stamps: ObjectStamp[];
}

export const DEFAULT_DEEP_CHECK_DAYS = 7;
/** The longest deep-check cycle (the run manifest records ages up to 35 days). */
export const MAX_DEEP_CHECK_DAYS = 30;

/**
 * When each app was last read in full, kept in the run's manifest rather than in the app's
 * tree (so a deep check changes no app document): `ages[i]` is the age in days, on `day`,
 * of the last full read of the app at position i of the snapshot's `apps` tree — one of
 * 0-9a-z (0–35, "z" also for older) — or "-" for an app without stamps.
 */
export interface DeepChecks {
  day: string;
  ages: string;
}

const AGE_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz";

export function encodeDeepChecks(day: string, lastFullReads: readonly (string | undefined)[]): DeepChecks {
  const today = dayIndex(day);
  let ages = "";
  for (const last of lastFullReads) {
    const age = last === undefined ? -1 : today - dayIndex(last);
    ages += age < 0 || !Number.isFinite(age) ? "-" : AGE_DIGITS[Math.min(age, AGE_DIGITS.length - 1)];
  }
  return { day, ages };
}

/** The day of each position's last full read, or undefined ("-", unknown, or malformed). */
export function decodeDeepChecks(checks: DeepChecks | undefined, count: number): (string | undefined)[] {
  const out: (string | undefined)[] = new Array(count).fill(undefined);
  if (!checks || typeof checks.ages !== "string" || checks.ages.length !== count) return out;
  const today = dayIndex(checks.day);
  if (!Number.isFinite(today)) return out;
  for (let i = 0; i < count; i++) {
    const age = AGE_DIGITS.indexOf(checks.ages[i]!);
    if (age >= 0) out[i] = utcDay(new Date((today - age) * DAY_MS));
  }
  return out;
}

const DAY_MS = 86_400_000;

export function utcDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function dayIndex(day: string): number {
  return Math.floor(Date.parse(`${day}T00:00:00.000Z`) / DAY_MS);
}

/** Same objects with the same stamps (both lists sorted by id, as connectors return them). */
export function sameStamps(a: readonly ObjectStamp[], b: readonly ObjectStamp[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.id !== y.id || x.type !== y.type || x.modifiedDate !== y.modifiedDate || x.ownerId !== y.ownerId || x.published !== y.published || x.approved !== y.approved)
      return false;
    if ((x.contentHash ?? "") !== (y.contentHash ?? "")) return false;
  }
  return true;
}

/**
 * Pure: must this run read every object of the app? Yes when deep checks are off
 * (`deepCheckDays` ≤ 0 reads every app every run), when the app was last read in full
 * `deepCheckDays` or more days ago, or when today is the app's day in the cycle (its id
 * hashed) and it was not read in full today — so after the first run the deep checks are
 * spread over the days instead of all falling due together.
 */
export function deepCheckDue(input: { appId: string; lastDeepCheck: string | undefined; now: Date; deepCheckDays: number }): boolean {
  const { appId, lastDeepCheck, now, deepCheckDays: n } = input;
  if (n <= 0 || !lastDeepCheck) return true;
  const today = dayIndex(utcDay(now));
  const last = dayIndex(lastDeepCheck);
  if (!Number.isFinite(last) || today - last >= n || today < last) return true;
  const slot = Number.parseInt(sha256Hex(appId).slice(0, 8), 16) % n;
  return today !== last && today % n === slot;
}
