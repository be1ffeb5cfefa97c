/**
 * The spaces kind's plan fragment: which snapshot spaces are reused (same id on the same
 * tenant, or same name and type), mapped (`--space-map`), created or blocked (name taken by
 * another type); their assignments (members and groups missing in the target); and whose
 * spaces go back to their owners (after every app step). It plans the selected spaces and
 * installs `decideSpace` for the apps fragment (an app's space is decided when the app is);
 * spaces created for apps get their assignments once every fragment has run.
 */
import type { SpaceRecord } from "@lifeboat/model";
import type { PlanBuilder } from "../../restore/builder.ts";
import type { SpaceDecision } from "../../restore/plan.ts";
import { existing, existingId, type Ref } from "../../restore/ref.ts";
import type { SourceSpace } from "../../restore/source.ts";

export function planSpaces(b: PlanBuilder): void {
  const { source, target, sameTenant, spaceMap, createdIds, interruptedSteps, selectedSpaces } = b.ctx;
  const decisions = new Map<string, SpaceDecision>();

  const decideSpace = (rec: SpaceRecord): SpaceDecision => {
    const known = decisions.get(rec.id);
    if (known) return known;
    let d: SpaceDecision;
    const mapped = spaceMap.get(rec.id);
    const byId = sameTenant ? target.spaces.find((s) => s.id === rec.id) : undefined;
    const byName = target.spaces.find((s) => s.name === rec.name);
    if (mapped) d = { sourceId: rec.id, name: rec.name, type: rec.type, action: "map", targetId: mapped.id, targetName: mapped.name, ref: existing(mapped.id), reason: `--space-map to '${mapped.name}'` };
    else if (byId) d = { sourceId: rec.id, name: rec.name, type: rec.type, action: "reuse", targetId: byId.id, targetName: byId.name, ref: existing(byId.id), reason: "same space id on the same tenant" };
    else if (byName && byName.type === rec.type)
      d = { sourceId: rec.id, name: rec.name, type: rec.type, action: "reuse", targetId: byName.id, targetName: byName.name, ref: existing(byName.id), reason: `a ${rec.type} space with this name exists in the target` };
    else {
      d = { sourceId: rec.id, name: rec.name, type: rec.type, action: "create", targetName: rec.name, ref: { t: "space", sourceId: rec.id }, reason: "not in the target" };
      if (byName) {
        b.blockers.push(
          `space '${rec.name}' is ${rec.type} in the snapshot but the target's space of that name is ${byName.type}; map it with --space-map '${rec.name}=OTHER'`,
        );
        d.action = "blocked";
        d.reason = `name taken by a ${byName.type} space`;
      } else {
        b.step({
          id: `space:${rec.id}:create`,
          kind: "create-space",
          ref: d.ref,
          name: rec.name,
          type: rec.type,
          ...(rec.description ? { description: rec.description } : {}),
          label: `create ${rec.type} space '${rec.name}'`,
          reason: d.reason,
        });
      }
    }
    decisions.set(rec.id, d);
    b.spaces.push(d);
    // The owner: a space the restore creates (now or in an earlier attempt) goes to its owner in
    // the snapshot; on the same tenant, the same space is brought back to it. A space reused
    // by name or mapped is someone else's: its owner stays.
    // A space of that name that an interrupted attempt's create step may have made is ours too:
    // that attempt planned to create it, so no space of that name existed then.
    const createdEarlier =
      d.action === "reuse" && d.targetId !== undefined && !byId && (createdIds.has(d.targetId) || interruptedSteps.has(`space:${rec.id}:create`));
    if (rec.ownerId && (d.action === "create" || createdEarlier || (d.action === "reuse" && byId))) {
      b.ensureUser(rec.ownerId);
      const subject = b.sourceUser(rec.ownerId)?.subject || rec.ownerId;
      const ownerRef = b.owners[rec.ownerId];
      d.owner = { sourceId: rec.ownerId, subject, ...(ownerRef ? { ref: ownerRef } : {}) };
      const current = d.targetId ? target.spaces.find((s) => s.id === d.targetId)?.ownerId : undefined;
      if (!ownerRef)
        b.warnings.push(`space '${rec.name}': its owner ${subject} is not in the target; it stays with ${d.action === "create" ? target.caller.subject || "the restoring user" : "its current owner"}`);
      else if (!(current !== undefined && existingId(ownerRef) === current))
        b.tailStep({
          id: `space:${rec.id}:owner`,
          kind: "space-owner",
          space: d.ref,
          owner: ownerRef,
          label: `hand space '${d.targetName}' to its owner ${subject}`,
          reason: d.action === "create" || createdEarlier ? "a created space belongs to the restoring user until then" : "its owner in the snapshot",
        });
    }
    return d;
  };

  const assignmentsFor = (src: SourceSpace, d: SpaceDecision) => {
    const existingAssignments = d.targetId ? (target.assignments[d.targetId] ?? []) : [];
    for (const a of src.assignments) {
      let assignee: Ref | undefined;
      let label: string;
      if (a.type === "group") {
        const g = source.groups.find((x) => x.id === a.assigneeId);
        const tg = g ? target.groups.find((x) => x.name === g.name) : undefined;
        label = `group '${g?.name ?? a.assigneeId}'`;
        if (!tg) {
          b.warnings.push(`space '${src.record.name}': ${label} is not in the target; its assignment (${a.roles.join(", ")}) is not restored`);
          continue;
        }
        assignee = existing(tg.id);
      } else {
        const u = b.sourceUser(a.assigneeId);
        label = `user ${u?.name ? `${u.name} (${u.subject})` : (u?.subject ?? a.assigneeId)}`;
        b.ensureUser(a.assigneeId);
        assignee = b.owners[a.assigneeId];
        if (!assignee) {
          b.warnings.push(`space '${src.record.name}': ${label} is not in the target; its assignment (${a.roles.join(", ")}) is not restored`);
          continue;
        }
      }
      const targetAssigneeId = existingId(assignee);
      if (targetAssigneeId && existingAssignments.some((x) => x.assigneeId === targetAssigneeId)) continue;
      // The space owner has no assignment and all roles.
      if (targetAssigneeId && d.targetId && target.spaces.find((s) => s.id === d.targetId)?.ownerId === targetAssigneeId) continue;
      b.step({
        id: `space:${src.record.id}:assign:${a.assigneeId}`,
        kind: "assign",
        space: d.ref,
        assignee,
        assigneeType: a.type,
        roles: a.roles,
        label: `assign ${label} to '${d.targetName}' as ${a.roles.join(", ")}`,
        reason: d.action === "create" ? "assignment of a space the restore creates" : "missing in the target",
      });
    }
  };

  const assigned = new Set<string>();
  for (const s of [...selectedSpaces.values()].sort((x, y) => x.record.name.localeCompare(y.record.name))) {
    const d = decideSpace(s.record);
    if (d.action !== "blocked") assignmentsFor(s, d);
    assigned.add(s.record.id);
  }
  b.decideSpace = decideSpace;
  // Spaces the restore creates for its apps get their assignments too.
  b.later(() => {
    for (const d of [...decisions.values()]) {
      const src = source.spaces.find((s) => s.record.id === d.sourceId);
      if (src && d.action === "create" && !assigned.has(d.sourceId)) assignmentsFor(src, d);
    }
  });
}
