/**
 * The objects kind's plan fragment, planned inside each app's chain (the apps fragment asks
 * for it where it belongs): the `objects` step (recreate or update the snapshot's objects and
 * their approve/publish states; in an app restored in place, the extra objects it deletes,
 * each listed) and the `object-owners` step (owners by subject, after the objects are in place).
 *
 * In an app restored in place every object change is planned from the target app's objects
 * read before planning (`planObjectChanges`, ./changes.ts) and is a line of the plan; the
 * executor makes exactly those. An app that is not there to be read (imported, or brought back
 * by Qlik's restore) is planned from the snapshot: the executor reconciles it.
 */
import type { TargetObject } from "@lifeboat/model";
import type { PlanBuilder } from "../../restore/builder.ts";
import type { AppDecision, PlannedRemoval, StepDraft } from "../../restore/plan.ts";
import type { Ref } from "../../restore/ref.ts";
import type { SourceApp } from "../../restore/source.ts";
import { planObjectChanges } from "./changes.ts";

/**
 * The objects and object-owners steps of an app restored in place. Objects the target app has
 * and the snapshot does not (a user's newer sheet) are kept unless `deleteExtraObjects`; then
 * each deletion is listed in the step, so the plan the user confirms names every object that
 * will go. Objects an earlier attempt of this restore recreated under another id are the
 * snapshot's. `current` undefined: the app cannot be read before it is back (Qlik's restore).
 * `appId`: the live app's id (its `modifiedDate` read before planning is the check's baseline).
 */
export function inPlaceObjectSteps(b: PlanBuilder, app: SourceApp, d: AppDecision, target: Ref, label: string, current: TargetObject[] | undefined, appId?: string): StepDraft[] {
  const { options, target: state, createdIds, previous, onlyObjects } = b.ctx;
  const deleteExtra = options.deleteExtraObjects === true;
  const owners = objectOwnersStep(app, target, app.name);
  if (!current) {
    const why = deleteExtra ? "objects the snapshot does not have are kept: they cannot be listed before the app is back" : "objects the snapshot does not have are kept";
    if (deleteExtra) b.warnings.push(`app '${app.name}': --delete-extra-objects deletes nothing in it (its objects are not readable before it is restored, and only listed deletions are made)`);
    d.extraObjects = { kept: 0, deleted: 0, known: false };
    return [{ id: `app:${app.id}:objects`, kind: "objects", app: app.id, target, remove: [], label, reason: `${d.reason}; its objects are planned from the snapshot (the app cannot be read before it is back): ${why}` }, owners];
  }
  const planned = planObjectChanges({
    objects: [...b.ctx.objectsOf(app.id)],
    ...(onlyObjects ? { only: onlyObjects } : {}),
    current,
    caller: { userId: state.caller.userId, subject: state.caller.subject, isBot: state.caller.isPrivateContentBot },
    ownerRef: (id) => b.owners[id],
    mappedId: (id) => previous.created[`obj:${app.id}:${id}`] ?? id,
    createdIds,
    deleteExtra,
    ...(appId && state.appModified?.[appId] ? { appModifiedDate: state.appModified[appId] } : {}),
  });
  const remove: PlannedRemoval[] = planned.changes.filter((c) => c.action === "delete").map((c) => ({ id: c.id, type: c.type, genericType: c.genericType, title: c.title }));
  d.extraObjects = { kept: planned.kept, deleted: remove.length, known: true };
  const count = (a: string) => planned.changes.filter((c) => c.action === a).length;
  const parts = [`${count("create")} to recreate`, `${count("update")} to update`, `${count("state")} state(s) to set`];
  if (remove.length) parts.push(`${remove.length} object(s) the snapshot does not have are deleted (listed)`);
  else if (!onlyObjects) parts.push(planned.kept || !deleteExtra ? `${planned.kept} object(s) the snapshot does not have are kept` : "no objects beyond the snapshot's");
  if (planned.notVisible) parts.push(`${planned.notVisible} private object(s) of others not visible to ${state.caller.subject || "the restoring user"} left alone`);
  const only = onlyObjects ? { only: [...onlyObjects].sort() } : {};
  const objectsStep: StepDraft = { id: `app:${app.id}:objects`, kind: "objects", app: app.id, target, remove, changes: planned.changes, readAt: planned.readAt, ...only, label, reason: `${d.reason}; ${parts.join(", ")}` };
  Object.assign(owners, { changes: planned.owners, ...only, reason: `owners by subject: ${planned.owners.length} to change${planned.unresolvedOwners ? `, ${planned.unresolvedOwners} unresolved (see the users)` : ""}` });
  return [objectsStep, owners];
}

/** The objects step of an app imported from its .qvf: it cannot be read before it is imported. */
export function importedObjectsStep(app: SourceApp, target: Ref, name: string): StepDraft {
  return {
    id: `app:${app.id}:objects`,
    kind: "objects",
    app: app.id,
    target,
    remove: [],
    label: `restore objects and states of '${name}'`,
    // The plan says under the step that it is planned from the snapshot (the new app cannot be read before it is imported).
    reason: "objects missing from the .qvf are recreated; approve/publish states re-applied",
  };
}

/** The object-owners step of an app. */
export function objectOwnersStep(app: SourceApp, target: Ref, name: string, reason = "owners by subject"): StepDraft {
  return { id: `app:${app.id}:object-owners`, kind: "object-owners", app: app.id, target, label: `restore object owners of '${name}'`, reason };
}
