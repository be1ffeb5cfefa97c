/**
 * The objects kind's step runners: `objects` (recreate or update the snapshot's objects through
 * QIX, re-apply approve/publish states, delete only the extra objects the plan lists) and
 * `object-owners` (owners by subject, one Tier-2 call per object). Both compare the target with
 * the snapshot and change only what differs, so running them again changes nothing.
 */
import { canonicalJson } from "../../internal/canonical.ts";
import { createPool } from "@lifeboat/kit";
import { refKey } from "../../restore/ref.ts";
import { DependencyError, errText, type StepRunners } from "../restore.ts";

/** Key of an object id remapped by the engine on creation, in journal outputs. */
export const objectRef = (sourceAppId: string, objectId: string): string => refKey({ t: "object", appId: sourceAppId, objectId });

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

export const objectSteps: StepRunners = {
  objects: async (step, x) => {
    const sourceAppId = step.app;
    const appId = x.need(step.target, "the app");
    x.appOf(sourceAppId);
    const objects = await x.objectsOf(sourceAppId);
    const mappedId = (objectId: string): string => x.created[objectRef(sourceAppId, objectId)] ?? objectId;
    const { plan } = x;
    const outputs: Record<string, string> = {};
    let createdN = 0;
    let updated = 0;
    let removed = 0;
    let skipped = 0;
    await x.target.withApp(appId, async (ed) => {
      const current = new Map((await ed.readObjects()).map((o) => [o.id, o]));
      const wanted = new Set<string>();
      let changed = false;
      for (const o of objects) {
        const id = mappedId(o.id);
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
      for (const r of step.remove) {
        if (wanted.has(r.id) || !current.has(r.id)) continue;
        await ed.destroyObject(r.id, current.get(r.id)!.genericType);
        removed++;
        changed = true;
      }
      if (changed) await ed.save();
    });
    Object.assign(x.created, outputs);
    const parts = [`${objects.length} object(s)`];
    if (createdN) parts.push(`${createdN} recreated`);
    if (updated) parts.push(`${updated} updated`);
    if (removed) parts.push(`${removed} not in the snapshot deleted (as the plan listed)`);
    if (skipped) parts.push(`${skipped} private object(s) of others not visible to ${plan.target.caller} left alone`);
    return { outputs, note: parts.join(", "), already: createdN + updated + removed === 0 };
  },

  "object-owners": async (step, x) => {
    const sourceAppId = step.app;
    const appId = x.need(step.target, "the app");
    const app = x.appOf(sourceAppId);
    const objects = await x.objectsOf(sourceAppId);
    // An owner the plan creates but an earlier step failed to: this step must wait for it
    // (fail as dependent, so a re-run does it), never pass it over as "unresolved".
    for (const o of objects) {
      const ref = x.plan.owners[o.ownerId];
      if (ref && !x.resolve(ref)) throw new DependencyError(`the owner ${o.ownerSubject || o.ownerId} was not created (an earlier step failed)`);
    }
    const current = new Map((await x.target.readObjects(appId)).map((o) => [o.id, o]));
    let changed = 0;
    let unresolved = 0;
    const changes: { id: string; owner: string; what: string; subject: string }[] = [];
    for (const o of objects) {
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
