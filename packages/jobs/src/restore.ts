/**
 * `runRestore(spec, deps)`: choose the snapshot, read it and the target, plan, confirm, back
 * the target up, execute with a journal, read the result back and keep the log and the
 * verification report — the whole restore, for the CLI, the bench, a service or a worker.
 *
 * ```ts
 * const out = await runRestore(
 *   { kind: "restore", repository: { url: "/backups/acme", password: "env:LIFEBOAT_PASSWORD" },
 *     snapshot: "latest", options: { apps: ["Sales"] }, target: { credentials: "default", snapshotTenant: true } },
 *   { journals: new LocalJournalStore(stateDir), resolveTenant, resolveSecret, confirm: async (plan) => ok(plan) },
 * );
 * if (out.status === "executed") console.log(out.result.status, out.report?.status);
 * ```
 *
 * The journal, the log and the verification report live in `deps.journals`, keyed by
 * repository id and target tenant; the target tenant's restore lock too (held from before the
 * target is read until the verification is written). Running the same restore again continues
 * from its journal — `latest` included: it continues the snapshot the unfinished restore
 * started from. Cancelled (the signal aborts): no step starts after it, the journal records the
 * attempt as aborted and a later run continues it; the lock is released.
 *
 * Errors: `JobError` (`input`: the spec, its snapshot or plan file does not fit — nothing was
 * changed; `failed`; `cancelled`), the resolvers' own errors, the repository's and the journal
 * store's (`RestoreLockedError`: another restore into the tenant runs).
 */
import {
  chooseRestoreSnapshot,
  executeRestore,
  formatPlanFile,
  importLegacyJournals,
  journalState,
  loadRestoreSource,
  objectsNeededFor,
  parsePlanFile,
  objectsForPlan,
  planChecklist,
  planRestore,
  resourceKindsFor,
  resourcesForPlan,
  readTargetState,
  RestorePlanError,
  restoreJournalKey,
  SAFETY_TAG,
  SafetyBackupError,
  SnapshotChoiceError,
  SnapshotContentError,
  stalePlanReasons,
  storeJournal,
  verifyRestore,
  type ChecklistItem,
  type JournalScope,
  type JournalSummary,
  type RestoreEvent,
  type RestoreOptions,
  type RestorePlan,
  type RestoreResult,
  type RestoreSource,
  type SnapshotChoice,
  type TenantLock,
  type VerificationReport,
} from "@lifeboat/engine";
import { tenantKey } from "@lifeboat/kit";
import { QlikApiError } from "@lifeboat/qlik";
import type { Snapshot, SnapshotRepository } from "@lifeboat/repository";
import { cancelled } from "./backup.ts";
import { backupThrough, connectFor, openRepositoryFor, runContext, type RunContext } from "./run.ts";
import { JobError, type NoticeCode, type RestoreDeps, type RestoreJobSpec, type TenantConnection, type TenantRef } from "./spec.ts";

/**
 * The purpose of the plan-signing key (`SnapshotRepository.deriveKey`): a plan file verifies
 * only against the repository it was made from. The string is the one plans have always been
 * signed with (docs/design.md, "Derived keys").
 */
export const PLAN_KEY_PURPOSE = "lifeboat restore plan signing key v1";

/**
 * Every outcome with a plan carries the re-entry checklist: what the restore leaves for the
 * operator (secrets not given, reference-only items, what the target could not do) — from the
 * plan alone before anything runs, from the run's result once it ran.
 */
export type RestoreJobResult =
  /** Plan only: the plan and the signed plan file (JSON) to execute later with `fromPlan`. */
  | { status: "planned"; plan: RestorePlan; planFile: string; checklist: ChecklistItem[] }
  /** The plan has blockers: nothing was changed. */
  | { status: "blocked"; plan: RestorePlan; checklist: ChecklistItem[] }
  /** The target already has everything selected. */
  | { status: "nothing-to-do"; plan: RestorePlan; checklist: ChecklistItem[] }
  | {
      status: "executed";
      plan: RestorePlan;
      checklist: ChecklistItem[];
      result: RestoreResult;
      /** The read-back; undefined when it could not read the target (`verifyError` says why). */
      report?: VerificationReport;
      verifyError?: string;
      /** Where the journal store keeps the log and the verification report. */
      files: { log: string; report?: string };
      journal: string;
    };

export async function runRestore(spec: RestoreJobSpec, deps: RestoreDeps): Promise<RestoreJobResult> {
  const ctx = runContext(deps, spec.target.host ?? "");
  const notice = (code: NoticeCode, message: string) => ctx.emit(noticeOf(code, message));
  if (spec.fromPlan && spec.snapshot !== undefined) throw new JobError("give either a snapshot or a plan file, not both", "input");
  if (!spec.fromPlan && spec.snapshot === undefined) throw new JobError("which snapshot? name one (id, prefix or 'latest') or a plan file", "input");
  if (spec.fromPlan && spec.tags?.length) throw new JobError("--tag chooses the snapshot for 'latest'; a plan file names its snapshot already — drop --tag", "input");
  if (deps.signal?.aborted) throw cancelled("the restore was cancelled before it started; nothing was changed", deps.signal);
  const options: RestoreOptions | undefined = spec.fromPlan ? undefined : (spec.options ?? {});
  const store = deps.journals;

  // A shared lock for the whole run: a prune must not remove data this restore is reading.
  const lease = await (deps.openRepository ?? ((ref, use) => openRepositoryFor(ref, use, deps)))(spec.repository, { purpose: "restore" });
  const repo = lease.repository;
  try {
    const key = repo.deriveKey(PLAN_KEY_PURPOSE);
    let filePlan: RestorePlan | undefined;
    if (spec.fromPlan) {
      try {
        filePlan = parsePlanFile(spec.fromPlan.text, spec.fromPlan.name, key);
      } catch (e) {
        throw new JobError((e as Error).message, "input", { cause: e });
      }
    }
    const repositoryId = repositoryIdOf(repo);
    // A plan names its target: its host, with the credentials the reference names.
    const targetRef: TenantRef = filePlan && spec.target.host === undefined ? { ...spec.target, host: filePlan.target.host } : spec.target;

    // The target is needed to find this tenant's unfinished restores before the snapshot is chosen;
    // when it cannot be resolved yet, the snapshot's own checks speak first.
    let early: TenantConnection | undefined;
    try {
      early = await deps.resolveTenant(targetRef);
    } catch {
      early = undefined;
    }
    const earlyScope: JournalScope | undefined = early && { repositoryId, tenant: early.host };
    if (early && earlyScope && spec.legacyJournalDirs?.length) {
      const snapshotIds = async () => new Set((await repo.listSnapshots()).map((x) => x.id));
      for (const imported of await importLegacyJournals({ store, scope: earlyScope, host: early.host, dirs: spec.legacyJournalDirs, snapshotIds }))
        notice(
          "journal-imported",
          `imported the journal of an earlier Lifeboat version from ${imported.from} into the journal store (${imported.to}); the old file is no longer used — delete it (and the restore logs beside it) when you no longer need them`,
        );
    }
    // 'latest' is the snapshot of an unfinished restore of the same selection, else the newest that is not a safety backup
    // (or the newest with tags) — also when the target is not known yet (then no journal is consulted; the target's error follows).
    let snapshot: Snapshot;
    let choice: SnapshotChoice | undefined;
    try {
      if (!filePlan) {
        const journals = early && earlyScope ? { store, scope: earlyScope, host: early.host } : {};
        choice = await chooseRestoreSnapshot({ repository: repo, arg: spec.snapshot!, tags: spec.tags ?? [], options: options!, ...journals });
        snapshot = choice.snapshot;
      } else snapshot = await repo.loadSnapshot(filePlan.snapshot.id); // a plan file names its snapshot by id
    } catch (e) {
      if (e instanceof SnapshotChoiceError) throw new JobError(e.message, "input", { cause: e });
      throw e; // an unknown snapshot: the repository's own error (as every command reports it)
    }
    let source: RestoreSource;
    try {
      source = await loadRestoreSource(repo, snapshot);
    } catch (e) {
      // Damaged stored data keeps its own class; a snapshot not written by a backup is bad input.
      if (e instanceof SnapshotContentError) throw new JobError(e.message, "input", { cause: e });
      throw e;
    }

    const connection = await deps.resolveTenant(targetRef);
    ctx.tenant = connection.host;
    if (!filePlan && spec.target.snapshotTenant && tenantKey(connection.host) !== tenantKey(source.tenant.host))
      throw new JobError(
        `the snapshot is of ${source.tenant.host} but the default tenant is ${connection.host}; to restore into another tenant say so with --target-host ${connection.host} (or --target-tenant NAME)`,
        "input",
      );
    if (filePlan && tenantKey(connection.host) !== tenantKey(filePlan.target.host))
      throw new JobError(
        `plan file ${spec.fromPlan!.name} is for ${filePlan.target.host}, not ${connection.host}; nothing was changed — pass --target-host ${filePlan.target.host} (or the --target-tenant of that host), or make a plan for ${connection.host}`,
        "input",
      );

    const scope: JournalScope = { repositoryId, tenant: connection.host };
    // Today's key, or the key an earlier version gave this restore when only that one has a journal.
    const restoreKey = filePlan ? filePlan.restoreKey : await restoreJournalKey(store, scope, snapshot.id, connection.host, options!);
    const { handle, skipped } = connectFor(connection, spec.timeouts, deps, ctx);
    let lock: TenantLock | undefined;
    try {
      // One restore at a time per tenant: held from before the target is read until the verification is written.
      if (spec.planOnly) {
        const running = await store.holder(connection.host);
        if (running)
          notice(
            "restore-running",
            `note: a restore into ${tenantKey(connection.host)} is running now: ${running.restoring} (PID ${running.pid} on ${running.hostname}, since ${running.created}); this plan may be out of date when it ends`,
          );
      } else {
        const lockWaitMs = spec.lockWaitMs ?? 0;
        lock = await store.lock(
          connection.host,
          { restoring: describeRestore(snapshot.id, options, spec.fromPlan?.name, connection.host), restoreKey },
          {
            waitMs: lockWaitMs,
            onWait: (h) =>
              notice("lock-wait", `waiting up to ${lockWaitMs / 1000} s for another restore into ${h.tenant} to finish: ${h.restoring} (PID ${h.pid} on ${h.hostname}, since ${h.created})`),
          },
        );
      }
      // Said once this restore holds the tenant's lock (or, for a plan, has looked for a running one):
      // a restore that meets a running one stops without claiming to continue anything.
      if (choice?.resumed)
        notice(
          "continuing",
          `continuing the restore of snapshot ${choice.snapshot.id.slice(0, 12)} started at ${choice.resumed.startedAt} (journal ${choice.resumed.location}); 'latest' means that snapshot until this restore completes — name another snapshot by id to restore it instead`,
        );
      for (const j of choice?.unfinished ?? [])
        notice(
          "unfinished-restore",
          `note: an unfinished restore into this tenant with other options or another snapshot is in the journal store: ${describeJournal(j)} — run it again with its own options to finish it`,
        );
      if (!handle.target) throw new Error(`the connection to ${connection.host} cannot restore (connect gave no target)`);
      const target = handle.target();
      let state;
      try {
        // With deleteExtraObjects the plan lists every deletion: it needs the target apps' objects.
        // Resource kinds: those the selection takes (a plan file: those it plans).
        const resources = filePlan ? [...new Set((filePlan.resources ?? []).map((d) => d.layer))] : resourceKindsFor(source, options!);
        state = await readTargetState(target, { objectsOf: options ? objectsNeededFor(source, options) : [], resources });
      } catch (e) {
        if (deps.signal?.aborted) throw cancelled(`the restore into ${connection.host} was cancelled; nothing was changed`, deps.signal);
        throw describeTargetError(e, connection);
      }

      let plan: RestorePlan;
      if (filePlan) {
        plan = filePlan;
        // Exactly that plan — or nothing, when the target changed under it since it was made.
        const journalNow = journalState(await store.load(scope, plan.restoreKey));
        const stale = stalePlanReasons(plan, state, journalNow);
        if (stale.length)
          throw new JobError(
            `plan file ${spec.fromPlan!.name} no longer fits ${plan.target.host}: ${stale.join("; ")}. Nothing was changed — make a new plan ('lifeboat restore ${plan.snapshot.id.slice(0, 12)} … --plan --json')`,
            "input",
          );
      } else {
        // The planner's own key function: the journal of "this restore" is found before planning.
        const previous = journalState(await store.load(scope, restoreKey));
        try {
          // The selected apps' objects, read before planning (the planner is pure; only these are read).
          const objects = await objectsForPlan(source, options!);
          await resourcesForPlan(source, options!);
          plan = planRestore(
            source,
            state,
            options!,
            { restoreKey, created: previous.created, interruptedKnown: previous.interruptedKnown, interrupted: [...previous.interrupted] },
            objects,
            deps.secrets ? { secrets: deps.secrets } : {},
          );
        } catch (e) {
          if (e instanceof RestorePlanError) throw new JobError(`${e.message} — nothing was changed`, "input", { cause: e });
          throw e;
        }
      }

      const checklist = planChecklist(plan);
      if (spec.planOnly) return { status: "planned", plan, planFile: formatPlanFile(plan, key), checklist };
      ctx.emit({ source: "job", event: { type: "plan", plan } });
      if (plan.blockers.length > 0) return { status: "blocked", plan, checklist };
      if (plan.steps.length === 0) return { status: "nothing-to-do", plan, checklist };
      if (!deps.confirm) throw new JobError(`refusing to change ${plan.target.host}: the run has no confirmation gate — nothing was changed`, "input");
      if (!(await deps.confirm(plan))) throw new JobError(`the restore into ${plan.target.host} was not confirmed; nothing was changed`, "input");
      if (deps.signal?.aborted) throw cancelled(`the restore into ${connection.host} was cancelled; nothing was changed`, deps.signal);
      await deps.hooks?.beforeExecute?.();

      return await execute({ spec, deps, ctx, repo, store, scope, plan, source, target, lock, connection, handle, skipped, appsBefore: state.apps.map((a) => a.appId) });
    } finally {
      await handle.close();
      await lock?.release();
    }
  } finally {
    await lease.close();
  }
}

async function execute(o: {
  spec: RestoreJobSpec;
  deps: RestoreDeps;
  ctx: RunContext;
  repo: SnapshotRepository;
  store: RestoreDeps["journals"];
  scope: JournalScope;
  plan: RestorePlan;
  source: RestoreSource;
  target: ReturnType<NonNullable<ReturnType<typeof connectFor>["handle"]["target"]>>;
  lock: TenantLock | undefined;
  connection: TenantConnection;
  handle: ReturnType<typeof connectFor>["handle"];
  skipped: ReturnType<typeof connectFor>["skipped"];
  appsBefore: string[];
}): Promise<RestoreJobResult> {
  const { deps, ctx, repo, store, scope, plan, source, target } = o;
  const describe = deps.describe ?? DEFAULT_DESCRIBE;
  const journal = storeJournal(store, scope, plan.restoreKey, o.lock);
  const stamp = ctx.now().toISOString().replace(/[:.]/g, "-");
  const logName = `${plan.restoreKey}-${stamp}.log`;
  const reportName = `${plan.restoreKey}-${stamp}-verification.json`;
  const logFile = await store.writeFile(scope, logName, "", "append");
  const log = async (line: string) => {
    await store.writeFile(scope, logName, `${ctx.now().toISOString()} ${line}\n`, "append");
  };
  await log(`restore of snapshot ${plan.snapshot.id} (${plan.snapshot.host}) into ${plan.target.host} as ${plan.target.caller}; restore key ${plan.restoreKey}`);

  const pending: Promise<void>[] = [];
  /** A hook is called with the log written so far on disk (a test may kill the process in it). */
  const hook = (fn: ((stepId: string, index: number) => void | Promise<void>) | undefined) =>
    fn &&
    (async (stepId: string, index: number) => {
      await Promise.all(pending);
      await fn(stepId, index);
    });
  const onEvent = (e: RestoreEvent) => {
    ctx.emit({ source: "restore", event: e });
    const line = describe.event(e);
    if (line) pending.push(log(line));
  };
  let result: RestoreResult;
  try {
    const afterStep = hook(deps.hooks?.afterStep);
    const beforeJournal = hook(deps.hooks?.beforeJournal);
    result = await executeRestore({
      plan,
      source,
      repository: repo,
      target,
      journal,
      onEvent,
      ...(deps.secrets ? { secrets: deps.secrets } : {}),
      // The target as it was, into the same repository — skipped objects recorded as by any backup.
      safetyBackup: async () =>
        (await backupThrough(o.handle, o.skipped, repo, { tags: [SAFETY_TAG, ...o.connection.tags] }, deps, (event) => ctx.emit({ source: "safety-backup", event }))).snapshot,
      ...(afterStep ? { afterStep } : {}),
      ...(beforeJournal ? { beforeJournal } : {}),
      ...(deps.signal ? { signal: deps.signal } : {}),
      ...(deps.now ? { now: deps.now } : {}),
    });
  } catch (e) {
    await Promise.all(pending);
    if (deps.signal?.aborted) {
      await log(`cancelled: ${String((deps.signal.reason as Error)?.message ?? deps.signal.reason)}`);
      throw cancelled(`the restore into ${plan.target.host} was cancelled between steps; run the same restore again to continue (journal ${journal.location}, log ${logFile})`, deps.signal);
    }
    await log(`aborted: ${(e as Error).message}`);
    const advice = e instanceof SafetyBackupError && cannotWrite(e.cause) ? ` — ${READ_ONLY_SAFETY_ADVICE}` : "";
    throw new JobError(`${(e as Error).message}${advice} (journal ${journal.location}, log ${logFile})`, "failed", { cause: e });
  }
  await Promise.all(pending);

  ctx.emit(noticeOf("verifying", "verifying: reading the restored content back"));
  let report: VerificationReport;
  try {
    report = await verifyRestore({ plan, source, target, created: result.created, unrestored: result.unrestored, repository: repo, appsBefore: o.appsBefore });
  } catch (e) {
    await log(`verification failed: ${(e as Error).message}`);
    return { status: "executed", plan, checklist: result.checklist, result, verifyError: (e as Error).message, files: { log: logFile }, journal: journal.location };
  }
  const reportFile = await store.writeFile(scope, reportName, JSON.stringify(report, null, 2) + "\n", "replace");
  await log(`verification: ${report.status} (${report.mismatches} mismatch(es)); report ${reportFile}`);
  for (const line of describe.verification(report).split("\n")) if (line) await log(line);
  return { status: "executed", plan, checklist: result.checklist, result, report, files: { log: logFile, report: reportFile }, journal: journal.location };
}

const DEFAULT_DESCRIBE: NonNullable<RestoreDeps["describe"]> = {
  event: (e) => JSON.stringify(e.type === "step" ? { type: "step", id: e.step.id, label: e.step.label, outcome: e.outcome, note: e.note } : e),
  verification: (r) => `verification: ${r.status} (${r.mismatches} mismatch(es))`,
};

function noticeOf(code: NoticeCode, message: string) {
  return { source: "job" as const, event: { type: "notice" as const, code, message } };
}

const READ_ONLY_SAFETY_ADVICE =
  "the repository cannot be written (read-only storage, or --no-lock), so it cannot hold the safety backup of the target: back the target up into a writable repository first ('lifeboat backup --repo OTHER'), then run this restore again with --no-safety-backup";

/** Whether a safety backup failed because the repository refuses writes (read-only storage, --no-lock). */
function cannotWrite(err: unknown): boolean {
  const e = err as { name?: string; code?: string } | undefined;
  return e?.name === "ReadOnlyError" || e?.code === "EROFS";
}

/** The repository's id (journals are kept per repository); a repository without one is keyed by its location. */
function repositoryIdOf(repo: SnapshotRepository): string {
  const r = repo as unknown as { config?: { id?: string }; location?: string };
  return r.config?.id ?? `location:${r.location ?? "unknown"}`;
}

/** What a restore restores, for the lock (a second restore names it). */
function describeRestore(snapshotId: string, options: RestoreOptions | undefined, fromPlan: string | undefined, host: string): string {
  const what = fromPlan
    ? `the plan file ${fromPlan}`
    : options?.all
      ? "--all"
      : [...(options?.apps ?? []).map((a) => `--app ${a}`), ...(options?.objects ?? []).map((x) => `--object ${x}`), ...(options?.spaces ?? []).map((x) => `--space ${x}`), ...(options?.layers ?? []).map((x) => `--layers ${x}`)].join(" ");
  return `restore of snapshot ${snapshotId.slice(0, 12)} (${clip(what, 200)}) into ${host}`;
}

/** At most `max` characters, with "…" (renderers escape what they print). */
function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length > max ? chars.slice(0, max - 1).join("") + "…" : text;
}

function describeJournal(j: JournalSummary): string {
  const state = j.finished === "partial" ? "ended partial" : j.finished === "aborted" ? "was aborted" : "was interrupted";
  return `snapshot ${j.snapshot.slice(0, 12)}, started ${j.startedAt}, ${state} (journal ${j.location})`;
}

/**
 * Credential and connection failures reading the target, in words that name the host and the
 * next step — as the connector classified them (`QlikApiError`'s code); no error text is matched.
 */
function describeTargetError(err: unknown, c: TenantConnection): unknown {
  if (!(err instanceof QlikApiError)) return err;
  if (err.code === "auth" || err.code === "forbidden")
    return new JobError(`${c.host} rejected the credentials (${err.message}); check ${c.auth.type === "apikey" ? "the API key" : "the OAuth client id and secret"} — nothing was changed`, "failed", { cause: err });
  if (err.code === "unreachable")
    return new JobError(`cannot reach ${c.host} (${err.message}); check the host URL and the network — nothing was changed`, "failed", { cause: err });
  return err;
}
