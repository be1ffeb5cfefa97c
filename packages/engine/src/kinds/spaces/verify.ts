/**
 * The spaces kind's verification: the spaces the plan uses exist, the owners of the spaces it
 * creates (or brings back) are right, and the assignments it restores hold their roles (with
 * the role Qlik adds for an app's new owner on top).
 */
import { show, type VerifyContext } from "../restore.ts";

export async function verifySpaces(v: VerifyContext): Promise<void> {
  const { plan, target, resolve, other, targetApps, targetSpaces } = v;
  // Qlik raises an app's new owner to Can edit (shared) / Can manage (managed) in the app's
  // space when the owner lacks it (help.qlik.com migration › Update Application Owners):
  // after the restore's owner changes, that role on top of the snapshot's is expected.
  const ownsAppIn = new Set<string>();
  for (const step of plan.steps) {
    if (step.kind !== "app-owner") continue;
    const appId = resolve(step.target);
    const owner = resolve(step.owner);
    const spaceId = appId ? targetApps.get(appId)?.spaceId : undefined;
    if (owner && spaceId) ownsAppIn.add(`${spaceId} ${owner}`);
  }
  const typeOf = (spaceId: string) => targetSpaces.get(spaceId)?.type;
  const ownerRoleIn = (spaceId: string): { role: string; satisfiedBy: string[] } | undefined =>
    typeOf(spaceId) === "shared"
      ? { role: "producer", satisfiedBy: ["producer", "facilitator", "codeveloper"] }
      : typeOf(spaceId) === "managed"
        ? { role: "facilitator", satisfiedBy: ["facilitator"] }
        : undefined;
  const sameRoles = (a: readonly string[], b: readonly string[]) => [...new Set(a)].sort().join(",") === [...new Set(b)].sort().join(",");
  for (const s of plan.spaces) {
    const id = resolve(s.ref);
    if (s.action === "blocked") continue;
    if (!id || !targetSpaces.has(id)) {
      other.push({ where: `space '${s.targetName}'`, field: "exists", expected: s.action, actual: "missing" });
      continue;
    }
    if (!s.owner) continue;
    const owner = resolve(s.owner.ref);
    const actual = targetSpaces.get(id)?.ownerId;
    if (!owner) other.push({ where: `space '${s.targetName}'`, field: "owner", expected: s.owner.subject, actual: "unresolved in the target (see the plan)" });
    else if (actual !== owner) other.push({ where: `space '${s.targetName}'`, field: "owner", expected: `${owner} (${s.owner.subject})`, actual: show(actual) });
  }
  for (const step of plan.steps) {
    if (step.kind !== "assign") continue;
    const spaceId = resolve(step.space);
    const assigneeId = resolve(step.assignee);
    if (!spaceId || !assigneeId) {
      other.push({ where: step.label, field: "assignment", expected: step.roles.join(", "), actual: "not restored" });
      continue;
    }
    let roles: string[] | undefined;
    for await (const a of target.listSpaceAssignments(spaceId)) if (a.assigneeId === assigneeId) roles = a.roles;
    const rule = step.assigneeType === "user" && ownsAppIn.has(`${spaceId} ${assigneeId}`) ? ownerRoleIn(spaceId) : undefined;
    const expected = rule && !step.roles.some((r) => rule.satisfiedBy.includes(r)) ? [...step.roles, rule.role] : step.roles;
    if (!roles || !(sameRoles(roles, expected) || sameRoles(roles, step.roles)))
      other.push({ where: step.label, field: "roles", expected: expected.join(", "), actual: roles ? roles.join(", ") : "no assignment" });
  }
}
