/**
 * The retention planner: a pure function from snapshots and a policy to a decision per
 * snapshot, each with its reasons (after restic's snapshot policy). Snapshots are grouped
 * per tenant; calendar buckets are UTC. The newest complete (non-partial) snapshot of every
 * tenant is always kept, whatever the policy.
 */
import type { Snapshot } from "./api.ts";

export interface RetentionPolicy {
  last?: number;
  hourly?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
  yearly?: number;
  /** Keep everything within this duration of the tenant's newest snapshot, e.g. "7d", "2w", "1y6m", "36h". */
  within?: string;
  /** Keep snapshots carrying any of these tags. */
  tags?: string[];
}

export interface RetentionDecision {
  snapshot: Snapshot;
  keep: boolean;
  reasons: string[];
}

export interface RetentionGroup {
  tenant: string;
  /** Newest first. */
  decisions: RetentionDecision[];
}

export interface RetentionPlan {
  groups: RetentionGroup[];
  keep: Snapshot[];
  remove: Snapshot[];
}

type Bucketed = "hourly" | "daily" | "weekly" | "monthly" | "yearly";

const BUCKETS: [Bucketed, (d: Date) => string][] = [
  ["hourly", (d) => d.toISOString().slice(0, 13) + "h"],
  ["daily", (d) => d.toISOString().slice(0, 10)],
  ["weekly", isoWeek],
  ["monthly", (d) => d.toISOString().slice(0, 7)],
  ["yearly", (d) => d.toISOString().slice(0, 4)],
];

export function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

/** Parses "1y2m3w4d5h" (y years, m months, w weeks, d days, h hours). */
export function parseDuration(text: string): { y: number; m: number; w: number; d: number; h: number } {
  const out = { y: 0, m: 0, w: 0, d: 0, h: 0 };
  const re = /(\d+)([ymwdh])/gy;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    out[m[2] as keyof typeof out] += Number(m[1]);
    pos = re.lastIndex;
  }
  if (text.length === 0 || pos !== text.length) {
    throw new Error(`'${text}' is not a duration — use numbers with y, m, w, d, h, e.g. 7d, 2w, 1y6m, 36h`);
  }
  return out;
}

function subtract(t: Date, d: ReturnType<typeof parseDuration>): Date {
  const r = new Date(t);
  r.setUTCFullYear(r.getUTCFullYear() - d.y, r.getUTCMonth() - d.m, r.getUTCDate() - 7 * d.w - d.d);
  r.setUTCHours(r.getUTCHours() - d.h);
  return r;
}

export function isEmptyPolicy(p: RetentionPolicy): boolean {
  return !p.last && !p.hourly && !p.daily && !p.weekly && !p.monthly && !p.yearly && !p.within && !(p.tags && p.tags.length);
}

export function planRetention(snapshots: readonly Snapshot[], policy: RetentionPolicy): RetentionPlan {
  const within = policy.within ? parseDuration(policy.within) : undefined;
  const byTenant = new Map<string, Snapshot[]>();
  for (const s of snapshots) byTenant.set(s.tenant, [...(byTenant.get(s.tenant) ?? []), s]);
  const groups: RetentionGroup[] = [];
  for (const tenant of [...byTenant.keys()].sort()) {
    const list = byTenant.get(tenant)!.slice().sort((a, b) => (a.time > b.time ? -1 : a.time < b.time ? 1 : a.id < b.id ? 1 : -1));
    const decisions: RetentionDecision[] = list.map((snapshot) => ({ snapshot, keep: false, reasons: [] }));
    const keep = (d: RetentionDecision, reason: string) => {
      d.keep = true;
      d.reasons.push(reason);
    };
    if (isEmptyPolicy(policy)) {
      for (const d of decisions) keep(d, "no keep rule given: nothing is removed");
    } else {
      decisions.forEach((d, i) => {
        if (policy.last && i < policy.last) keep(d, `last snapshot #${i + 1} of ${policy.last}`);
      });
      for (const [rule, bucketOf] of BUCKETS) {
        let left = policy[rule] ?? 0;
        let lastBucket: string | undefined;
        for (const d of decisions) {
          if (left <= 0) break;
          const b = bucketOf(new Date(d.snapshot.time));
          if (b !== lastBucket) {
            keep(d, `${rule} snapshot for ${b}`);
            lastBucket = b;
            left--;
          }
        }
      }
      if (within && decisions[0]) {
        const newest = decisions[0].snapshot.time;
        const limit = subtract(new Date(newest), within).toISOString();
        for (const d of decisions) if (d.snapshot.time >= limit) keep(d, `within ${policy.within} of the newest snapshot (${newest})`);
      }
      for (const tag of policy.tags ?? []) {
        for (const d of decisions) if (d.snapshot.tags.includes(tag)) keep(d, `has tag '${tag}'`);
      }
    }
    const newestComplete = decisions.find((d) => !d.snapshot.partial);
    if (newestComplete) keep(newestComplete, "newest complete snapshot of the tenant: never removed");
    for (const d of decisions) if (!d.keep) d.reasons.push("matches no keep rule");
    groups.push({ tenant, decisions });
  }
  const all = groups.flatMap((g) => g.decisions);
  return { groups, keep: all.filter((d) => d.keep).map((d) => d.snapshot), remove: all.filter((d) => !d.keep).map((d) => d.snapshot) };
}
