/**
 * `restore()`: the whole flow in one call for programs (the CLI runs the same steps with
 * its confirmation gate between plan and execution).
 *
 * ```ts
 * const { plan, result, report } = await restore({
 *   repository: repo, repositoryId: repo.config.id, snapshot: "latest",
 *   target: createRestoreTarget(client), options: { all: true, createMissingUsers: true },
 *   journals: new LocalJournalStore("/var/lib/lifeboat"),
 * });
 * ```
 * The snapshot is chosen as the CLI chooses it (`chooseRestoreSnapshot`: an unfinished
 * restore of the same selection continues its own snapshot; safety snapshots are not
 * "latest"). Unless `planOnly`, the target tenant's restore lock is held from before the
 * target is read until the verification is done. Returns without executing when the plan
 * has blockers (`result` undefined).
 */
import type { Snapshot, SnapshotRepository } from "@lifeboat/repository";
import { executeRestore, type RestoreEventListener, type RestoreResult } from "./execute.ts";
import { journalState } from "./journal.ts";
import { objectsForPlan, objectsNeededFor, planRestore, type RestoreOptions, type RestorePlan } from "./plan.ts";
import { chooseRestoreSnapshot, restoreJournalKey, type SnapshotChoice } from "./resume.ts";
import { loadRestoreSource } from "./source.ts";
import { storeJournal, type JournalStore, type TenantLock } from "./store.ts";
import type { RestoreTarget } from "@lifeboat/model";
import { readTargetState } from "./target.ts";
import { verifyRestore, type VerificationReport } from "./verify.ts";

export interface RestoreRunOptions {
  repository: SnapshotRepository;
  /** The repository's id (journals are kept per repository and target tenant). */
  repositoryId: string;
  /** A snapshot, or its id / unique prefix / "latest". */
  snapshot: Snapshot | string;
  /** With "latest": the newest snapshot with these tags. */
  tags?: string[];
  target: RestoreTarget;
  options: RestoreOptions;
  /** Where journals, logs and the tenant lock live. */
  journals: JournalStore;
  /** How long to wait for another restore into the same tenant to finish (default: do not wait). */
  lockWaitMs?: number;
  /** Required when the target has content and `options.safetyBackup` is not false. */
  safetyBackup?: () => Promise<{ id: string }>;
  onEvent?: RestoreEventListener;
  /** Plan only: nothing is written, no lock taken. */
  planOnly?: boolean;
}

export interface RestoreRunResult {
  plan: RestorePlan;
  choice: SnapshotChoice;
  result?: RestoreResult;
  report?: VerificationReport;
}

export async function restore(o: RestoreRunOptions): Promise<RestoreRunResult> {
  const scope = { repositoryId: o.repositoryId, tenant: o.target.host };
  const choice: SnapshotChoice =
    typeof o.snapshot === "string"
      ? await chooseRestoreSnapshot({ repository: o.repository, arg: o.snapshot, ...(o.tags ? { tags: o.tags } : {}), store: o.journals, scope, options: o.options, host: o.target.host })
      : { snapshot: o.snapshot, unfinished: [] };
  const source = await loadRestoreSource(o.repository, choice.snapshot);
  let lock: TenantLock | undefined;
  try {
    if (!o.planOnly)
      lock = await o.journals.lock(o.target.host, { restoring: `snapshot ${choice.snapshot.id.slice(0, 12)} into ${o.target.host}` }, { waitMs: o.lockWaitMs ?? 0 });
    const state = await readTargetState(o.target, { objectsOf: objectsNeededFor(source, o.options) });
    const restoreKey = await restoreJournalKey(o.journals, scope, choice.snapshot.id, o.target.host, o.options);
    const journal = storeJournal(o.journals, scope, restoreKey, lock);
    const previous = journalState(await journal.load());
    // The selected apps' objects, read before planning (the planner is pure; only these are read).
    const objects = await objectsForPlan(source, o.options);
    const plan = planRestore(source, state, o.options, { restoreKey, created: previous.created, interruptedKnown: previous.interruptedKnown, interrupted: [...previous.interrupted] }, objects);
    if (o.planOnly || plan.blockers.length > 0) return { plan, choice };
    const result = await executeRestore({
      plan,
      source,
      repository: o.repository,
      target: o.target,
      journal,
      ...(o.safetyBackup ? { safetyBackup: o.safetyBackup } : {}),
      ...(o.onEvent ? { onEvent: o.onEvent } : {}),
    });
    const report = await verifyRestore({ plan, source, target: o.target, created: result.created, repository: o.repository, appsBefore: state.apps.map((a) => a.appId) });
    return { plan, choice, result, report };
  } finally {
    await lock?.release();
  }
}
