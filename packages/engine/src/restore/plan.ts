/**
 * The restore planner: a pure function of (snapshot content, target state, options,
 * what an earlier attempt of the same restore already did). It decides, with a reason
 * for each decision, which users map to which target users (by id on the same tenant,
 * then subject, then email, then `ownerFallback`), which users to create or report
 * missing, which spaces to reuse, map or create, which apps to import, reconcile, skip or
 * block (name clashes), whose spaces go back to their owners, and the ordered steps the
 * executor runs (docs/restore.md, "Steps"; space owners last).
 *
 * ```ts
 * const options = { apps: ["Sales"], createMissingUsers: true };
 * const objects = await objectsForPlan(source, options);  // the selected apps' objects only
 * const plan = planRestore(source, await readTargetState(target), options, { created: {} }, objects);
 * if (plan.blockers.length) throw …;  // nothing was written
 * ```
 *
 * Steps name what they create through typed *refs* (`ref.ts`) that the executor resolves from
 * the journal, and say which steps they wait for (`after`: step ids). Each kind of content
 * plans its part (`kinds/<layer>/plan.ts`, in registry order) into a `PlanBuilder`
 * (`builder.ts`); this file validates the selection and the space map, runs the fragments and
 * puts the plan together.
 */
import type { BlobRef } from "@lifeboat/repository";
import { tenantKey } from "@lifeboat/kit";
import { canonicalJson, sha256Hex } from "../internal/canonical.ts";
import type { ResourceKind } from "../kinds/kind.ts";
import { KINDS } from "../kinds/registry.ts";
import { LifeboatError, RESOURCE_KINDS, type ObjectRecord, type ResourceKindName, type SpaceRecord } from "@lifeboat/model";
import { NO_SECRETS, type ResourceDecision, type RestoreSecrets } from "./resources.ts";
import { resourceKindsFor } from "../kinds/resources/restore.ts";
import { type PlanContext, PlanBuilder } from "./builder.ts";
import type { Created, Ref } from "./ref.ts";
import type { RestoreSource, SourceApp, SourceSpace } from "./source.ts";
import type { TargetState } from "./target.ts";
import { selectObjects, type ObjectChange, type ObjectsReadAt, type OwnerChange } from "../kinds/objects/changes.ts";

export type { Ref } from "./ref.ts";

export const PLAN_FORMAT = "lifeboat-restore-plan";
/**
 * 2: objects steps list the deletions they make; Qlik's restore and script steps.
 * 3: refs are typed (`ref.ts`) and steps list the steps they wait for (`after`); objects and
 * object-owners steps of apps restored in place list every object change (`changes`) and what
 * planning read (`readAt`, the optimistic check); `--object` (`only`). Version 2 files are
 * still read (`planfile.ts` upgrades them; their objects steps reconcile with the snapshot).
 */
export const PLAN_VERSION = 3;

export interface RestoreOptions {
  /** App ids or names in the snapshot. */
  apps?: string[];
  /** Space ids or names in the snapshot: the space, its assignments and its apps. */
  spaces?: string[];
  /** Everything in the snapshot. */
  all?: boolean;
  /** Snapshot space (id or name) → existing target space (id or name). */
  spaceMap?: Record<string, string>;
  /** Import as a new app even when the app exists (or its name is taken). */
  asNew?: boolean;
  /** Name of the new app (with `asNew`; one app only). */
  name?: string;
  /** Subject of the target user who takes over objects whose owner cannot be resolved. */
  ownerFallback?: string;
  createMissingUsers?: boolean;
  /** Leave apps whose name is taken in the target space alone instead of blocking. */
  skipExisting?: boolean;
  /** Back up the target before changing it (default true when the target has content). */
  safetyBackup?: boolean;
  /**
   * Delete objects of apps restored in place that the snapshot does not have (default false:
   * a user's newer objects are kept). Each deletion is a line of the plan (`remove` of the
   * objects step); needs the target's objects (`readTargetState(…, { objectsOf })`).
   */
  deleteExtraObjects?: boolean;
  /**
   * Single-object restore: object ids or titles (unique in the app of the snapshot) of the one
   * selected app (`apps` has exactly one). Just those objects — with their children, which are
   * inside their trees — come back into the live app, with owner and state; nothing else changes.
   */
  objects?: string[];
  /**
   * Declared resource kinds to restore (layers: "dataConnections", "reloadTasks", …): every
   * item of each. `--all` takes every kind; `--app`/`--space` take the items that name a
   * selected app (reload tasks, alerts, …) when the app is imported, brought back by Qlik's
   * restore, or reconciled and they are missing.
   */
  layers?: string[];
}

export interface UserDecision {
  sourceId: string;
  subject: string;
  name?: string;
  email?: string;
  action: "map" | "create" | "missing";
  /** For "map": the target user id. */
  targetId?: string;
  matchedBy?: "id" | "subject" | "email" | "fallback";
  /** What the executor resolves for this user (absent: unresolved). */
  ref?: Ref;
  reason: string;
}

export interface SpaceDecision {
  sourceId: string;
  name: string;
  type: string;
  action: "reuse" | "map" | "create" | "blocked";
  targetId?: string;
  targetName: string;
  ref: Ref;
  /**
   * The space's owner in the snapshot, when the restore hands the space to them (spaces it
   * creates, and on the same tenant the same space): `ref` absent = unresolved in the target.
   */
  owner?: { sourceId: string; subject: string; ref?: Ref };
  reason: string;
}

export interface AppDecision {
  sourceId: string;
  name: string;
  sourceSpace?: { id: string; name: string; type: string };
  /**
   * import: a new app from the .qvf; reconcile: the app exists (same id) and is brought back in
   * place; qlik-restore: the app is soft-deleted in the target and Qlik's own restore brings it
   * back (same id, same space) before it is reconciled.
   */
  action: "import" | "reconcile" | "qlik-restore" | "skip" | "blocked";
  targetName: string;
  /** Where the app is imported (undefined = the caller's personal space, then handed to its owner). */
  targetSpace?: { ref: Ref; name: string };
  /** For apps from managed spaces: the managed space and the development (origin) app. */
  managed?: { space: { ref: Ref; name: string }; origin: Ref; devCopy: boolean };
  targetAppId?: string;
  owner?: Ref;
  objects: number;
  /** Objects of the target app the snapshot does not have: kept, or deleted (each listed in the objects step). */
  extraObjects?: { kept: number; deleted: number; known: boolean };
  /** Section access: the script step sets the snapshot's script after the import. */
  sectionAccess?: boolean;
  /** For an app gone from its own tenant: whether Qlik's restore is used, and why (or why not). */
  qlik?: string;
  reason: string;
}

/** One object an objects step deletes: shown in the plan before anything changes. */
export interface PlannedRemoval {
  id: string;
  type: string;
  genericType: ObjectRecord["genericType"];
  title: string;
}

interface StepBase {
  /** Stable across attempts of the same restore: the journal's key. */
  id: string;
  label: string;
  reason: string;
  /**
   * Ids of the steps this one waits for (they have ended: done, failed or skipped). The
   * executor runs a step once they have; steps that wait for nothing pending run in parallel
   * (app chains). What a step needs created is in its refs: one its dependency failed to
   * create makes it "skipped".
   */
  after: string[];
}

export type PlanStep =
  | (StepBase & { kind: "safety-backup" })
  | (StepBase & { kind: "create-user"; ref: Ref; subject: string; name?: string; email?: string })
  | (StepBase & { kind: "create-space"; ref: Ref; name: string; type: "shared" | "managed" | "data"; description?: string })
  | (StepBase & { kind: "assign"; space: Ref; assignee: Ref; assigneeType: "user" | "group"; roles: string[] })
  | (StepBase & { kind: "space-owner"; space: Ref; owner: Ref })
  | (StepBase & { kind: "import-app"; ref: Ref; app: string; name: string; space?: Ref; qvf: BlobRef; knownSameName: string[] })
  | (StepBase & { kind: "qlik-restore"; ref: Ref; appId: string })
  | (StepBase & {
      kind: "objects";
      app: string;
      target: Ref;
      remove: PlannedRemoval[];
      /**
       * Every object change, planned from the target app's objects read before planning (apps
       * restored in place); the executor makes exactly these. Absent: the app could not be read
       * when planning (imported, or Qlik-restored) and the executor reconciles it with the snapshot.
       */
      changes?: ObjectChange[];
      /** What planning read of the app and of each object `changes` and the owner step touch: compared before writing. */
      readAt?: ObjectsReadAt;
      /** Single-object restore: the snapshot object ids restored (nothing else in the app is touched). */
      only?: string[];
    })
  | (StepBase & { kind: "app-script"; app: string; target: Ref; script: BlobRef })
  | (StepBase & { kind: "copy-app"; ref: Ref; from: Ref; name: string; space: Ref; knownSameName: string[] })
  | (StepBase & { kind: "strip-app"; target: Ref })
  | (StepBase & {
      kind: "object-owners";
      app: string;
      target: Ref;
      /** The owner changes planned (apps restored in place); absent: every object's owner is brought back to the snapshot's. */
      changes?: OwnerChange[];
      only?: string[];
    })
  | (StepBase & { kind: "app-owner"; target: Ref; owner: Ref })
  | (StepBase & { kind: "publish-move"; target: Ref; space: Ref; origin: Ref })
  | (StepBase & ResourceStepFields);

/** One item of a declared resource kind: created or brought to the snapshot's fields (kinds/resources/restore.ts). */
export interface ResourceStepFields {
  kind: "resource";
  layer: ResourceKindName;
  sourceId: string;
  name: string;
  action: "create" | "update";
  /** create: the item's `resource` ref (its output); update: the existing target item. */
  target: Ref;
  /** Every reference value of the body (def `refs`): the source id at a path, and what it becomes (absent: left out). */
  refs: ResourceStepRef[];
  owner?: Ref;
  space?: Ref;
  /** The secret fields the operator gives for it (names only: values reach the step from `RestoreSecrets`). */
  secrets?: string[];
  /**
   * App-adjacent membership of a shared item the target has (a tag, a collection): instead of
   * writing the snapshot's item, the elements of `array` whose `inner` names one of `ids`
   * (source app ids, mapped through `refs`) are added to the target's item; its other members
   * stay as they are.
   */
  merge?: { array: string; inner: string; ids: string[] }[];
}

export interface ResourceStepRef {
  path: string;
  /** The value in the snapshot (a source id). */
  id: string;
  /** What it maps to in the target; absent: the (optional) field is left out. */
  ref?: Ref;
  /** What it names, for messages ("app 'Sales'"). */
  what: string;
}

export type StepKind = PlanStep["kind"];
/** A step of one kind. */
export type StepOf<K extends StepKind> = Extract<PlanStep, { kind: K }>;
type WithoutAfter<T> = T extends unknown ? Omit<T, "after"> : never;
/** A step as a fragment plans it: the builder adds `after`. */
export type StepDraft = WithoutAfter<PlanStep>;

export interface RestorePlan {
  format: typeof PLAN_FORMAT;
  version: typeof PLAN_VERSION;
  /** Stable id of "this restore" (snapshot, target, selection, options): keys the journal. */
  restoreKey: string;
  snapshot: { id: string; tenant: string; host: string; time: string; partial: boolean };
  target: { host: string; caller: string; callerIsBot: boolean; sameTenant: boolean };
  options: RestoreOptions;
  /** Source user id → ref of the target user who owns their content (absent: unresolved). */
  owners: Record<string, Ref>;
  users: UserDecision[];
  spaces: SpaceDecision[];
  apps: AppDecision[];
  /** Items of declared resource kinds, each with its class and action (absent in plan files written before them: none). */
  resources: ResourceDecision[];
  steps: PlanStep[];
  warnings: string[];
  /** Problems that stop execution; nothing is written while there are any. */
  blockers: string[];
}

/** A plan input error: a selector or option that does not fit the snapshot or target. */
export class RestorePlanError extends LifeboatError {
  constructor(message: string) {
    super("usage", message);
    this.name = "RestorePlanError";
  }
}

/** What an earlier attempt of the same restore created (from the journal). */
export interface PreviousAttempt {
  /**
   * The key of the journal these come from, when it is not `restoreKeyOf` of this restore: a
   * journal an earlier version wrote under the key it gave the same restore (`restoreJournalKey`).
   */
  restoreKey?: string;
  /** ref key (`refKey`) → target id of everything created so far. */
  created: Created;
  /**
   * Creating steps an attempt started but never recorded (killed mid-call) → the ids of the
   * same-named apps that existed before it: any other same-named app is that attempt's.
   */
  interruptedKnown?: Record<string, string[]>;
  /** Steps an attempt started and never recorded (killed or failed mid-call): what they made is ours. */
  interrupted?: Iterable<string>;
}


/** The stable key of a restore: same snapshot, target and choices ⇒ same key (the journal's name). */
export function restoreKeyOf(snapshotId: string, targetHost: string, options: RestoreOptions): string {
  return sha256Hex(canonicalJson({ snapshotId, target: tenantKey(targetHost), options: normalizeOptions(options) })).slice(0, 24);
}

/**
 * The keys earlier versions gave the same restore, so that a restore they left unfinished is
 * found and continued (not planned afresh, which could import its apps a second time).
 * Before --delete-extra-objects, extra objects were deleted unless --keep-extra-objects, which
 * put `removeExtraObjects: false` into the key; keeping is the default now, so a restore that
 * does not delete them is what that command line was.
 */
export function previousRestoreKeysOf(snapshotId: string, targetHost: string, options: RestoreOptions): string[] {
  if (options.deleteExtraObjects) return [];
  const kept = { ...normalizeOptions(options), removeExtraObjects: false };
  return [sha256Hex(canonicalJson({ snapshotId, target: tenantKey(targetHost), options: kept })).slice(0, 24)];
}

function normalizeOptions(o: RestoreOptions): RestoreOptions {
  const out: RestoreOptions = {};
  if (o.apps?.length) out.apps = [...o.apps].sort();
  if (o.spaces?.length) out.spaces = [...o.spaces].sort();
  if (o.all) out.all = true;
  if (o.spaceMap && Object.keys(o.spaceMap).length) out.spaceMap = { ...o.spaceMap };
  if (o.asNew) out.asNew = true;
  if (o.name) out.name = o.name;
  if (o.ownerFallback) out.ownerFallback = o.ownerFallback;
  if (o.createMissingUsers) out.createMissingUsers = true;
  if (o.skipExisting) out.skipExisting = true;
  if (o.safetyBackup === false) out.safetyBackup = false;
  if (o.deleteExtraObjects) out.deleteExtraObjects = true;
  // Absent unless given: the keys of restores without --object stay what they were.
  if (o.objects?.length) out.objects = [...new Set(o.objects)].sort();
  if (o.layers?.length) out.layers = [...new Set(o.layers)].sort();
  return out;
}

/** Finds a snapshot app / space by id, then by exact unique name. */
export function matchOne<T>(items: T[], key: string, idOf: (t: T) => string, nameOf: (t: T) => string, what: string, snapshotId: string): T {
  const byId = items.find((t) => idOf(t) === key);
  if (byId) return byId;
  const byName = items.filter((t) => nameOf(t) === key);
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1)
    throw new RestorePlanError(`'${key}' names ${byName.length} ${what}s in snapshot ${snapshotId.slice(0, 12)} (ids ${byName.map(idOf).join(", ")}); select one by id`);
  throw new RestorePlanError(
    `no ${what} '${key}' in snapshot ${snapshotId.slice(0, 12)}; run 'lifeboat ls ${snapshotId.slice(0, 12)} ${what === "app" ? "apps" : "spaces"}' to see its ${what}s`,
  );
}

/**
 * The snapshot apps whose objects the planner needs from the target (`readTargetState(…,
 * { objectsOf })`): every selected app (those restored in place are read; the others are not
 * in the target), unless `--as-new` imports them all.
 */
export function objectsNeededFor(source: RestoreSource, options: RestoreOptions): string[] {
  if (options.asNew) return [];
  try {
    return selectedAppIds(source, options);
  } catch (e) {
    if (e instanceof RestorePlanError) return []; // planRestore reports it
    throw e;
  }
}

/**
 * The snapshot apps a restore with these options selects (ids): the apps the planner needs
 * the objects of. Throws `RestorePlanError` for a selector naming nothing, as `planRestore` does.
 */
export function selectedAppIds(source: RestoreSource, options: RestoreOptions): string[] {
  const ids = new Set<string>();
  if (options.all) for (const a of source.apps) ids.add(a.id);
  for (const key of options.spaces ?? []) {
    const s = matchOne(source.spaces, key, (x) => x.record.id, (x) => x.record.name, "space", source.snapshot.id);
    for (const a of source.apps) if (a.doc.summary.spaceId === s.record.id) ids.add(a.id);
  }
  for (const key of options.apps ?? []) ids.add(matchOne(source.apps, key, (x) => x.id, (x) => x.name, "app", source.snapshot.id).id);
  return [...ids];
}

/** The snapshot objects of the apps a restore selects, read before planning (the planner is pure). */
export async function objectsForPlan(source: RestoreSource, options: RestoreOptions): Promise<Map<string, ObjectRecord[]>> {
  const out = new Map<string, ObjectRecord[]>();
  let ids: string[];
  try {
    ids = selectedAppIds(source, options);
  } catch (e) {
    if (e instanceof RestorePlanError) return out; // planRestore reports it
    throw e;
  }
  for (const id of ids) out.set(id, await source.objectsOf(id));
  return out;
}

/**
 * Reads the snapshot's items of the declared kinds a restore with these options needs
 * (`resourceKindsFor`) before planning (the planner is pure): `source.loadedResources` then has them.
 */
export async function resourcesForPlan(source: RestoreSource, options: RestoreOptions): Promise<void> {
  for (const layer of resourceKindsFor(source, options)) await source.resourcesOf(layer);
}

/** `options.layers`, checked: each a declared kind. */
function checkLayers(options: RestoreOptions): ResourceKindName[] {
  const known = new Set<string>(RESOURCE_KINDS);
  const bad = (options.layers ?? []).filter((l) => !known.has(l));
  if (bad.length) throw new RestorePlanError(`unknown layer${bad.length > 1 ? "s" : ""} ${bad.map((l) => `'${l}'`).join(", ")}; the layers a restore selects are: ${RESOURCE_KINDS.join(", ")}`);
  return (options.layers ?? []) as ResourceKindName[];
}

/**
 * Plans a restore (pure). `objects`: the snapshot objects of the selected apps
 * (`objectsForPlan`); without it, what the source has read already. Items of declared
 * resource kinds come from `source.loadedResources` (`resourcesForPlan` reads them);
 * `extra.secrets` says which secrets the operator gives (never their values).
 */
export function planRestore(
  source: RestoreSource,
  target: TargetState,
  options: RestoreOptions,
  previous: PreviousAttempt = { created: {} },
  objects?: ReadonlyMap<string, readonly ObjectRecord[]>,
  extra: { secrets?: RestoreSecrets } = {},
): RestorePlan {
  const snapId = source.snapshot.id;
  const sameTenant = tenantKey(source.tenant.host) === tenantKey(target.host);
  const warnings: string[] = [];

  // ---- selection -------------------------------------------------------------------
  const layers = checkLayers(options);
  if (!options.all && !options.apps?.length && !options.spaces?.length && !layers.length)
    throw new RestorePlanError("nothing selected: pass --app ID|NAME, --space ID|NAME, --layers KIND or --all");
  if (options.name && !options.asNew) throw new RestorePlanError("--name needs --as-new (it names the new app)");
  const sourceSpaceName = (s: SourceSpace) => s.record.name;
  const selectedSpaces = new Map<string, SourceSpace>();
  const selectedApps = new Map<string, SourceApp>();
  if (options.all) {
    for (const s of source.spaces) selectedSpaces.set(s.record.id, s);
    for (const a of source.apps) selectedApps.set(a.id, a);
  }
  for (const key of options.spaces ?? []) {
    const s = matchOne(source.spaces, key, (x) => x.record.id, sourceSpaceName, "space", snapId);
    selectedSpaces.set(s.record.id, s);
    for (const a of source.apps) if (a.doc.summary.spaceId === s.record.id) selectedApps.set(a.id, a);
  }
  for (const key of options.apps ?? []) {
    const a = matchOne(source.apps, key, (x) => x.id, (x) => x.name, "app", snapId);
    selectedApps.set(a.id, a);
  }
  if (options.name && selectedApps.size !== 1)
    throw new RestorePlanError(`--name names one new app, but the selection has ${selectedApps.size} apps; select exactly one with --app`);
  if (selectedApps.size === 0 && selectedSpaces.size === 0 && !layers.length && !(options.all && source.resourceLayers.length)) throw new RestorePlanError(`the selection matches nothing in snapshot ${snapId.slice(0, 12)}: it holds no apps or spaces; run 'lifeboat ls ${snapId.slice(0, 12)}' to see what it holds`);

  // ---- space map (validated up front: a bad map is an input error) -----------------
  const spaceMap = new Map<string, SpaceRecord>(); // source space id → target space
  for (const [from, to] of Object.entries(options.spaceMap ?? {})) {
    const src = matchOne(source.spaces, from, (x) => x.record.id, sourceSpaceName, "space", snapId);
    const dst = target.spaces.find((s) => s.id === to) ?? target.spaces.find((s) => s.name === to);
    if (!dst)
      throw new RestorePlanError(
        `--space-map ${from}=${to}: there is no space '${to}' on ${target.host}; create it first or map to one of: ${target.spaces.map((s) => s.name).join(", ") || "(none)"}`,
      );
    if (dst.type !== src.record.type)
      warnings.push(`space '${src.record.name}' (${src.record.type}) is mapped to '${dst.name}', a ${dst.type} space`);
    spaceMap.set(src.record.id, dst);
  }

  // ---- the selected apps' objects (read before planning) ---------------------------
  const objectsOf = (appId: string): readonly ObjectRecord[] => {
    const o = objects?.get(appId) ?? source.loadedObjects(appId);
    if (o) return o;
    if (!selectedApps.has(appId)) return [];
    throw new Error(`planner: the objects of app ${appId} were not read before planning (pass objectsForPlan(source, options) to planRestore)`);
  };
  for (const id of selectedApps.keys()) objectsOf(id);

  // ---- single-object restore: just these objects of one live app ----------------------
  let onlyObjects: Set<string> | undefined;
  if (options.objects?.length) {
    if (options.all || options.spaces?.length || options.asNew || options.name || (options.spaceMap && Object.keys(options.spaceMap).length) || options.apps?.length !== 1 || layers.length)
      throw new RestorePlanError("--object restores objects into one live app: give exactly one --app (the app they are in) and no --all, --space, --space-map, --as-new, --name or --layer");
    const app = [...selectedApps.values()][0]!;
    const { ids, errors } = selectObjects([...objectsOf(app.id)], options.objects, { app: app.name, appId: app.id, snapshot: snapId.slice(0, 12) });
    if (errors.length) throw new RestorePlanError(errors.join("; "));
    onlyObjects = ids;
  }

  const ctx: PlanContext = {
    source,
    target,
    options,
    previous,
    sameTenant,
    selectedApps,
    selectedSpaces,
    spaceMap,
    createdIds: new Set(Object.values(previous.created)),
    interruptedSteps: new Set(previous.interrupted ?? []),
    objectsOf,
    ...(onlyObjects ? { onlyObjects } : {}),
    secrets: extra.secrets ?? NO_SECRETS,
  };
  const b = new PlanBuilder(ctx);
  b.warnings.push(...warnings);
  // ---- each kind's fragment, in registry order -------------------------------------
  for (const kind of KINDS as readonly ResourceKind[]) kind.restore?.plan?.(b);
  b.runDeferred();

  // ---- order: safety backup, users, spaces, assignments, apps, space owners ----------
  const hasContent = target.apps.length > 0 || target.spaces.length > 0 || b.resources.some((d) => d.action === "update");
  const safety = options.safetyBackup !== false && hasContent;
  const steps = b.build(
    safety ? [{ id: "safety-backup", kind: "safety-backup", label: `back up ${target.host} before changing it (tag pre-restore)`, reason: "the target has content the restore may change" }] : [],
  );
  if (!safety && hasContent) b.warnings.push("no safety backup of the target will be taken (--no-safety-backup)");
  if (source.snapshot.partial) b.warnings.push(`snapshot ${snapId.slice(0, 12)} is partial: some items failed at backup time and cannot be restored`);
  if (!source.tenant.caller.isPrivateContentBot)
    b.warnings.push("the snapshot was taken without a private-content bot: other users' private content is not in it");
  if (!target.caller.isPrivateContentBot)
    b.warnings.push(`${target.caller.subject || "the restoring user"} is not a private-content bot: changing the owner of other users' objects may be refused`);

  return {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    restoreKey: previous.restoreKey ?? restoreKeyOf(snapId, target.host, options),
    snapshot: { id: snapId, tenant: source.snapshot.tenant, host: source.tenant.host, time: source.snapshot.time, partial: source.snapshot.partial },
    target: { host: target.host, caller: target.caller.subject, callerIsBot: target.caller.isPrivateContentBot, sameTenant },
    options: normalizeOptions(options),
    owners: b.owners,
    users: b.users,
    spaces: b.spaces,
    apps: b.apps,
    resources: b.resources,
    steps,
    warnings: b.warnings,
    blockers: b.blockers,
  };
}
