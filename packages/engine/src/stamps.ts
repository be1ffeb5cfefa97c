/**
 * Object stamps: deciding, from list calls alone, that an app's objects are as the previous
 * snapshot stored them (API-FACTS §8, object level), and when to read them anyway.
 *
 * A stamp is an object's id, type, `qMeta.modifiedDate`, owner and publish state. When
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
import type { ObjectStamp } from "./tenant.ts";

/** Stored per app as `object-stamps.json`. Changes only when the app changes or is deep-checked. */
export interface StampsDoc {
  /** The UTC day (YYYY-MM-DD) every object of the app was last read. */
  deepCheckedOn: string;
  stamps: ObjectStamp[];
}

export const DEFAULT_DEEP_CHECK_DAYS = 7;

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
