/**
 * `restore()`: the whole flow in one call for programs (the CLI runs the same steps with
 * its confirmation gate between plan and execution).
 *
 * ```ts
 * const { plan, result, report } = await restore({
 *   repository: repo, snapshot: "latest", target: createRestoreTarget(client),
 *   options: { all: true, createMissingUsers: true },
 *   journal: (key) => new FileJournal(`/var/lib/lifeboat/${key}.jsonl`),
 * });
 * ```
 * Returns without executing when the plan has blockers (`result` undefined).
 */
import type { Snapshot, SnapshotRepository } from "@lifeboat/repository";
import { executeRestore, type RestoreEventListener, type RestoreResult } from "./execute.ts";
import { journalState, type RestoreJournal } from "./journal.ts";
import { objectsNeededFor, planRestore, restoreKeyOf, type RestoreOptions, type RestorePlan } from "./plan.ts";
import { loadRestoreSource } from "./source.ts";
import { readTargetState, type RestoreTarget } from "./target.ts";
import { verifyRestore, type VerificationReport } from "./verify.ts";

export interface RestoreRunOptions {
  repository: SnapshotRepository;
  /** A snapshot, or its id / unique prefix / "latest". */
  snapshot: Snapshot | string;
  target: RestoreTarget;
  options: RestoreOptions;
  /** The journal of this restore, by its restore key. */
  journal: (restoreKey: string) => RestoreJournal;
  /** Required when the target has content and `options.safetyBackup` is not false. */
  safetyBackup?: () => Promise<{ id: string }>;
  onEvent?: RestoreEventListener;
  /** Plan only: nothing is written. */
  planOnly?: boolean;
}

export interface RestoreRunResult {
  plan: RestorePlan;
  result?: RestoreResult;
  report?: VerificationReport;
}

export async function restore(o: RestoreRunOptions): Promise<RestoreRunResult> {
  const snapshot = typeof o.snapshot === "string" ? await o.repository.loadSnapshot(o.snapshot) : o.snapshot;
  const source = await loadRestoreSource(o.repository, snapshot);
  const state = await readTargetState(o.target, { objectsOf: objectsNeededFor(source, o.options) });
  const journal = o.journal(restoreKeyOf(snapshot.id, o.target.host, o.options));
  const previous = journalState(await journal.load());
  const plan = planRestore(source, state, o.options, { created: previous.created, interruptedKnown: previous.interruptedKnown, interrupted: [...previous.interrupted] });
  if (o.planOnly || plan.blockers.length > 0) return { plan };
  const result = await executeRestore({
    plan,
    source,
    repository: o.repository,
    target: o.target,
    journal,
    ...(o.safetyBackup ? { safetyBackup: o.safetyBackup } : {}),
    ...(o.onEvent ? { onEvent: o.onEvent } : {}),
  });
  const report = await verifyRestore({ plan, source, target: o.target, created: result.created, repository: o.repository });
  return { plan, result, report };
}
