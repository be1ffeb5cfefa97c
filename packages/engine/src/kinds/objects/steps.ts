/**
 * The objects kind's step runners: `objects` (recreate or update the snapshot's objects through
 * QIX, re-apply approve/publish states, delete only the extra objects the plan lists) and
 * `object-owners` (owners by subject, one Tier-2 call per object). Both compare the target with
 * the snapshot and change only what differs, so running them again changes nothing. In an app
 * restored in place they make exactly the changes the plan lists (`changes`), after checking
 * that nobody changed the app or those objects since the plan read them (`readAt`).
 */
import type { ObjectRecord } from "@lifeboat/model";
import { createPool } from "@lifeboat/kit";
import type { StepOf } from "../../restore/plan.ts";
import { refKey } from "../../restore/ref.ts";
import { ConcurrentChangeError, DependencyError, errText, type StepContext, type StepRunners } from "../restore.ts";
import { changedSincePlan, invisibleTo, objectFingerprint, treeFingerprint, type ObjectNow } from "./changes.ts";

/** Key of an object id remapped by the engine on creation, in journal outputs. */
export const objectRef = (sourceAppId: string, objectId: string): string => refKey({ t: "object", appId: sourceAppId, objectId });

/** The comparable part of a property tree (./changes.ts). */
export { treeFingerprint };

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

/**
 * The optimistic check: the app's `modifiedDate` and, for every object the plan changes, its
 * `qMeta.modifiedDate` — or its content fingerprint when the engine reports no date for it
 * (`qMeta.modifiedDate` is UNCONFIRMED for Qlik Cloud) — against what planning read.
 */
async function checkUnchanged(step: StepOf<"objects">, x: StepContext, appId: string, objects: ObjectRecord[], current: ReadonlyMap<string, ObjectRecord>): Promise<void> {
  if (!step.readAt) return;
  const app = x.appOf(step.app);
  const stamps = x.target.readObjectStamps ? await x.target.readObjectStamps(appId) : undefined;
  const dates = new Map((stamps ?? []).map((s) => [s.id, s.modifiedDate]));
  const now = new Map<string, ObjectNow>();
  for (const id of Object.keys(step.readAt.objects)) {
    const have = current.get(id);
    if (!have) continue;
    const date = dates.get(id);
    now.set(id, { fingerprint: objectFingerprint(have.propertyTree), ...(date ? { modifiedDate: date } : {}) });
  }
  const appNow = step.readAt.app ? (await x.target.getApp(appId))?.attributes.modifiedDate : undefined;
  const label = (id: string) => {
    const o = objects.find((s) => (x.created[objectRef(step.app, s.id)] ?? s.id) === id) ?? current.get(id);
    return o ? `object '${id}' (${o.type} '${o.title}')` : `object '${id}'`;
  };
  const changed = changedSincePlan(step.readAt, { ...(typeof appNow === "string" ? { app: appNow } : {}), objects: now }, label);
  if (changed.length)
    throw new ConcurrentChangeError(
      step.app,
      `app '${app.name}' (${appId}) changed since the plan was made: ${changed.join("; ")}. Nothing was written into it, so that change is not overwritten — run the same restore again to plan anew (or back the app up first to keep both)`,
    );
}

export const objectSteps: StepRunners = {
  objects: async (step, x) => {
    const sourceAppId = step.app;
    const appId = x.need(step.target, "the app");
    x.appOf(sourceAppId);
    const objects = await x.objectsOf(sourceAppId);
    const byId = new Map(objects.map((o) => [o.id, o]));
    const mappedId = (objectId: string): string => x.created[objectRef(sourceAppId, objectId)] ?? objectId;
    const { plan } = x;
    const caller = { subject: plan.target.caller, isBot: plan.target.callerIsBot };
    const outputs: Record<string, string> = {};
    let createdN = 0;
    let updated = 0;
    let removed = 0;
    let skipped = 0;
    let states = 0;
    await x.target.withApp(appId, async (ed) => {
      const current = new Map((await ed.readObjects()).map((o) => [o.id, o]));
      await checkUnchanged(step, x, appId, objects, current);
      let changed = false;
      const upsert = async (o: ObjectRecord): Promise<void> => {
        const id = mappedId(o.id);
        const have = current.get(id);
        if (have && treeFingerprint(have.propertyTree, o.propertyTree) === treeFingerprint(o.propertyTree)) return;
        const r = await ed.upsertObject({ id, type: o.type, genericType: o.genericType, propertyTree: o.propertyTree });
        if (r.created) createdN++;
        else updated++;
        if (r.id !== id) {
          outputs[objectRef(sourceAppId, o.id)] = r.id;
          x.created[objectRef(sourceAppId, o.id)] = r.id; // the state change below finds it under its new id
        }
        current.set(r.id, { ...o, id: r.id, approved: have?.approved ?? false, published: have?.published ?? false });
        changed = true;
      };
      const setState = async (o: ObjectRecord): Promise<void> => {
        const have = current.get(mappedId(o.id));
        if (!have || (have.approved === o.approved && have.published === o.published)) return;
        await ed.setState(have.id, o.genericType, { published: o.published, approved: o.approved });
        states++;
        changed = true;
      };
      const destroy = async (id: string): Promise<void> => {
        const have = current.get(id);
        if (!have) return;
        await ed.destroyObject(id, have.genericType);
        current.delete(id);
        removed++;
        changed = true;
      };
      if (step.changes) {
        // Exactly the planned changes (creates and updates, then states, then deletions), each idempotent.
        for (const c of step.changes) {
          if (c.action === "delete") {
            await destroy(c.id);
            continue;
          }
          const o = byId.get(c.id);
          if (!o) throw new Error(`the plan names object ${c.id} of app '${x.appOf(sourceAppId).name}', which is not in snapshot ${plan.snapshot.id.slice(0, 12)}; the plan does not belong to this snapshot`);
          if (c.action === "state") await setState(o);
          else await upsert(o);
        }
      } else {
        // Planned from the snapshot (the app could not be read when planning, or a plan file of
        // version 2): every object is brought back to the snapshot, then the listed deletions.
        const wanted = new Set<string>();
        for (const o of objects) {
          wanted.add(mappedId(o.id));
          if (!current.get(mappedId(o.id)) && invisibleTo(o, caller)) {
            // It may exist, unseen by this caller: never duplicate it.
            skipped++;
            continue;
          }
          await upsert(o);
          wanted.add(mappedId(o.id));
          await setState(o);
        }
        // Only the deletions the plan listed (and the user confirmed); objects created since are kept.
        for (const r of step.remove) if (!wanted.has(r.id)) await destroy(r.id);
      }
      if (changed) await ed.save();
    });
    Object.assign(x.created, outputs);
    const parts = [step.changes ? `${step.changes.length} planned change(s)` : `${objects.length} object(s)`];
    if (createdN) parts.push(`${createdN} recreated`);
    if (updated) parts.push(`${updated} updated`);
    if (states) parts.push(`${states} state(s) set`);
    if (removed) parts.push(`${removed} not in the snapshot deleted (as the plan listed)`);
    if (skipped) parts.push(`${skipped} private object(s) of others not visible to ${plan.target.caller} left alone`);
    return { outputs, note: parts.join(", "), already: createdN + updated + removed + states === 0 };
  },

  "object-owners": async (step, x) => {
    const sourceAppId = step.app;
    const appId = x.need(step.target, "the app");
    const app = x.appOf(sourceAppId);
    const objects = await x.objectsOf(sourceAppId);
    const planned = step.changes;
    // An owner the plan creates but an earlier step failed to: this step must wait for it
    // (fail as dependent, so a re-run does it), never pass it over as "unresolved".
    if (planned) {
      for (const c of planned) if (!x.resolve(c.owner)) throw new DependencyError(`the owner ${c.subject} was not created (an earlier step failed)`);
    } else
      for (const o of objects) {
        const ref = x.plan.owners[o.ownerId];
        if (ref && !x.resolve(ref)) throw new DependencyError(`the owner ${o.ownerSubject || o.ownerId} was not created (an earlier step failed)`);
      }
    if (planned?.length === 0) return { note: "no owner to change (as planned)", already: true };
    const current = new Map((await x.target.readObjects(appId)).map((o) => [o.id, o]));
    let changed = 0;
    let unresolved = 0;
    const changes: { id: string; owner: string; what: string; subject: string }[] = [];
    // Exactly the planned owner changes (each skipped when already right); else every object's.
    for (const c of planned ?? []) {
      const id = x.created[objectRef(sourceAppId, c.id)] ?? c.id;
      const owner = x.resolve(c.owner)!;
      const have = current.get(id);
      if (!have || have.ownerId === owner) continue;
      changes.push({ id, owner, what: `object '${id}' (${c.type} '${c.title}')`, subject: c.subject });
    }
    for (const o of planned ? [] : objects) {
      // System objects (LoadModel, appprops) have no owner in Qlik: nothing to hand back.
      if (!o.ownerId) continue;
      const owner = x.ownerOf(o.ownerId);
      if (!owner) {
        unresolved++;
        continue;
      }
      const id = x.created[objectRef(sourceAppId, o.id)] ?? o.id;
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
            await x.target.updateObjectOwner(appId, c.id, c.owner);
            changed++;
          } catch (e) {
            if (!isRefusal(e)) {
              failure ??= e;
              return;
            }
            refused.push(c.what);
            x.emit({ type: "warning", message: `app '${app.name}': Qlik refused to hand ${c.what} to ${c.subject} (${errText(e)}); it keeps its current owner — change it in Qlik or ask the owner to recreate it` });
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
  },
};
