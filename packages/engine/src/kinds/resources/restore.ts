/**
 * The restore half of every declared resource kind (def.ts), generic: one plan fragment, one
 * step runner and one verification serve them all (kind.ts wires them into each kind).
 *
 * Plan (`planResources(def)`, run in registry order like every fragment):
 * - selection: `--all` takes every item of every kind; `--layer` (`options.layers`) every item
 *   of the kinds it names; `--app`/`--space` the items whose references name a selected app
 *   (reload tasks, alerts, …) when that app is imported, brought back by Qlik's restore (which
 *   loses them), or reconciled and the item is missing in the target;
 * - each item is found in the target per `def.match` (on the same tenant, by id first) and
 *   decided: create, update, unchanged (equal without volatile fields and secrets), reference
 *   (its class: Qlik's API cannot write it — the checklist says where to redo it), or skip with
 *   the reason (the target cannot take the kind, a required reference cannot be resolved,
 *   several target items match);
 * - its references (`def.refs`) are resolved to refs: apps to the plan's app decisions (or the
 *   target's app of the same id, same tenant, or same name in the mapped space), users through
 *   the users fragment, spaces through `decideSpace`, groups by name, other kinds to their
 *   decision (what their step creates, or the target item they match). A required reference
 *   that cannot be resolved skips the item (not fatal); an optional one is left out, with a warning;
 * - create/update steps: before-apps kinds with `b.step`, after-apps ones with `b.tailStep`,
 *   planned once every fragment has run (`b.later`), in registry order.
 *
 * Steps (`resourceSteps.resource`): the body from the snapshot without volatile fields,
 * references mapped through the journal (`x.resolve`), owner and space mapped, files read from
 * the repository, secrets from the `RestoreSecrets` the executor was given (never in a step, the
 * journal or an event); an item an interrupted attempt created is found by its match key and
 * adopted. A failed item fails its own step only.
 *
 * Verification reads every created or updated item back and compares it field by field with
 * the snapshot (ids, volatile fields and secrets ignored; files by content).
 */
import { createHash } from "node:crypto";
import type { ResourceKindName, ResourceRecord, ResourceWrite, ResourceWriteResult } from "@lifeboat/model";
import { canonicalJson } from "../../internal/canonical.ts";
import type { PlanBuilder, PlanContext } from "../../restore/builder.ts";
import type { ResourceStepRef, RestoreOptions, StepDraft, StepOf } from "../../restore/plan.ts";
import { existing, existingId, refKey, resolveRef, type Ref } from "../../restore/ref.ts";
import type { ChecklistItem, ResourceDecision } from "../../restore/resources.ts";
import type { RestoreSource, SourceResource } from "../../restore/source.ts";
import { DependencyError, errText, show, type StepContext, type StepRun, type StepRunners, type VerifyContext } from "../restore.ts";
import { pluralOf } from "../kind.ts";
import type { ResourceKindDef } from "./def.ts";
import { valuesAt, visit, without } from "./fields.ts";

/** The declarations by layer (set by kind.ts as kinds are declared; the registry orders them). */
const DEFS = new Map<ResourceKindName, ResourceKindDef>();

export function registerDef(def: ResourceKindDef): void {
  DEFS.set(def.layer, def);
}

function defOf(layer: ResourceKindName): ResourceKindDef {
  const d = DEFS.get(layer);
  if (!d) throw new Error(`no declared resource kind '${layer}' in this Lifeboat; the plan was made by another version — plan again`);
  return d;
}

const refsTo = (def: ResourceKindDef, to: string) => (def.refs ?? []).filter((r) => r.to === to);
const secretFields = (def: ResourceKindDef): string[] => (def.secrets ?? []).map((s) => s.field);
const stepId = (layer: ResourceKindName, sourceId: string) => `res:${layer}:${sourceId}`;
const resRef = (layer: ResourceKindName, sourceId: string): Ref => ({ t: "resource", layer, sourceId });
const label = (def: ResourceKindDef, name: string) => `${def.noun} '${name}'`;

/**
 * The declared kinds a restore with these options reads (snapshot and target): every kind the
 * snapshot holds with `--all`; the `--layer` kinds; with `--app`/`--space`, the kinds whose
 * items can name an app; and, transitively, the kinds their references name.
 */
export function resourceKindsFor(source: RestoreSource, options: RestoreOptions): ResourceKindName[] {
  const held = new Set(source.resourceLayers);
  const want = new Set<ResourceKindName>();
  for (const def of DEFS.values()) {
    if (!held.has(def.layer)) continue;
    if (options.all || options.layers?.includes(def.layer)) want.add(def.layer);
    else if ((options.apps?.length || options.spaces?.length) && !options.objects?.length && !options.asNew && refsTo(def, "app").length) want.add(def.layer);
  }
  for (let grew = true; grew; ) {
    grew = false;
    for (const layer of [...want])
      for (const r of DEFS.get(layer)?.refs ?? [])
        if (DEFS.has(r.to as ResourceKindName) && held.has(r.to as ResourceKindName) && !want.has(r.to as ResourceKindName)) {
          want.add(r.to as ResourceKindName);
          grew = true;
        }
  }
  return source.resourceLayers.filter((l) => want.has(l));
}

// ---- matching ---------------------------------------------------------------------

type Match = { found?: ResourceRecord; ambiguous?: number; by?: string };

/**
 * The target item of a source item (def.match): on the same tenant by id first; an item an
 * earlier attempt of this restore created (journal); then by the kind's key. `spaceId`: the
 * target space the item goes to (name-in-space), when it exists.
 */
function matchTarget(def: ResourceKindDef, rec: ResourceRecord, items: readonly ResourceRecord[], ctx: PlanContext, spaceId: string | undefined, personalOwner?: string): Match {
  if (ctx.sameTenant || def.match === "id") {
    const byId = items.find((t) => t.id === rec.id);
    if (byId) return { found: byId, by: "same id" };
  }
  const earlier = ctx.previous.created[refKey(resRef(def.layer, rec.id))];
  if (earlier) {
    const mine = items.find((t) => t.id === earlier);
    if (mine) return { found: mine, by: "created by an earlier attempt of this restore" };
  }
  let candidates: ResourceRecord[] = [];
  switch (def.match) {
    case "id":
      return {};
    case "singleton":
      candidates = items.slice(0, 1);
      break;
    case "id-or-name":
    case "name":
      candidates = items.filter((t) => t.name === rec.name);
      break;
    case "name-in-space":
      candidates = spaceId === undefined && rec.spaceId ? [] : items.filter((t) => t.name === rec.name && (t.spaceId ?? "") === (spaceId ?? ""));
      // A personal item (no space) is its owner's: another user's of the same name is not it
      // (personal automation connections are often all called "Slack"). An owner who does not
      // exist in the target yet has none.
      if (!rec.spaceId && rec.ownerId) candidates = candidates.filter((t) => personalOwner !== undefined && t.ownerId === personalOwner);
      break;
  }
  if (candidates.length > 1) return { ambiguous: candidates.length };
  return candidates[0] ? { found: candidates[0], by: def.match === "singleton" ? "the tenant's one" : def.match === "name-in-space" ? "same name in its space" : "same name" } : {};
}

// ---- planning ---------------------------------------------------------------------

/** What the plan decided of an item, kept for the references of later kinds. */
interface Planned {
  def: ResourceKindDef;
  item: SourceResource;
  decision: ResourceDecision;
  /** What its references resolve to (create/update). */
  ref?: Ref;
}

/** Per plan builder: the decisions of every declared kind so far (a kind's references use them). */
const planned = new WeakMap<PlanBuilder, Map<string, Planned>>();
const plannedOf = (b: PlanBuilder) => {
  let m = planned.get(b);
  if (!m) planned.set(b, (m = new Map()));
  return m;
};

/** The items of a kind the selection takes: all of them, or those naming apps the restore brings back ("adjacent"). */
type Selection = { mode: "all" } | { mode: "adjacent"; apps: ReadonlyMap<string, "full" | "missing"> };

function selectionOf(def: ResourceKindDef, b: PlanBuilder): Selection | undefined {
  const { options } = b.ctx;
  if (options.objects?.length) return undefined;
  if (options.all && !options.layers?.length) return { mode: "all" };
  if (options.layers?.includes(def.layer)) return { mode: "all" };
  // An app restored beside itself (--as-new) is a new app: what names the original stays the original's.
  if (options.asNew) return undefined;
  if (!refsTo(def, "app").length) return undefined;
  const apps = new Map<string, "full" | "missing">();
  for (const d of b.apps) {
    if (!b.ctx.selectedApps.has(d.sourceId)) continue;
    // Qlik's restore (and a new import) loses what named the app; an app reconciled in place keeps it.
    if (d.action === "import" || d.action === "qlik-restore") apps.set(d.sourceId, "full");
    else if (d.action === "reconcile") apps.set(d.sourceId, "missing");
  }
  return apps.size ? { mode: "adjacent", apps } : undefined;
}

/** The target app a source app id names, when the plan or the target has one. */
function appRef(b: PlanBuilder, appId: string): { ref?: Ref; what: string } {
  const { source, target, sameTenant, spaceMap } = b.ctx;
  const d = b.apps.find((x) => x.sourceId === appId);
  const app = source.apps.find((a) => a.id === appId);
  const what = `app '${app?.name ?? d?.name ?? appId}'`;
  if (d?.action === "reconcile" && d.targetAppId) return { ref: existing(d.targetAppId), what };
  if (d?.action === "import" || d?.action === "qlik-restore") return { ref: { t: "app", sourceId: appId }, what };
  if (sameTenant && target.apps.some((a) => a.appId === appId)) return { ref: existing(appId), what };
  if (!app) return { what };
  const srcSpace = app.doc.summary.spaceId;
  const space = srcSpace ? (spaceMap.get(srcSpace)?.id ?? b.spaces.find((s) => s.sourceId === srcSpace)?.targetId ?? target.spaces.find((s) => s.name === source.spaces.find((x) => x.record.id === srcSpace)?.record.name)?.id) : undefined;
  if (srcSpace && !space) return { what };
  const same = target.apps.filter((a) => a.name === app.name && (a.spaceId ?? "") === (space ?? "") && (srcSpace || a.ownerId !== undefined));
  return same.length === 1 ? { ref: existing(same[0]!.appId), what } : { what };
}

function spaceRef(b: PlanBuilder, spaceId: string): { ref?: Ref; what: string; reason?: string } {
  const { source, target, sameTenant } = b.ctx;
  const src = source.spaces.find((s) => s.record.id === spaceId);
  if (src) {
    const d = b.decideSpace(src.record);
    if (d.action === "blocked") return { what: `space '${src.record.name}'`, reason: d.reason };
    return { ref: d.ref, what: `space '${src.record.name}'` };
  }
  const there = sameTenant ? target.spaces.find((s) => s.id === spaceId) : undefined;
  return there ? { ref: existing(there.id), what: `space '${there.name}'` } : { what: `space ${spaceId} (not in the snapshot)` };
}

function groupRef(b: PlanBuilder, groupId: string): { ref?: Ref; what: string } {
  const { source, target, sameTenant } = b.ctx;
  const g = source.groups.find((x) => x.id === groupId);
  const what = `group '${g?.name ?? groupId}'`;
  if (sameTenant && target.groups.some((x) => x.id === groupId)) return { ref: existing(groupId), what };
  const t = g ? target.groups.find((x) => x.name === g.name) : undefined;
  return t ? { ref: existing(t.id), what } : { what };
}

function userRef(b: PlanBuilder, userId: string): { ref?: Ref; what: string } {
  b.ensureUser(userId);
  const u = b.sourceUser(userId);
  return { ...(b.userRef(userId) ? { ref: b.userRef(userId)! } : {}), what: `user ${u?.subject || userId}` };
}

/** The target item another kind's reference names: its decision, or the target item it matches. */
function resourceRefOf(b: PlanBuilder, from: ResourceKindDef, layer: ResourceKindName, id: string): { ref?: Ref; what: string; reason?: string } {
  const def = DEFS.get(layer);
  const noun = def?.noun ?? layer;
  const p = plannedOf(b).get(stepId(layer, id));
  const what = `${noun} '${p?.item.record.name ?? b.ctx.source.loadedResources(layer)?.find((r) => r.record.id === id)?.record.name ?? id}'`;
  if (p) {
    if (p.ref?.t === "resource") {
      // Created by this restore: its step must run before the referring one.
      const order = b.ctx.source.resourceLayers;
      const before = (p.def.phase === "before-apps" && from.phase === "after-apps") || (p.def.phase === from.phase && order.indexOf(layer) < order.indexOf(from.layer));
      return before ? { ref: p.ref, what } : { what, reason: `${what} is created after it (its kind restores later)` };
    }
    if (p.ref) return { ref: p.ref, what };
    if (p.decision.targetId) return { ref: existing(p.decision.targetId), what };
    return { what, reason: `${what} is not restored (${p.decision.reason})` };
  }
  // Not selected: the target's item, when there is one.
  const items = b.ctx.target.resources?.[layer];
  if (!def || !items) return { what };
  const src = b.ctx.source.loadedResources(layer)?.find((r) => r.record.id === id);
  if (!src) return b.ctx.sameTenant && items.some((t) => t.id === id) ? { ref: existing(id), what } : { what };
  const m = matchTarget(def, src.record, items, b.ctx, undefined);
  return m.found ? { ref: existing(m.found.id), what } : { what, reason: `${what} is not in the target; restore it too (--layers ${layer})` };
}

/** The comparable form of a record: name, owner, space and body without volatile fields and secrets. */
function comparable(def: ResourceKindDef, r: { name: string; ownerId?: string | undefined; spaceId?: string | undefined; body: Record<string, unknown> }, withOwner: boolean): Record<string, unknown> {
  return { name: r.name, ...(withOwner ? { owner: r.ownerId ?? null } : {}), space: r.spaceId ?? null, body: without(r.body, [...(def.volatile ?? []), ...secretFields(def)]) };
}

/** The top-level fields (name, owner, space, body keys) whose values differ between two comparable forms. */
function differences(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const k of ["name", "owner", "space"]) if (k in a && canonicalJson(a[k]) !== canonicalJson(b[k])) out.push(k);
  const ba = a.body as Record<string, unknown>;
  const bb = b.body as Record<string, unknown>;
  for (const k of [...new Set([...Object.keys(ba), ...Object.keys(bb)])].sort()) if (canonicalJson(ba[k]) !== canonicalJson(bb[k])) out.push(k);
  return out;
}

/** The body as the target would have it: every reference mapped (placeholders for what a step creates). */
function mappedBody(def: ResourceKindDef, body: Record<string, unknown>, refs: readonly ResourceStepRef[], resolve: (ref: Ref) => string | undefined): { body: Record<string, unknown>; unresolved: string[] } {
  const copy = without(body, secretFields(def));
  const unresolved: string[] = [];
  for (const path of new Set(refs.map((r) => r.path))) {
    const map = (v: unknown, set: (v: unknown) => void, remove: () => void) => {
      const r = refs.find((x) => x.path === path && x.id === String(v));
      if (!r) return;
      const id = r.ref ? resolve(r.ref) : undefined;
      if (id !== undefined) set(id);
      else if (!r.ref) remove();
      else {
        unresolved.push(r.what);
        set(`(${refKey(r.ref)})`);
      }
    };
    // A reference inside an array's elements ("recipients.groupIds[].value"): an element whose
    // reference is left out goes as a whole (an element without its id names nothing).
    const cut = path.lastIndexOf("[].");
    if (cut < 0) visit(copy, path, map);
    else
      visit(copy, path.slice(0, cut + 2), (el, _set, removeElement) => {
        let drop = false;
        visit(el, path.slice(cut + 3), (v, set) => map(v, set, () => void (drop = true)));
        if (drop) removeElement();
      });
  }
  return { body: copy, unresolved };
}

export function planResources(def: ResourceKindDef): (b: PlanBuilder) => void {
  return (b) => {
    const { source, target, secrets } = b.ctx;
    const sel = selectionOf(def, b);
    if (!sel) return;
    const items = source.loadedResources(def.layer);
    if (!items) {
      if (!source.resourceLayers.includes(def.layer)) return;
      throw new Error(`planner: the ${def.layer} of the snapshot were not read before planning (call resourcesForPlan(source, options) first)`);
    }
    const targetItems = target.resources?.[def.layer];
    const unavailable = target.resourcesUnavailable?.[def.layer] ?? (targetItems ? undefined : `the target's ${def.layer} were not read before planning`);
    const mine = plannedOf(b);
    let skippedForTarget = 0;
    for (const item of items) {
      const rec = item.record;
      let missingOnly = false;
      /** The selected apps it names (app-adjacent selection). */
      let adjacent: string[] | undefined;
      if (sel.mode === "adjacent") {
        const named = refsTo(def, "app").flatMap((r) => valuesAt(rec.body, r.path).map(String));
        const modes = named.map((id) => sel.apps.get(id)).filter((m): m is "full" | "missing" => m !== undefined);
        if (!modes.length) continue;
        missingOnly = !modes.includes("full");
        adjacent = [...new Set(named.filter((id) => sel.apps.has(id)))];
      }
      const cls = def.classify(rec);
      const needed = (def.secrets ?? []).filter((s) => (s.when ? s.when(rec) : (rec.secrets ?? []).includes(s.field)));
      const d: ResourceDecision = {
        layer: def.layer,
        sourceId: rec.id,
        name: rec.name,
        class: cls.class,
        classReason: cls.reason,
        action: "skip",
        reason: "",
        ...(needed.length ? { secrets: needed.map((s) => ({ field: s.field, label: s.label, given: secrets.has(def.layer, rec.name, s.field) })) } : {}),
      };
      b.resources.push(d);
      const p: Planned = { def, item, decision: d };
      mine.set(stepId(def.layer, rec.id), p);
      if (unavailable) {
        d.reason = unavailable;
        skippedForTarget++;
        continue;
      }
      // Where it goes: its space (decided with the spaces), for the match and the step.
      let space: { ref?: Ref; what: string; reason?: string } | undefined;
      if (rec.spaceId) {
        space = spaceRef(b, rec.spaceId);
        if (!space.ref) {
          d.reason = space.reason ? `its ${space.what}: ${space.reason}` : `its ${space.what} cannot be found in the target`;
          continue;
        }
      }
      const personalOwner = !rec.spaceId && rec.ownerId && def.match === "name-in-space" ? existingId(userRef(b, rec.ownerId).ref) : undefined;
      const m = matchTarget(def, rec, targetItems!, b.ctx, space ? existingId(space.ref) : undefined, personalOwner);
      if (m.ambiguous) {
        d.reason = `${m.ambiguous} ${pluralOf(def)} in the target match '${rec.name}'; rename or remove the extra ones, then restore again`;
        continue;
      }
      if (m.found) {
        d.targetId = m.found.id;
        for (const sec of d.secrets ?? []) if ((m.found.secrets ?? []).includes(sec.field)) sec.inTarget = true;
      }
      if (cls.class === "reference") {
        // Still there as in the snapshot (same tenant): nothing to redo.
        if (m.found && !differences(comparable(def, rec, false), comparable(def, m.found, false)).length) {
          d.action = "unchanged";
          d.reason = `in the target as in the snapshot (${m.by})`;
          continue;
        }
        d.action = "reference";
        d.reason = `${cls.reason}; the snapshot holds its configuration for doing it by hand (${def.where})`;
        continue;
      }
      if (missingOnly && m.found) {
        d.action = "unchanged";
        d.reason = "in the target already (its app is restored in place); select its kind with --layers to bring it back as in the snapshot";
        continue;
      }
      pendingOf(b).push({ p, m, space: space?.ref, ...(adjacent ? { adjacent } : {}) });
    }
    if (skippedForTarget) b.warnings.push(`${skippedForTarget} ${def.noun}(s) are not restored: ${unavailable}`);
    if (!laterInstalled.has(b)) {
      laterInstalled.add(b);
      b.later(() => planSteps(b));
    }
  };
}

/** Items decided to be written (create or update, once their references are known), per plan builder. */
interface Pending {
  p: Planned;
  m: Match;
  space?: Ref | undefined;
  /** Taken because it names these selected apps (`--app`/`--space`), not as a whole. */
  adjacent?: string[];
}

/**
 * The app references of a kind inside the elements of one top-level array ("items[].resourceId"):
 * membership of a shared item (a tag, a collection) that names many apps. Split into the array
 * and the field. References in nested arrays (a glossary's "terms[].linksTo[].resourceId") are
 * not membership: whose element an app joins is the item's own structure, so such an item is
 * updated as a whole (its connector reconciles it).
 */
const memberships = (def: ResourceKindDef) =>
  refsTo(def, "app").flatMap((r) => {
    const cut = r.path.lastIndexOf("[].");
    // One list of members ("items[].resourceId"); a list inside each element of another
    // ("terms[].linksTo[].resourceId") is not membership of the item: it is written whole.
    if (cut < 0 || r.path.slice(0, cut).includes("[]")) return [];
    return [{ path: r.path, array: r.path.slice(0, cut + 2), inner: r.path.slice(cut + 3) }];
  });
const pendingItems = new WeakMap<PlanBuilder, Pending[]>();
const pendingOf = (b: PlanBuilder): Pending[] => {
  let l = pendingItems.get(b);
  if (!l) pendingItems.set(b, (l = []));
  return l;
};
const laterInstalled = new WeakSet<PlanBuilder>();

/**
 * Once every fragment has run (every kind's items decided): each pending item's references
 * and owner, its action, and its step — before-apps kinds among the tenant-level steps, after-
 * apps ones after every app, in registry order. A kind's items are first made `ref`-able so
 * that later kinds' references find what earlier kinds create.
 */
function planSteps(b: PlanBuilder): void {
  const pending = pendingOf(b);
  const order = b.ctx.source.resourceLayers;
  pending.sort((x, y) => order.indexOf(x.p.def.layer) - order.indexOf(y.p.def.layer));
  for (const { p, m, space, adjacent } of pending) {
    const { def, item, decision: d } = p;
    const rec = item.record;
    // A shared item found in the target that names the restored app among others (a tag, a
    // collection): the app's membership is added back; its other members stay as they are.
    const shared = adjacent && m.found ? memberships(def) : [];
    if (adjacent && m.found && shared.length) {
      planMembership(b, p, m.found, adjacent, shared);
      continue;
    }
    const refs: ResourceStepRef[] = [];
    const problems: string[] = [];
    /** Optional references left out: said only when the item is written. */
    const dropped: string[] = [];
    for (const decl of def.refs ?? []) {
      for (const raw of valuesAt(rec.body, decl.path)) {
        if (raw === null || raw === undefined || raw === "") continue;
        const id = String(raw);
        const r =
          decl.to === "app" ? appRef(b, id) : decl.to === "user" ? userRef(b, id) : decl.to === "group" ? groupRef(b, id) : decl.to === "space" ? spaceRef(b, id) : resourceRefOf(b, def, decl.to, id);
        if (r.ref && !(def.phase === "before-apps" && r.ref.t === "app")) refs.push({ path: decl.path, id, ref: r.ref, what: r.what });
        else if (decl.optional) {
          refs.push({ path: decl.path, id, what: r.what });
          dropped.push(`${label(def, rec.name)}: its ${r.what} ${("reason" in r && r.reason) || "is not in the target"}; it is restored without it (${decl.path})`);
        } else problems.push(`its ${r.what} ${("reason" in r && r.reason) || (r.ref ? "is restored after it" : "cannot be found in the target")}`);
      }
    }
    if (problems.length) {
      d.action = "skip";
      d.reason = `${problems.join("; ")}: not restored`;
      continue;
    }
    let owner: Ref | undefined;
    if (rec.ownerId) {
      const o = userRef(b, rec.ownerId);
      owner = o.ref;
      if (!owner) dropped.push(`${label(def, rec.name)}: its owner ${o.what} is not in the target; it stays with ${b.ctx.target.caller.subject || "the restoring user"}`);
    }
    if (m.found) {
      // What exists now: the target's items, and what an earlier attempt of this restore created.
      const resolveNow = (r: Ref) => resolveRef(r, b.ctx.previous.created);
      const withOwner = owner !== undefined && !def.ownerByCreator;
      const want = comparable(def, { name: rec.name, ownerId: owner ? existingId(owner) : undefined, spaceId: space ? existingId(space) : undefined, body: mappedBody(def, rec.body, refs, resolveNow).body }, withOwner);
      const have = comparable(def, m.found, withOwner);
      const diff = differences(want, have);
      const secretGiven = (d.secrets ?? []).some((s) => s.given);
      if (!diff.length && !secretGiven) {
        d.action = "unchanged";
        d.reason = `in the target as in the snapshot (${m.by})`;
        p.ref = existing(m.found.id);
        continue;
      }
      d.action = "update";
      d.reason = `in the target (${m.by}); differs in ${diff.length ? diff.join(", ") : "its secrets (given now)"}`;
      p.ref = existing(m.found.id);
    } else {
      d.action = "create";
      d.reason = "not in the target";
      p.ref = resRef(def.layer, rec.id);
    }
    b.warnings.push(...dropped);
    // Qlik gives it to the restoring user and cannot hand it on: the plan names whose it was
    // (where a person can hand it over, the connector's note puts that on the checklist).
    if (def.ownerByCreator && rec.ownerId) {
      const subject = b.sourceUser(rec.ownerId)?.subject || rec.ownerId;
      const current = d.action === "update" ? m.found?.ownerId : b.ctx.target.caller.userId;
      if (!(owner && existingId(owner) === current) && subject !== b.ctx.target.caller.subject) d.ownerByHand = subject;
    }
    const given = (d.secrets ?? []).filter((s) => s.given).map((s) => s.field);
    const draft: StepDraft = {
      id: stepId(def.layer, rec.id),
      kind: "resource",
      layer: def.layer,
      sourceId: rec.id,
      name: rec.name,
      action: d.action,
      target: p.ref,
      refs,
      ...(owner ? { owner } : {}),
      ...(space ? { space } : {}),
      ...(given.length ? { secrets: given } : {}),
      label: `${d.action} ${label(def, rec.name)}`,
      reason: d.reason,
    };
    // The items of one kind need nothing of each other: they are written side by side (the
    // connector's limiter paces them); the next kind waits for all of them.
    if (def.phase === "before-apps") b.step(draft, { group: `res:${def.layer}` });
    else b.tailStep(draft, { group: `res:${def.layer}` });
  }
}

/** Plans adding the selected apps' membership to a shared item the target has (see `memberships`). */
function planMembership(b: PlanBuilder, p: Planned, found: ResourceRecord, apps: string[], shared: ReturnType<typeof memberships>): void {
  const { def, item, decision: d } = p;
  const rec = item.record;
  const refs: ResourceStepRef[] = [];
  const merge: NonNullable<StepOf<"resource">["merge"]> = [];
  const missing: string[] = [];
  for (const sh of shared) {
    const ids = valuesAt(rec.body, sh.path).map(String).filter((id) => apps.includes(id));
    const add: string[] = [];
    for (const id of ids) {
      const r = appRef(b, id);
      if (!r.ref) continue;
      refs.push({ path: sh.path, id, ref: r.ref, what: r.what });
      const now = resolveRef(r.ref, b.ctx.previous.created);
      if (now === undefined || !valuesAt(found.body, sh.path).map(String).includes(now)) {
        add.push(id);
        missing.push(r.what);
      }
    }
    if (add.length) merge.push({ array: sh.array, inner: sh.inner, ids: add });
  }
  p.ref = existing(found.id);
  if (!merge.length) {
    d.action = "unchanged";
    d.reason = `in the target, with ${apps.length > 1 ? "the restored apps" : "the restored app"} among its members`;
    return;
  }
  d.action = "update";
  d.reason = `in the target: ${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} added back to it; its other members stay as they are`;
  const draft: StepDraft = {
    id: stepId(def.layer, rec.id),
    kind: "resource",
    layer: def.layer,
    sourceId: rec.id,
    name: rec.name,
    action: "update",
    target: p.ref,
    refs,
    merge,
    label: `add ${missing.join(", ")} to ${label(def, rec.name)}`,
    reason: d.reason,
  };
  if (def.phase === "before-apps") b.step(draft, { group: `res:${def.layer}` });
  else b.tailStep(draft, { group: `res:${def.layer}` });
}

// ---- the step -----------------------------------------------------------------------

async function sourceItem(x: Pick<StepContext, "source" | "plan">, layer: ResourceKindName, id: string): Promise<SourceResource> {
  const item = (await x.source.resourcesOf(layer)).find((r) => r.record.id === id);
  if (!item) throw new Error(`the plan names ${layer} ${id}, which is not in snapshot ${x.plan.snapshot.id.slice(0, 12)}; the plan does not belong to this snapshot`);
  return item;
}

/** The write of a step: the snapshot's body, references and owner/space mapped, files and given secrets. */
function writeOf(def: ResourceKindDef, step: StepOf<"resource">, item: SourceResource, x: StepContext, notes: string[]): ResourceWrite {
  const body = without(item.record.body, def.volatile ?? []);
  const { body: mapped, unresolved } = mappedBody(def, body, step.refs, (r) => x.resolve(r));
  if (unresolved.length) throw new DependencyError(`${label(def, step.name)}: ${unresolved.join(", ")} ${unresolved.length > 1 ? "were" : "was"} not created (an earlier step failed); run the same restore again once that step is fixed`);
  for (const r of step.refs) if (!r.ref) notes.push(`${r.what} left out (not in the target)`);
  const ownerId = step.owner ? x.resolve(step.owner) : undefined;
  if (step.owner && !ownerId) notes.push("its owner was not created: it stays with the restoring user");
  const spaceId = step.space ? x.need(step.space, `the space of ${label(def, step.name)}`) : undefined;
  const given = x.secrets.values(step.layer, step.name);
  const secrets = Object.fromEntries(secretFields(def).filter((f) => given[f] !== undefined).map((f) => [f, given[f]!]));
  const files = Object.fromEntries(Object.entries(item.files).map(([f, blob]) => [f, () => x.repository.readBlob(blob)]));
  return {
    body: mapped,
    ...(ownerId ? { ownerId } : {}),
    ...(spaceId ? { spaceId } : {}),
    ...(Object.keys(secrets).length ? { secrets } : {}),
    ...(Object.keys(files).length ? { files } : {}),
    sourceId: step.sourceId,
  };
}

/** What an interrupted attempt may have created: the target item with the match key (not by id: it has a new one). */
async function findAdoptable(def: ResourceKindDef, step: StepOf<"resource">, x: StepContext, spaceId: string | undefined): Promise<string | undefined> {
  const taken = new Set(Object.values(x.created));
  const found: string[] = [];
  for await (const t of x.target.listResources!(def.layer)) {
    if (taken.has(t.id)) continue;
    const hit = def.match === "singleton" || (def.match === "name-in-space" ? t.name === step.name && (t.spaceId ?? "") === (spaceId ?? "") : t.name === step.name);
    if (hit) found.push(t.id);
  }
  return found.length === 1 ? found[0] : undefined;
}

async function runResource(step: StepOf<"resource">, x: StepContext): Promise<StepRun> {
  const def = defOf(step.layer);
  const t = x.target;
  if (!t.createResource || !t.updateResource || !t.listResources) throw new Error(`${t.host ?? "the target"} cannot write ${pluralOf(def)}`);
  const item = await sourceItem(x, step.layer, step.sourceId);
  const notes: string[] = [];
  const write = writeOf(def, step, item, x, notes);
  let result: ResourceWriteResult;
  let outputs: Record<string, string> | undefined;
  if (step.merge) {
    const id = x.need(step.target, label(def, step.name));
    let current: ResourceRecord | undefined;
    for await (const r of t.listResources(def.layer)) if (r.id === id) current = r;
    if (!current) throw new Error(`${label(def, step.name)} (${id}) is no longer in ${t.host}; plan again`);
    const body = without(current.body, [...(def.volatile ?? []), ...secretFields(def)]);
    for (const mg of step.merge) addMembers(body, item.record.body, mg, step, x);
    result = await t.updateResource(def.layer, id, { body, ...(current.spaceId ? { spaceId: current.spaceId } : {}), ...(write.sourceId ? { sourceId: write.sourceId } : {}) });
  } else if (step.action === "update") {
    const id = x.need(step.target, label(def, step.name));
    result = await t.updateResource(def.layer, id, write);
  } else {
    const adopt = x.interrupted && def.match !== "id" ? await findAdoptable(def, step, x, write.spaceId) : undefined;
    if (adopt) {
      notes.push(`adopted ${adopt}, which an interrupted attempt created`);
      result = await t.updateResource(def.layer, adopt, write);
    } else result = await t.createResource(def.layer, write);
    if (!result.skipped) outputs = { [refKey(step.target)]: result.id };
  }
  if (result.skipped) {
    // Not written, not failed: the target cannot take it now (ResourceWriteResult.skipped); a person settles it.
    const checklist: ChecklistItem[] = [{ layer: def.layer, noun: def.noun, sourceId: step.sourceId, name: step.name, todo: result.skipped, where: def.where, reason: "the target could not take it" }];
    return { note: [...notes, `not written: ${result.skipped}`].join("; "), checklist };
  }
  const checklist: ChecklistItem[] = (result.notes ?? []).map((n) => ({
    layer: def.layer,
    noun: def.noun,
    sourceId: step.sourceId,
    name: step.name,
    targetId: result.id,
    todo: n,
    where: def.where,
    reason: "the target could not do this as asked",
  }));
  notes.push(...(result.notes ?? []));
  return {
    ...(outputs ? { outputs } : {}),
    ...(notes.length ? { note: notes.join("; ") } : {}),
    ...(checklist.length ? { checklist } : {}),
    ...(result.unrestored?.length ? { unrestored: result.unrestored } : {}),
  };
}

/** Appends to `body`'s array the snapshot's elements naming `mg.ids`, mapped, where the target lacks them. */
function addMembers(body: Record<string, unknown>, snapshotBody: Record<string, unknown>, mg: NonNullable<StepOf<"resource">["merge"]>[number], step: StepOf<"resource">, x: StepContext): void {
  const path = `${mg.array}.${mg.inner}`;
  const adds: unknown[] = [];
  /** Source ids that map to another id: a member naming the old one is stale (the app it named is gone). */
  const stale = new Set<string>();
  visit(snapshotBody, mg.array, (el) => {
    const id = valuesAt(el, mg.inner).map(String).find((v) => mg.ids.includes(v));
    if (id === undefined) return;
    const r = step.refs.find((x) => x.path === path && x.id === id);
    const target = r?.ref ? x.resolve(r.ref) : undefined;
    if (!target) throw new DependencyError(`${r?.what ?? `app ${id}`} was not created (an earlier step failed); run the same restore again once that step is fixed`);
    const copy = structuredClone(el);
    visit(copy, mg.inner, (_v, set) => set(target));
    adds.push(copy);
    if (target !== id) stale.add(id);
  });
  // The array itself ("items[]" → "items"; nested: "a.items[]").
  const arrayPath = mg.array.slice(0, -2);
  let found = false;
  visit(body, arrayPath, (arr, set) => {
    found = true;
    const list = (Array.isArray(arr) ? [...arr] : []).filter((e) => !stale.has(String(valuesAt(e, mg.inner)[0])));
    for (const a of adds) {
      const v = valuesAt(a, mg.inner)[0];
      if (!list.some((e) => valuesAt(e, mg.inner)[0] === v)) list.push(a);
    }
    set(list);
  });
  if (!found && !arrayPath.includes(".") && !arrayPath.includes("[]")) body[arrayPath] = adds;
}

export const resourceSteps: StepRunners = { resource: runResource };

// ---- verification -------------------------------------------------------------------

async function contentHash(it: AsyncIterable<Uint8Array>): Promise<string> {
  const h = createHash("sha256");
  for await (const c of it) h.update(c);
  return h.digest("hex");
}

export function verifyResources(def: ResourceKindDef): (v: VerifyContext) => Promise<void> {
  return async (v) => {
    const steps = v.plan.steps.filter((s): s is StepOf<"resource"> => s.kind === "resource" && s.layer === def.layer);
    if (!steps.length) return;
    const t = v.target;
    if (!t.listResources) {
      v.other.push({ where: `${pluralOf(def)}`, field: "present", expected: "readable", actual: `${t.host} cannot list them` });
      return;
    }
    let items: ResourceRecord[];
    try {
      items = [];
      for await (const r of t.listResources(def.layer)) items.push(r);
    } catch (e) {
      v.other.push({ where: `${pluralOf(def)}`, field: "present", expected: "readable", actual: `reading them failed: ${errText(e)}` });
      return;
    }
    for (const step of steps) {
      const id = v.resolve(step.target);
      if (!id) continue; // not created (a failed step): the result says so
      const where = `${label(def, step.name)} (${step.sourceId})`;
      const got = items.find((r) => r.id === id);
      if (!got) {
        v.other.push({ where, field: "present", expected: id, actual: "(missing)" });
        continue;
      }
      const item = (await v.source.resourcesOf(def.layer)).find((r) => r.record.id === step.sourceId);
      if (!item) continue;
      if (step.merge) {
        // Membership added back: each restored app is among its members (the rest is the target's).
        for (const mg of step.merge) {
          const path = `${mg.array}.${mg.inner}`;
          const members = valuesAt(got.body, path).map(String);
          for (const id of mg.ids) {
            const r = step.refs.find((x) => x.path === path && x.id === id);
            const want = r?.ref ? v.resolve(r.ref) : undefined;
            if (want && !members.includes(want)) v.other.push({ where, field: path, expected: `${r!.what} (${want}) among its members`, actual: members.join(", ") || "(none)" });
          }
        }
        continue;
      }
      const { body } = mappedBody(def, item.record.body, step.refs, (r) => v.resolve(r));
      const ownerId = step.owner ? v.resolve(step.owner) : undefined;
      const spaceId = step.space ? v.resolve(step.space) : undefined;
      const withOwner = ownerId !== undefined && !def.ownerByCreator;
      // Fields that follow from a secret not given (the checklist asks for it) are not compared.
      const given = new Set(step.secrets ?? []);
      const held = new Set(got.secrets ?? []);
      const affected = (def.secrets ?? []).filter((sec) => (sec.when ? sec.when(item.record) : (item.record.secrets ?? []).includes(sec.field)) && !given.has(sec.field) && !held.has(sec.field)).flatMap((sec) => sec.affects ?? []);
      const want = comparable(def, { name: item.record.name, ownerId, spaceId, body: without(body, affected) }, withOwner);
      const have = comparable(def, { ...got, body: without(got.body, affected) }, withOwner);
      const wb = want.body as Record<string, unknown>;
      const hb = have.body as Record<string, unknown>;
      const leftAsIs = new Set(v.unrestored(step.id));
      for (const field of differences(want, have)) {
        if (leftAsIs.has(field)) continue; // left different on purpose: the step's note says why
        const [e, a] = field in want && (field === "name" || field === "owner" || field === "space") ? [want[field], have[field]] : [wb[field], hb[field]];
        v.other.push({ where, field, expected: show(e), actual: show(a) });
      }
      for (const [file, blob] of Object.entries(item.files)) {
        if (!t.readResourceFile) {
          v.other.push({ where, field: `file ${file}`, expected: "readable", actual: `${t.host} cannot read it` });
          continue;
        }
        try {
          const [e, a] = await Promise.all([contentHash(v.repository.readBlob(blob)), contentHash(t.readResourceFile(def.layer, id, file))]);
          if (e !== a) v.other.push({ where, field: `file ${file}`, expected: `sha256 ${e.slice(0, 12)}`, actual: `sha256 ${a.slice(0, 12)}` });
        } catch (err) {
          v.other.push({ where, field: `file ${file}`, expected: "readable", actual: errText(err) });
        }
      }
    }
  };
}

// ---- checklist ------------------------------------------------------------------------

/**
 * The re-entry checklist a plan implies, before anything runs (`--plan`): every item of class
 * reference (redo it by hand), every secret the operator did not give, and every input item
 * without a secret to give (something only the operator can supply). `created`: the target
 * ids the restore made, when it ran.
 */
export function planChecklist(plan: { resources?: readonly ResourceDecision[]; steps: readonly { kind: string }[] }, created: Readonly<Record<string, string>> = {}): ChecklistItem[] {
  const out: ChecklistItem[] = [];
  for (const d of plan.resources ?? []) {
    const def = DEFS.get(d.layer);
    const noun = def?.noun ?? d.layer;
    const where = def?.where ?? d.layer;
    const targetId = created[refKey(resRef(d.layer, d.sourceId))] ?? d.targetId;
    const base = { layer: d.layer, noun, sourceId: d.sourceId, name: d.name, ...(targetId ? { targetId } : {}), where };
    if (d.action === "skip" || d.action === "blocked") continue;
    if (d.action === "reference") {
      out.push({ ...base, todo: "re-create it by hand from the snapshot's configuration", reason: d.classReason });
      continue;
    }
    const missing = (d.secrets ?? []).filter((s) => !s.given && !s.inTarget);
    for (const s of missing) out.push({ ...base, todo: `enter its ${s.label}`, reason: `the ${s.label} is never returned by Qlik, so the snapshot does not hold it` });
    // In the target as in the snapshot: whatever it needed by hand was done there.
    if (d.class === "input" && !(d.secrets ?? []).length && d.action !== "unchanged") out.push({ ...base, todo: "give what only you can supply", reason: d.classReason });
  }
  return out;
}

/**
 * The checklist of a run: the plan's, with what the target could not do as asked (the steps'
 * notes) — on the item's first line when the plan lists it already (its secret not given,
 * say), else as a line of its own.
 */
export function runChecklist(fromPlan: ChecklistItem[], fromSteps: readonly ChecklistItem[]): ChecklistItem[] {
  const out = fromPlan.map((c) => ({ ...c }));
  for (const c of fromSteps) {
    const first = out.find((x) => x.layer === c.layer && x.sourceId === c.sourceId);
    if (first) {
      first.reason = `${first.reason}; the target said: ${c.todo}`;
      if (c.targetId && !first.targetId) first.targetId = c.targetId;
    } else out.push(c);
  }
  return out;
}
