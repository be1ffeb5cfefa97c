/**
 * The restore executor: runs a plan's steps in order against a `RestoreTarget`, with a
 * journal, and reports through events. Thin by design: every decision was made by the
 * planner; the executor only resolves refs to target ids and makes each step idempotent.
 *
 * ```ts
 * const result = await executeRestore({ plan, source, repository, target, journal,
 *   safetyBackup: async () => (await backup({ tenant: reader, repository, tags: ["pre-restore"] })).snapshot,
 *   onEvent: render });
 * ```
 *
 * Idempotency, per step kind:
 * - creating steps (users, spaces, imports, copies) record what they created in the
 *   journal; a later attempt checks it still exists and skips. A step that was started but
 *   never recorded (the process was killed during the call) first looks for what it may
 *   have created — a user by subject, a space by name, an app by name in its space that
 *   was not there when the plan was made — and adopts it instead of creating a duplicate;
 * - object, owner, state and move steps compare the target with the snapshot and change
 *   only what differs, so running them again changes nothing. The objects and owner steps of an
 *   app restored in place make only the changes the plan lists; before writing into the live
 *   app they check that nobody modified it since the plan read it (kinds/objects), else they
 *   throw `ConcurrentChangeError` and none of that app's later steps runs (the result is
 *   partial; running the restore again plans anew).
 * Each step is run by the runner its kind registered (`kinds/<layer>/steps.ts`, through the
 * registry); the executor only schedules, resolves refs and journals. A step starts once the
 * steps it waits for (`after`) have ended: tenant-level steps one after another, then one chain
 * of steps per app, chains in parallel (`concurrency`), then the space owners. A failed step
 * fails the steps that need what it should have created (their refs do not resolve: "skipped");
 * the others go on, and the result is partial. A failed safety backup stops the restore before
 * it changes anything.
 */
import type { SnapshotRepository } from "@lifeboat/repository";
import type { ResourceKind } from "../kinds/kind.ts";
import { KINDS } from "../kinds/registry.ts";
import { ConcurrentChangeError, DependencyError, errText, type StepContext, type StepRun, type StepRunner, type StepRunners } from "../kinds/restore.ts";
import { journalState, type RestoreJournal } from "./journal.ts";
import type { PlanStep, RestorePlan, StepKind } from "./plan.ts";
import { type Created, type Ref, resolveRef } from "./ref.ts";
import type { RestoreSource, SourceApp } from "./source.ts";
import { errorCodeOf, LifeboatError, type RestoreTarget } from "@lifeboat/model";
import { NO_SECRETS, type ChecklistItem, type RestoreSecrets } from "./resources.ts";
import { planChecklist, runChecklist } from "../kinds/resources/restore.ts";

export { objectRef, treeFingerprint } from "../kinds/objects/steps.ts";

export type StepOutcome = "done" | "already-done" | "failed" | "skipped";

export type RestoreEvent =
  | { type: "begin"; restoreKey: string; steps: number; resumed: boolean; journal: string }
  | { type: "step"; step: PlanStep; index: number; total: number; outcome: StepOutcome; note?: string }
  | { type: "warning"; message: string }
  | { type: "safety-backup"; snapshotId: string }
  | { type: "end"; result: RestoreResult };

export type RestoreEventListener = (e: RestoreEvent) => void;

export interface RestoreResult {
  status: "complete" | "partial";
  steps: { id: string; label: string; outcome: StepOutcome; note?: string }[];
  /** Step id → fields its runner left different on purpose (this and earlier attempts): pass to `verifyRestore`. */
  unrestored: Record<string, string[]>;
  /** `damaged`: the step could not read the snapshot's data from the repository (a DamageError), not a tenant failure. */
  failed: { step: string; label: string; error: string; damaged?: true }[];
  /** ref key (`refKey`) → target id of everything the restore (this and earlier attempts) created. */
  created: Created;
  safetySnapshot?: string;
  journal: string;
  /**
   * The re-entry checklist: every resource item that still needs a secret (not given) or a
   * manual step (reference class, input the operator must give, what the target could not do).
   */
  checklist: ChecklistItem[];
}

export interface ExecuteOptions {
  plan: RestorePlan;
  source: RestoreSource;
  /** Where the snapshot's .qvf blobs are read from. */
  repository: SnapshotRepository;
  target: RestoreTarget;
  journal: RestoreJournal;
  /** Backs the target up (tag pre-restore) and returns the snapshot id; required when the plan has a safety-backup step. */
  safetyBackup?: () => Promise<{ id: string }>;
  onEvent?: RestoreEventListener;
  /**
   * Called after each step is journaled (tests use it to kill the process at a chosen
   * point: the CLI honours an env var only its e2e tests set).
   */
  afterStep?: (stepId: string, index: number) => void | Promise<void>;
  /**
   * The secrets the operator gives for resource items (`--secrets FILE`, a prompt): read only by
   * the step that writes an item, never journaled, logged or put in an event.
   */
  secrets?: RestoreSecrets;
  /** Steps run at once (default 8): app chains in parallel; tenant-level steps wait for each other (`after`). */
  concurrency?: number;
  /** Called when a step's work is done but before the journal records it (tests: a kill mid-call). */
  beforeJournal?: (stepId: string, index: number) => void | Promise<void>;
  /**
   * Cancels the restore between steps: no step starts once it aborted; steps already running
   * finish (their journal records them), then the journal records the attempt as aborted and
   * `executeRestore` rejects with the signal's reason. Running the same restore again continues.
   */
  signal?: AbortSignal;
  now?: () => Date;
}

/** The repository's DamageError (code damaged): stored data failed its check. */
const isDamage = (e: unknown): boolean => errorCodeOf(e) === "damaged";

/** The safety backup could not be taken, so nothing was changed: the code is its cause's (unreachable, forbidden, …). */
export class SafetyBackupError extends LifeboatError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(options?.cause === undefined ? "internal" : errorCodeOf(options.cause), message, options);
    this.name = "SafetyBackupError";
  }
}


/** Step kind → its runner, from the registry (a step kind belongs to one kind). */
function runnersFromRegistry(): StepRunners {
  const out: StepRunners = {};
  for (const kind of KINDS as readonly ResourceKind[]) {
    const steps = kind.restore?.steps ?? {};
    for (const [k, run] of Object.entries(steps) as [StepKind, StepRunner<StepKind>][]) {
      // The declared resource kinds share one runner (kinds/resources/restore.ts): the same function is taken once.
      if (out[k] === run) continue;
      if (out[k]) throw new Error(`step kind '${k}' is registered by two kinds (the second: ${kind.layer})`);
      (out as Record<string, StepRunner<StepKind>>)[k] = run;
    }
  }
  return out;
}

export async function executeRestore(opts: ExecuteOptions): Promise<RestoreResult> {
  const { plan, source, repository: repo, target, journal } = opts;
  const now = opts.now ?? (() => new Date());
  const at = () => now().toISOString();
  const emit = (e: RestoreEvent) => opts.onEvent?.(e);
  const state = journalState(await journal.load());
  const created: Created = { ...state.created };
  const appsById = new Map(source.apps.map((a) => [a.id, a]));
  const result: RestoreResult = { status: "complete", steps: [], failed: [], created, journal: journal.location, checklist: [], unrestored: { ...state.unrestored } };
  const stepChecklist: ChecklistItem[] = [];
  if (created.safety) result.safetySnapshot = created.safety;
  const runners = runnersFromRegistry();

  await journal.append({ type: "begin", at: at(), restoreKey: plan.restoreKey, snapshot: plan.snapshot.id, target: plan.target.host });
  emit({ type: "begin", restoreKey: plan.restoreKey, steps: plan.steps.length, resumed: state.attempts > 0, journal: journal.location });

  const resolve = (ref: Ref | undefined): string | undefined => resolveRef(ref, created);
  const base: Omit<StepContext, "interrupted"> = {
    plan,
    source,
    repository: repo,
    target,
    secrets: opts.secrets ?? NO_SECRETS,
    created,
    resolve,
    need: (ref, what) => {
      const id = resolve(ref);
      if (!id) throw new DependencyError(`${what} was not created (an earlier step failed); run the same restore again once that step is fixed`);
      return id;
    },
    ownerOf: (sourceUserId) => resolve(plan.owners[sourceUserId]),
    appOf: (id): SourceApp => {
      const a = appsById.get(id);
      if (!a) throw new Error(`the plan names app ${id}, which is not in snapshot ${plan.snapshot.id.slice(0, 12)}; the plan does not belong to this snapshot`);
      return a;
    },
    objectsOf: (id) => source.objectsOf(id),
    /** Finds an app named `name` in a space that the plan did not know of (made by an interrupted attempt). */
    findAdoptable: async (name, spaceId, known) => {
      const taken = new Set([...known, ...Object.values(created)]);
      for await (const a of target.listApps()) {
        if (a.name !== name || taken.has(a.appId)) continue;
        if (spaceId ? a.spaceId === spaceId : !a.spaceId) return a.appId;
      }
      return undefined;
    },
    emit,
  };

  async function run(step: PlanStep, interrupted: boolean): Promise<StepRun> {
    if (step.kind === "safety-backup") {
      if (!opts.safetyBackup) throw new SafetyBackupError("the plan asks for a safety backup but no backup function was given");
      let snap: { id: string };
      try {
        snap = await opts.safetyBackup();
      } catch (e) {
        throw new SafetyBackupError(`the safety backup of ${plan.target.host} failed, so nothing was changed: ${errText(e)}`, { cause: e });
      }
      result.safetySnapshot = snap.id;
      emit({ type: "safety-backup", snapshotId: snap.id });
      return { outputs: { safety: snap.id }, note: `snapshot ${snap.id.slice(0, 12)}` };
    }
    const runner = runners[step.kind] as StepRunner<typeof step.kind> | undefined;
    if (!runner) throw new Error(`no kind runs '${step.kind}' steps (step ${step.id}); the plan was made by another version of Lifeboat — plan again`);
    return runner(step as never, { ...base, interrupted });
  }

  const total = plan.steps.length;
  const outcomes = new Map<number, RestoreResult["steps"][number]>();
  const record = (index: number, step: PlanStep, outcome: StepOutcome, note?: string) => {
    outcomes.set(index, { id: step.id, label: step.label, outcome, ...(note !== undefined ? { note } : {}) });
    emit({ type: "step", step, index, total, outcome, ...(note !== undefined ? { note } : {}) });
  };

  /** Creating steps check what they created even when done: it may be gone since. */
  const recheck = (step: PlanStep) => step.kind === "import-app" || step.kind === "copy-app";

  /** Source apps whose steps stop: a live app changed under the plan (why). */
  const stopped = new Map<string, string>();
  /** The source app a step belongs to ("app:<id>:<what>"), or undefined for tenant-level steps. */
  const appOfStep = (step: PlanStep): string | undefined => {
    const m = /^app:(.+):[^:]+$/.exec(step.id);
    return m?.[1];
  };

  /** Runs one step with its journal records. A failed step fails only what depends on it. */
  async function runStep(step: PlanStep, index: number): Promise<void> {
    if (state.done.has(step.id) && !recheck(step)) {
      record(index, step, "already-done", "done by an earlier attempt");
      await opts.afterStep?.(step.id, index);
      return;
    }
    const known = step.kind === "import-app" || step.kind === "copy-app" ? step.knownSameName : undefined;
    await journal.append({ type: "started", at: at(), step: step.id, ...(known ? { known } : {}) });
    try {
      const stoppedBy = stopped.get(appOfStep(step) ?? "");
      if (stoppedBy) throw new DependencyError(`not run: ${stoppedBy}`);
      const r = await run(step, state.interrupted.has(step.id));
      await opts.beforeJournal?.(step.id, index);
      Object.assign(created, r.outputs ?? {});
      stepChecklist.push(...(r.checklist ?? []));
      if (r.unrestored?.length) result.unrestored[step.id] = r.unrestored;
      await journal.append({
        type: "done",
        at: at(),
        step: step.id,
        ...(r.outputs && Object.keys(r.outputs).length ? { outputs: r.outputs } : {}),
        ...(r.note ? { note: r.note } : {}),
        ...(r.unrestored?.length ? { unrestored: r.unrestored } : {}),
      });
      record(index, step, r.already ? "already-done" : "done", r.note);
    } catch (e) {
      const error = errText(e);
      await journal.append({ type: "failed", at: at(), step: step.id, error });
      record(index, step, e instanceof DependencyError ? "skipped" : "failed", error);
      // A live app changed under the plan: none of its later steps runs (they would act on a stale plan).
      if (e instanceof ConcurrentChangeError) stopped.set(e.appId, `app '${appsById.get(e.appId)?.name ?? e.appId}' changed since the plan was made (see its objects step)`);
      result.failed.push({ step: step.id, label: step.label, error, ...(isDamage(e) ? { damaged: true as const } : {}) });
      result.status = "partial";
      if (e instanceof SafetyBackupError) {
        await journal.append({ type: "finished", at: at(), status: "aborted" });
        throw e;
      }
    }
    await opts.afterStep?.(step.id, index);
  }

  const ran = await runInOrder(plan.steps, Math.max(1, opts.concurrency ?? 8), runStep, opts.signal);
  if (ran < plan.steps.length && opts.signal?.aborted) {
    // Cancelled: the journal says this attempt ended (a later run continues it), then the signal's reason.
    await journal.append({ type: "finished", at: at(), status: "aborted" });
    throw opts.signal.reason;
  }
  result.steps = [...outcomes.entries()].sort((a, b) => a[0] - b[0]).map(([, o]) => o);
  result.checklist = runChecklist(planChecklist(plan, created), stepChecklist);
  await journal.append({ type: "finished", at: at(), status: result.status });
  emit({ type: "end", result });
  return result;
}

/**
 * Runs steps as their `after` lists allow, at most `limit` at once: a step starts once every
 * step it waits for has ended. A step whose run ends starts a dependent it freed in its place
 * (depth first: an app's chain keeps its slot until it is done), the others queue in plan
 * order. `after` naming no step of the plan is ignored. An error thrown by `run` (a safety
 * backup that failed) stops the run: nothing more starts, and it is rethrown once the steps
 * in flight have ended. Once `signal` aborted nothing more starts either; returns how many
 * steps ran.
 */
async function runInOrder(steps: PlanStep[], limit: number, run: (step: PlanStep, index: number) => Promise<void>, signal?: AbortSignal): Promise<number> {
  const indexOf = new Map(steps.map((s, i) => [s.id, i]));
  const waiting = new Map<number, number>();
  const dependents = new Map<number, number[]>();
  steps.forEach((s, i) => {
    const deps = new Set((s.after ?? []).map((id) => indexOf.get(id)).filter((d): d is number => d !== undefined && d !== i));
    waiting.set(i, deps.size);
    for (const d of deps) dependents.set(d, [...(dependents.get(d) ?? []), i]);
  });
  const ready: number[] = [];
  for (const [i, n] of waiting) if (n === 0) ready.push(i);
  let ended = 0;
  let inFlight = 0;
  let failure: { e: unknown } | undefined;
  await new Promise<void>((done) => {
    const pump = () => {
      ready.sort((a, b) => a - b);
      while (!failure && !signal?.aborted && inFlight < limit && ready.length) void slot(ready.shift()!);
      if (inFlight === 0) done();
    };
    const slot = async (first: number) => {
      inFlight++;
      let next: number | undefined = first;
      try {
        while (next !== undefined && !failure && !signal?.aborted) {
          const i: number = next;
          await run(steps[i]!, i);
          ended++;
          const freed: number[] = [];
          for (const d of dependents.get(i) ?? []) {
            const n = waiting.get(d)! - 1;
            waiting.set(d, n);
            if (n === 0) freed.push(d);
          }
          freed.sort((a, b) => a - b);
          next = freed.shift();
          ready.push(...freed);
        }
      } catch (e) {
        failure ??= { e };
      } finally {
        inFlight--;
        pump();
      }
    };
    pump();
  });
  if (failure) throw failure.e;
  if (ended < steps.length && signal?.aborted) return ended;
  if (ended < steps.length) {
    const stuck = steps.filter((_, i) => waiting.get(i)! > 0).map((s) => s.id);
    throw new Error(`the plan's steps wait for each other in a circle (${stuck.slice(0, 5).join(", ")}${stuck.length > 5 ? ", …" : ""}); the plan file is damaged — plan again`);
  }
  return ended;
}
