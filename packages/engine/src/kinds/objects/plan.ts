/**
 * The objects kind's plan fragment, planned inside each app's chain (the apps fragment asks
 * for it where it belongs): the `objects` step (recreate or update the snapshot's objects and
 * their approve/publish states; in an app restored in place, the extra objects it deletes,
 * each listed) and the `object-owners` step (owners by subject, after the objects are in place).
 */
import type { TargetObject } from "@lifeboat/model";
import type { PlanBuilder } from "../../restore/builder.ts";
import type { AppDecision, PlannedRemoval, StepDraft } from "../../restore/plan.ts";
import type { Ref } from "../../restore/ref.ts";
import type { SourceApp } from "../../restore/source.ts";

/**
 * The objects step of an app restored in place. Objects the target app has and the snapshot
 * does not (a user's newer sheet) are kept unless `deleteExtraObjects`; then each deletion is
 * listed in the step, so the plan the user confirms names every object that will go.
 * Objects an earlier attempt of this restore recreated under another id are the snapshot's.
 */
export function inPlaceObjectsStep(b: PlanBuilder, app: SourceApp, d: AppDecision, target: Ref, label: string, current: TargetObject[] | undefined): StepDraft {
  const deleteExtra = b.ctx.options.deleteExtraObjects === true;
  const inSnapshot = new Set(b.ctx.objectsOf(app.id).map((o) => o.id));
  const extras = current?.filter((o) => !inSnapshot.has(o.id) && !b.ctx.createdIds.has(o.id)) ?? [];
  const remove: PlannedRemoval[] = deleteExtra ? extras.map((o) => ({ id: o.id, type: o.type, genericType: o.genericType, title: o.title })) : [];
  d.extraObjects = { kept: deleteExtra ? 0 : extras.length, deleted: remove.length, known: current !== undefined };
  let why: string;
  if (!deleteExtra) why = current ? `${extras.length} object(s) the snapshot does not have are kept` : "objects the snapshot does not have are kept";
  else if (current) why = remove.length ? `${remove.length} object(s) the snapshot does not have are deleted (listed)` : "no objects beyond the snapshot's";
  else {
    why = "objects the snapshot does not have are kept: they cannot be listed before the app is back";
    b.warnings.push(`app '${app.name}': --delete-extra-objects deletes nothing in it (its objects are not readable before it is restored, and only listed deletions are made)`);
  }
  return { id: `app:${app.id}:objects`, kind: "objects", app: app.id, target, remove, label, reason: `${d.reason}; ${why}` };
}

/** The objects step of an app imported from its .qvf. */
export function importedObjectsStep(app: SourceApp, target: Ref, name: string): StepDraft {
  return { id: `app:${app.id}:objects`, kind: "objects", app: app.id, target, remove: [], label: `restore objects and states of '${name}'`, reason: "objects missing from the .qvf are recreated; approve/publish states re-applied" };
}

/** The object-owners step of an app. */
export function objectOwnersStep(app: SourceApp, target: Ref, name: string, reason = "owners by subject"): StepDraft {
  return { id: `app:${app.id}:object-owners`, kind: "object-owners", app: app.id, target, label: `restore object owners of '${name}'`, reason };
}
