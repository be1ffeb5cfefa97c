/**
 * Alert events and the mass-deletion check.
 *
 * An event is plain data; channels render it (channels.ts). `massDeletion` is a pure
 * function over two snapshot summaries: more than a configured share of the
 * previous snapshot's apps or objects missing from the new one.
 */
import type { RunRecord } from "../history/store.ts";

export type AlertEventType = "run-failed" | "run-partial" | "run-missed" | "verify-failed" | "mass-deletion" | "test";
export const ALERT_EVENT_TYPES: readonly AlertEventType[] = ["run-failed", "run-partial", "run-missed", "verify-failed", "mass-deletion", "test"];

export interface AlertEvent {
  type: AlertEventType;
  tenant: string;
  at: Date;
  /** one line: what happened */
  title: string;
  /** a few lines: details and the next step */
  text: string;
  runId?: string | null;
  /** where to read more (the run's manifest or log), if the service can link it */
  link?: string | null;
  /** facts shown as a list (never a secret) */
  facts?: Record<string, string | number>;
}

/** The event a finished run raises, if any: a failed or partial run, or a failed verify. */
export function eventForRun(run: RunRecord): AlertEvent | undefined {
  const at = run.endedAt ?? run.startedAt ?? run.scheduledFor ?? new Date(0);
  const facts: Record<string, string | number> = { run: run.id, kind: run.kind, "started by": run.startedBy };
  if (run.durationMs !== null) facts.duration = `${Math.round(run.durationMs / 1000)} s`;
  for (const [k, v] of Object.entries(run.counts)) facts[k] = v;
  const base = { tenant: run.tenant, at, runId: run.id, link: run.manifestLink ?? run.logLocation, facts };
  const why = run.message ? `: ${run.message}` : "";
  if (run.kind === "verify" && (run.status === "failed" || run.status === "partial")) {
    return { ...base, type: "verify-failed", title: `Verify of tenant '${run.tenant}' found a problem`, text: `The repository check ended ${run.status}${why}. Run \`lifeboat verify --read-data\` to see what is damaged.` };
  }
  if (run.status === "failed") {
    return { ...base, type: "run-failed", title: `${cap(run.kind)} of tenant '${run.tenant}' failed`, text: `The ${run.kind} run failed${why}. Read the run's log; the next scheduled run will try again.` };
  }
  if (run.status === "partial") {
    return { ...base, type: "run-partial", title: `${cap(run.kind)} of tenant '${run.tenant}' was partial`, text: `Some items failed, the rest was saved${why}. The run's manifest lists the failed items with reasons.` };
  }
  return undefined;
}

/** The event for runs that should have started while the service was down. */
export function eventForMissed(tenant: string, dueTimes: readonly Date[], at: Date): AlertEvent {
  const first = dueTimes[0]?.toISOString() ?? "?";
  return {
    type: "run-missed",
    tenant,
    at,
    title: `${dueTimes.length} scheduled run${dueTimes.length === 1 ? "" : "s"} of tenant '${tenant}' missed`,
    text: `The service was not running when ${dueTimes.length === 1 ? "a run was" : "runs were"} due (first ${first}). The next scheduled run goes ahead; start a manual backup now if the gap matters.`,
    facts: { missed: dueTimes.length, "first due": first, "last due": dueTimes.at(-1)?.toISOString() ?? "?" },
  };
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** What the mass-deletion check needs of a snapshot: the ids of its apps and objects. */
export interface SnapshotSummary {
  snapshotId: string;
  appIds: readonly string[];
  objectIds: readonly string[];
}

export interface DeletionShare {
  before: number;
  gone: number;
  /** gone / before, 0 when before is 0 */
  share: number;
}

export interface MassDeletionResult {
  triggered: boolean;
  apps: DeletionShare;
  objects: DeletionShare;
  /** why it triggered, e.g. "40% of apps (4 of 10) are gone" */
  reasons: string[];
}

/** Thresholds as shares in (0, 1]: alert when MORE than this share is gone. */
export interface MassDeletionThresholds {
  apps: number;
  objects: number;
}

export const DEFAULT_MASS_DELETION: MassDeletionThresholds = { apps: 0.2, objects: 0.2 };

/**
 * Compare two snapshots: how many of `previous`'s apps and objects are not in
 * `current`. Pure. An empty previous snapshot never triggers.
 */
export function massDeletion(previous: SnapshotSummary, current: SnapshotSummary, thresholds: MassDeletionThresholds = DEFAULT_MASS_DELETION): MassDeletionResult {
  const measure = (before: readonly string[], after: readonly string[]): DeletionShare => {
    const now = new Set(after);
    const prev = new Set(before);
    let gone = 0;
    for (const id of prev) if (!now.has(id)) gone++;
    return { before: prev.size, gone, share: prev.size === 0 ? 0 : gone / prev.size };
  };
  const apps = measure(previous.appIds, current.appIds);
  const objects = measure(previous.objectIds, current.objectIds);
  const reasons: string[] = [];
  const pct = (x: number) => `${Math.round(x * 1000) / 10}%`;
  if (apps.share > thresholds.apps) reasons.push(`${pct(apps.share)} of apps (${apps.gone} of ${apps.before}) are gone, more than ${pct(thresholds.apps)}`);
  if (objects.share > thresholds.objects) reasons.push(`${pct(objects.share)} of objects (${objects.gone} of ${objects.before}) are gone, more than ${pct(thresholds.objects)}`);
  return { triggered: reasons.length > 0, apps, objects, reasons };
}

/** The event for a triggered mass-deletion result. */
export function eventForMassDeletion(tenant: string, previous: SnapshotSummary, current: SnapshotSummary, result: MassDeletionResult, at: Date, runId?: string): AlertEvent {
  return {
    type: "mass-deletion",
    tenant,
    at,
    runId: runId ?? null,
    title: `Mass deletion in tenant '${tenant}'`,
    text: `Since snapshot ${previous.snapshotId}: ${result.reasons.join("; ")}. If this was not intended, restore from snapshot ${previous.snapshotId} (\`lifeboat restore ${previous.snapshotId} --plan\`).`,
    facts: {
      "previous snapshot": previous.snapshotId,
      "new snapshot": current.snapshotId,
      "apps gone": `${result.apps.gone} of ${result.apps.before}`,
      "objects gone": `${result.objects.gone} of ${result.objects.before}`,
    },
  };
}
