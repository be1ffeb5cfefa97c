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
 *   only what differs, so running them again changes nothing.
 * A failed step fails the steps that depend on what it should have created; the others
 * go on, and the result is partial. A failed safety backup stops the restore before it
 * changes anything.
 */
import type { SnapshotRepository } from "@lifeboat/repository";
import { canonicalJson } from "../internal/canonical.ts";
import { createPool } from "@lifeboat/kit";
import { journalState, type RestoreJournal } from "./journal.ts";
import type { PlannedRemoval, PlanStep, Ref, RestorePlan } from "./plan.ts";
import type { RestoreSource, SourceApp } from "./source.ts";
import type { RestoreTarget } from "@lifeboat/model";

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
  /** `damaged`: the step could not read the snapshot's data from the repository (a DamageError), not a tenant failure. */
  failed: { step: string; label: string; error: string; damaged?: true }[];
  /** ref → target id of everything the restore (this and earlier attempts) created. */
  created: Record<Ref, string>;
  safetySnapshot?: string;
  journal: string;
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
  /** App step chains run in parallel (default 8); tenant-level steps always run in order first. */
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

const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
/** The repository's DamageError (code "DAMAGED"): stored data failed its check. */
const isDamage = (e: unknown): boolean => !!e && typeof e === "object" && (e as { code?: unknown }).code === "DAMAGED";

/** Key of an object id remapped by the engine on creation, in journal outputs. */
export const objectRef = (sourceAppId: string, objectId: string): Ref => `obj:${sourceAppId}:${objectId}`;

/**
 * The comparable part of a property tree: the root id is the engine's choice, not content.
 * With `as` (the snapshot's tree): a bookmark's selections (`qBookmark`) count only when the
 * snapshot recorded them — a snapshot taken before Lifeboat read them has no `qBookmark`.
 */
export function treeFingerprint(tree: unknown, as?: unknown): string {
  const t = structuredClone(tree ?? {}) as { qProperty?: { qInfo?: { qId?: string } }; qBookmark?: unknown };
  if (t.qProperty?.qInfo) delete t.qProperty.qInfo.qId;
  if (as !== undefined && typeof as === "object" && as !== null && !("qBookmark" in as)) delete t.qBookmark;
  return canonicalJson(t);
}

export class SafetyBackupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SafetyBackupError";
  }
}

export async function executeRestore(opts: ExecuteOptions): Promise<RestoreResult> {
  const { plan, source, repository: repo, target, journal } = opts;
  const now = opts.now ?? (() => new Date());
  const at = () => now().toISOString();
  const emit = (e: RestoreEvent) => opts.onEvent?.(e);
  const state = journalState(await journal.load());
  const created: Record<Ref, string> = { ...state.created };
  const appsById = new Map(source.apps.map((a) => [a.id, a]));
  const result: RestoreResult = { status: "complete", steps: [], failed: [], created, journal: journal.location };
  if (created.safety) result.safetySnapshot = created.safety;

  await journal.append({ type: "begin", at: at(), restoreKey: plan.restoreKey, snapshot: plan.snapshot.id, target: plan.target.host });
  emit({ type: "begin", restoreKey: plan.restoreKey, steps: plan.steps.length, resumed: state.attempts > 0, journal: journal.location });

  /** A ref's target id, or undefined when what it names was not created (a failed step). */
  const resolve = (ref: Ref): string | undefined => (ref.startsWith("id:") ? ref.slice(3) : created[ref]);
  const need = (ref: Ref, what: string): string => {
    const id = resolve(ref);
    if (!id) throw new DependencyError(`${what} was not created (an earlier step failed); run the same restore again once that step is fixed`);
    return id;
  };
  const ownerOf = (sourceUserId: string): string | undefined => {
    const ref = plan.owners[sourceUserId];
    return ref ? resolve(ref) : undefined;
  };
  const appOf = (id: string): SourceApp => {
    const a = appsById.get(id);
    if (!a) throw new Error(`the plan names app ${id}, which is not in snapshot ${plan.snapshot.id.slice(0, 12)}; the plan does not belong to this snapshot`);
    return a;
  };
  const mappedId = (appId: string, objectId: string): string => created[objectRef(appId, objectId)] ?? objectId;

  /** Finds an app named `name` in a space that the plan did not know of (made by an interrupted attempt). */
  const findAdoptable = async (name: string, spaceId: string | undefined, known: string[]): Promise<string | undefined> => {
    const taken = new Set([...known, ...Object.values(created)]);
    for await (const a of target.listApps()) {
      if (a.name !== name || taken.has(a.appId)) continue;
      if (spaceId ? a.spaceId === spaceId : !a.spaceId) return a.appId;
    }
    return undefined;
  };

  async function run(step: PlanStep, interrupted: boolean): Promise<{ outputs?: Record<Ref, string>; note?: string; already?: boolean }> {
    switch (step.kind) {
      case "safety-backup": {
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
      case "create-user": {
        const existing = await target.findUserBySubject(step.subject);
        if (existing) return { outputs: { [step.ref]: existing.id }, note: `user ${step.subject} exists (${existing.id})`, already: true };
        const u = await target.createUser({ subject: step.subject, ...(step.name ? { name: step.name } : {}), ...(step.email ? { email: step.email } : {}) });
        return { outputs: { [step.ref]: u.id }, note: `invited ${u.id}` };
      }
      case "create-space": {
        const existing = await target.findSpaceByName(step.name);
        if (existing && existing.type === step.type) return { outputs: { [step.ref]: existing.id }, note: `space exists (${existing.id})`, already: true };
        if (existing) throw new Error(`a ${existing.type} space named '${step.name}' appeared on ${plan.target.host} since the plan was made; plan again`);
        const s = await target.createSpace({ name: step.name, type: step.type, ...(step.description ? { description: step.description } : {}) });
        return { outputs: { [step.ref]: s.id }, note: s.id };
      }
      case "assign": {
        const spaceId = need(step.space, "the space");
        const assigneeId = need(step.assignee, "the assignee");
        for await (const a of target.listSpaceAssignments(spaceId)) if (a.assigneeId === assigneeId) return { note: "already assigned", already: true };
        await target.createSpaceAssignment(spaceId, { type: step.assigneeType, assigneeId, roles: step.roles });
        return {};
      }
      case "space-owner": {
        const spaceId = need(step.space, "the space");
        const ownerId = need(step.owner, "the owner");
        let current: string | undefined;
        let found = false;
        for await (const s of target.listSpaces())
          if (s.id === spaceId) {
            found = true;
            current = s.ownerId;
          }
        if (!found) throw new Error(`space ${spaceId} is not on ${plan.target.host} (deleted since the plan was made?); plan again`);
        if (current === ownerId) return { note: "owner already right", already: true };
        await target.updateSpaceOwner(spaceId, ownerId);
        return { note: `owner ${ownerId}` };
      }
      case "import-app": {
        const spaceId = step.space ? need(step.space, "the space") : undefined;
        const earlier = created[step.ref];
        if (earlier) {
          if (await target.getApp(earlier)) return { note: `imported earlier as ${earlier}`, already: true };
          emit({ type: "warning", message: `app ${earlier}, imported by an earlier attempt of this restore, is gone; importing again` });
        } else if (interrupted) {
          const adopt = await findAdoptable(step.name, spaceId, step.knownSameName);
          if (adopt) return { outputs: { [step.ref]: adopt }, note: `found ${adopt} from the interrupted attempt` };
        }
        const app = appOf(step.app);
        const qvf = step.qvf;
        const { appId } = await target.importApp({ name: step.name, ...(spaceId ? { spaceId } : {}), body: () => repo.readBlob(qvf) });
        return { outputs: { [step.ref]: appId }, note: `new app id ${appId} (was ${app.id})` };
      }
      case "copy-app": {
        const from = need(step.from, "the imported app");
        const spaceId = need(step.space, "the development space");
        const earlier = created[step.ref];
        if (earlier && (await target.getApp(earlier))) return { note: `copied earlier as ${earlier}`, already: true };
        if (!earlier && interrupted) {
          const adopt = await findAdoptable(step.name, spaceId, [...step.knownSameName, from]);
          if (adopt) return { outputs: { [step.ref]: adopt }, note: `found ${adopt} from the interrupted attempt` };
        }
        const { appId } = await target.copyApp(from, { name: step.name, spaceId });
        return { outputs: { [step.ref]: appId }, note: `development copy ${appId}` };
      }
      case "qlik-restore": {
        const earlier = created[step.ref];
        if (earlier && (await target.getApp(earlier))) return { note: `restored earlier (${earlier})`, already: true };
        if (await target.getApp(step.appId)) return { outputs: { [step.ref]: step.appId }, note: `app ${step.appId} is back already`, already: true };
        try {
          await target.restoreDeletedApp(step.appId);
        } catch (e) {
          throw new Error(
            `Qlik's restore of app ${step.appId} failed (${errText(e)}); if Qlik no longer holds it (purged, or hard-deleted since the plan), plan again: the app will be imported from the snapshot`,
          );
        }
        return { outputs: { [step.ref]: step.appId }, note: `app ${step.appId} is back with its id` };
      }
      case "objects":
        return restoreObjects(step.app, need(step.target, "the app"), step.remove);
      case "app-script": {
        const appId = need(step.target, "the app");
        const chunks: Uint8Array[] = [];
        for await (const c of repo.readBlob(step.script)) chunks.push(c);
        const script = Buffer.concat(chunks).toString("utf8");
        if ((await target.getAppScript(appId)) === script) return { note: "script already the snapshot's", already: true };
        await target.setAppScript(appId, script, `restored by Lifeboat from snapshot ${plan.snapshot.id.slice(0, 12)}`);
        return { note: `script set (${Buffer.byteLength(script)} bytes)` };
      }
      case "strip-app": {
        const appId = need(step.target, "the development copy");
        const removed = await target.withApp(appId, async (ed) => {
          const gone: string[] = [];
          for (const o of await ed.readObjects()) {
            if (o.approved) continue;
            await ed.destroyObject(o.id, o.genericType);
            gone.push(o.id);
          }
          if (gone.length) await ed.save();
          return gone;
        });
        return { note: removed.length ? `removed ${removed.length} private/community object(s)` : "nothing to remove", already: removed.length === 0 };
      }
      case "object-owners":
        return restoreObjectOwners(step.app, need(step.target, "the app"));
      case "app-owner": {
        const appId = need(step.target, "the app");
        const ownerId = need(step.owner, "the owner");
        const info = await target.getApp(appId);
        if (!info) throw new Error(`app ${appId} is not on ${plan.target.host} (deleted while the restore ran?); run the same restore again to plan anew`);
        if (info.attributes.ownerId === ownerId) return { note: "owner already right", already: true };
        await target.updateAppOwner(appId, ownerId);
        return { note: `owner ${ownerId}` };
      }
      case "publish-move": {
        const appId = need(step.target, "the app");
        const spaceId = need(step.space, "the managed space");
        const origin = need(step.origin, "the development app");
        const info = await target.getApp(appId);
        if (!info) throw new Error(`app ${appId} is not on ${plan.target.host} (deleted while the restore ran?); run the same restore again to plan anew`);
        if (info.attributes.originAppId === origin && info.attributes.publishTime) return { note: "already in the managed space", already: true };
        await target.moveToManagedSpace(appId, { spaceId, originAppId: origin });
        return { note: `moved into ${spaceId}, origin ${origin}` };
      }
    }
  }

  async function restoreObjects(sourceAppId: string, appId: string, remove: PlannedRemoval[]): Promise<{ outputs?: Record<Ref, string>; note?: string; already?: boolean }> {
    const app = appOf(sourceAppId);
    const outputs: Record<Ref, string> = {};
    let createdN = 0;
    let updated = 0;
    let removed = 0;
    let skipped = 0;
    await target.withApp(appId, async (ed) => {
      const current = new Map((await ed.readObjects()).map((o) => [o.id, o]));
      const wanted = new Set<string>();
      let changed = false;
      for (const o of app.objects) {
        const id = mappedId(sourceAppId, o.id);
        wanted.add(id);
        let have = current.get(id);
        if (!have && !plan.target.callerIsBot && !o.approved && !o.published && o.ownerSubject !== plan.target.caller) {
          // Another user's private object is invisible to a non-bot caller: it may exist; never duplicate it.
          skipped++;
          continue;
        }
        if (!have || treeFingerprint(have.propertyTree, o.propertyTree) !== treeFingerprint(o.propertyTree)) {
          const r = await ed.upsertObject({ id, type: o.type, genericType: o.genericType, propertyTree: o.propertyTree });
          if (r.created) createdN++;
          else updated++;
          if (r.id !== o.id) outputs[objectRef(sourceAppId, o.id)] = r.id;
          wanted.add(r.id);
          changed = true;
          have = { ...o, id: r.id, approved: false, published: false, ...(have ? { approved: have.approved, published: have.published } : {}) };
        }
        if (have.approved !== o.approved || have.published !== o.published) {
          await ed.setState(have.id, o.genericType, { published: o.published, approved: o.approved });
          changed = true;
        }
      }
      // Only the deletions the plan listed (and the user confirmed); objects created since are kept.
      for (const r of remove) {
        if (wanted.has(r.id) || !current.has(r.id)) continue;
        await ed.destroyObject(r.id, current.get(r.id)!.genericType);
        removed++;
        changed = true;
      }
      if (changed) await ed.save();
    });
    Object.assign(created, outputs);
    const parts = [`${app.objects.length} object(s)`];
    if (createdN) parts.push(`${createdN} recreated`);
    if (updated) parts.push(`${updated} updated`);
    if (removed) parts.push(`${removed} not in the snapshot deleted (as the plan listed)`);
    if (skipped) parts.push(`${skipped} private object(s) of others not visible to ${plan.target.caller} left alone`);
    return { outputs, note: parts.join(", "), already: createdN + updated + removed === 0 };
  }

  async function restoreObjectOwners(sourceAppId: string, appId: string): Promise<{ note?: string; already?: boolean }> {
    const app = appOf(sourceAppId);
    // An owner the plan creates but an earlier step failed to: this step must wait for it
    // (fail as dependent, so a re-run does it), never pass it over as "unresolved".
    for (const o of app.objects) {
      const ref = plan.owners[o.ownerId];
      if (ref && !resolve(ref)) throw new DependencyError(`the owner ${o.ownerSubject || o.ownerId} was not created (an earlier step failed)`);
    }
    const current = new Map((await target.readObjects(appId)).map((o) => [o.id, o]));
    let changed = 0;
    let unresolved = 0;
    const changes: { id: string; owner: string; what: string; subject: string }[] = [];
    for (const o of app.objects) {
      // System objects (LoadModel, appprops) have no owner in Qlik: nothing to hand back.
      if (!o.ownerId) continue;
      const owner = ownerOf(o.ownerId);
      if (!owner) {
        unresolved++;
        continue;
      }
      const id = mappedId(sourceAppId, o.id);
      const have = current.get(id);
      if (!have || have.ownerId === owner) continue;
      changes.push({ id, owner, what: `object '${id}' (${o.type} '${o.title}')`, subject: o.ownerSubject || o.ownerId });
    }
    // One Tier-2 call per object (Qlik has no bulk change): several in flight, so an app's
    // owners do not take a round trip each; the connector's limiter paces the tier. Qlik may
    // refuse one object (its tutorials re-own sheets, bookmarks and stories; qlik.dev changelog
    // 38 names snapshots "and more"): a refusal is reported on that object and the others go
    // on — the verification then names it. Any other failure (what retries did not cure)
    // fails the step once the rest is done; the calls made stand and a re-run skips them.
    const ownerPool = createPool(OWNER_CHANGES_IN_FLIGHT);
    const refused: string[] = [];
    let failure: unknown;
    await Promise.all(
      changes.map((c) =>
        ownerPool.run(async () => {
          try {
            await target.updateObjectOwner(appId, c.id, c.owner);
            changed++;
          } catch (e) {
            if (!isRefusal(e)) {
              failure ??= e;
              return;
            }
            refused.push(c.what);
            emit({ type: "warning", message: `app '${app.name}': Qlik refused to hand ${c.what} to ${c.subject} (${errText(e)}); it keeps its current owner — change it in Qlik or ask the owner to recreate it` });
          }
        }),
      ),
    );
    if (failure !== undefined) throw failure;
    const note =
      `${changed} owner(s) changed` +
      (refused.length ? `, ${refused.length} refused by Qlik: ${refused.sort().join(", ")}` : "") +
      (unresolved ? `, ${unresolved} unresolved (see the plan)` : "");
    return { note, already: changed === 0 && refused.length === 0 };
  }

  const total = plan.steps.length;
  const outcomes = new Map<number, RestoreResult["steps"][number]>();
  const record = (index: number, step: PlanStep, outcome: StepOutcome, note?: string) => {
    outcomes.set(index, { id: step.id, label: step.label, outcome, ...(note !== undefined ? { note } : {}) });
    emit({ type: "step", step, index, total, outcome, ...(note !== undefined ? { note } : {}) });
  };

  /** Runs one step with its journal records. A failed step fails only what depends on it. */
  async function runStep(step: PlanStep, index: number): Promise<void> {
    opts.signal?.throwIfAborted();
    if (state.done.has(step.id) && step.kind !== "import-app" && step.kind !== "copy-app") {
      record(index, step, "already-done", "done by an earlier attempt");
      await opts.afterStep?.(step.id, index);
      return;
    }
    const known = step.kind === "import-app" || step.kind === "copy-app" ? step.knownSameName : undefined;
    await journal.append({ type: "started", at: at(), step: step.id, ...(known ? { known } : {}) });
    try {
      const r = await run(step, state.interrupted.has(step.id));
      await opts.beforeJournal?.(step.id, index);
      Object.assign(created, r.outputs ?? {});
      await journal.append({ type: "done", at: at(), step: step.id, ...(r.outputs && Object.keys(r.outputs).length ? { outputs: r.outputs } : {}), ...(r.note ? { note: r.note } : {}) });
      record(index, step, r.already ? "already-done" : "done", r.note);
    } catch (e) {
      const error = errText(e);
      await journal.append({ type: "failed", at: at(), step: step.id, error });
      record(index, step, e instanceof DependencyError ? "skipped" : "failed", error);
      result.failed.push({ step: step.id, label: step.label, error, ...(isDamage(e) ? { damaged: true as const } : {}) });
      result.status = "partial";
      if (e instanceof SafetyBackupError) {
        await journal.append({ type: "finished", at: at(), status: "aborted" });
        throw e;
      }
    }
    await opts.afterStep?.(step.id, index);
  }

  // Safety backup, users, spaces and assignments first, in order; then one chain of steps
  // per app, chains in parallel (a managed app's chain waits for its origin app's chain);
  // then the tenant-level steps the plan puts after the apps (space owners), in order.
  const chains = new Map<string, { step: PlanStep; index: number }[]>();
  const tail: { step: PlanStep; index: number }[] = [];
  /** Cancelled: the journal says this attempt ended (a later run continues it), then the signal's reason. */
  const cancelled = async (): Promise<never> => {
    await journal.append({ type: "finished", at: at(), status: "aborted" });
    throw opts.signal!.reason;
  };
  for (const [index, step] of plan.steps.entries()) {
    const app = appChainOf(step);
    if (app === undefined) {
      if (chains.size > 0) tail.push({ step, index });
      else if (opts.signal?.aborted) await cancelled();
      else await runStep(step, index);
      continue;
    }
    const chain = chains.get(app) ?? [];
    chain.push({ step, index });
    chains.set(app, chain);
  }
  const pool = createPool(Math.max(1, opts.concurrency ?? 8));
  const finished = new Map<Ref, Promise<void>>();
  for (const [app, chain] of chains) {
    const own = `app:${app}`;
    const deps = new Set<Ref>();
    for (const { step } of chain)
      for (const ref of refsOf(step)) if (ref.startsWith("app:") && ref !== own && chains.has(ref.slice(4))) deps.add(ref);
    finished.set(
      own,
      (async () => {
        await Promise.all([...deps].map((d) => finished.get(d)));
        await pool.run(async () => {
          for (const { step, index } of chain) await runStep(step, index);
        });
      })(),
    );
  }
  // Every chain ends (a cancelled one at its next step) before the attempt is recorded as over.
  const chainsEnded = await Promise.allSettled(finished.values());
  if (opts.signal?.aborted) await cancelled();
  for (const c of chainsEnded) if (c.status === "rejected") throw c.reason;
  for (const { step, index } of tail) {
    if (opts.signal?.aborted) await cancelled();
    await runStep(step, index);
  }
  result.steps = [...outcomes.entries()].sort((a, b) => a[0] - b[0]).map(([, o]) => o);
  await journal.append({ type: "finished", at: at(), status: result.status });
  emit({ type: "end", result });
  return result;
}

/**
 * Whether a failed call is Qlik saying no (403, or another 4xx but 408/429) rather than a
 * failure worth repeating: the connector's `QlikApiError` kinds, or a bare HTTP status.
 */
function isRefusal(e: unknown): boolean {
  const { kind, status } = (e ?? {}) as { kind?: unknown; status?: unknown };
  if (kind === "forbidden" || kind === "not-found" || kind === "permanent") return true;
  return typeof status === "number" && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/** Object owner changes of one app in flight at once. */
const OWNER_CHANGES_IN_FLIGHT = 4;

/** The source app a step belongs to ("app:<id>:<what>"), or undefined for tenant-level steps. */
function appChainOf(step: PlanStep): string | undefined {
  if (!step.id.startsWith("app:")) return undefined;
  const rest = step.id.slice(4);
  const cut = rest.lastIndexOf(":");
  return cut > 0 ? rest.slice(0, cut) : undefined;
}

function refsOf(step: PlanStep): Ref[] {
  const o = step as unknown as Record<string, unknown>;
  return ["target", "from", "origin", "space", "owner"].map((k) => o[k]).filter((v): v is string => typeof v === "string");
}

class DependencyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DependencyError";
  }
}

