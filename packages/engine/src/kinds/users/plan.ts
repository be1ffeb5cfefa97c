/**
 * The users kind's plan fragment: which target user gets each source user's content (by id
 * on the same tenant, then subject, then email, then `--owner-fallback`), which users are
 * created (`--create-missing-users`) or reported missing. It decides the users the selected
 * apps and their objects need, and installs `ensureUser` for the fragments after it (space
 * owners and members).
 */
import type { UserRecord } from "@lifeboat/model";
import type { PlanBuilder } from "../../restore/builder.ts";
import { RestorePlanError, type StepDraft, type UserDecision } from "../../restore/plan.ts";
import { existing } from "../../restore/ref.ts";

const lower = (s: string | undefined): string => (s ?? "").toLowerCase();

/** The create-user step of a decision to create (one builder: the first need and later needs alike). */
export function createUserStep(d: UserDecision, created: Readonly<Record<string, string>>): StepDraft {
  const earlier = created[`user:${d.sourceId}`];
  if (earlier && !d.reason.includes("(created by an earlier attempt")) d.reason += ` (created by an earlier attempt: ${earlier})`;
  return {
    id: `user:${d.sourceId}:create`,
    kind: "create-user",
    ref: { t: "user", sourceId: d.sourceId },
    subject: d.subject,
    ...(d.name ? { name: d.name } : {}),
    ...(d.email ? { email: d.email } : {}),
    label: `create user ${d.subject}${d.name ? ` (${d.name})` : ""}`,
    reason: d.reason,
  };
}

export function planUsers(b: PlanBuilder): void {
  const { source, target, options, sameTenant, selectedApps, previous } = b.ctx;
  const sourceUsers = new Map<string, UserRecord>();
  for (const u of source.users) sourceUsers.set(u.id, u);
  // Owners the users layer did not capture still have a subject on their objects.
  for (const a of selectedApps.values())
    for (const o of b.ctx.objectsOf(a.id))
      if (o.ownerId && !sourceUsers.has(o.ownerId) && o.ownerSubject)
        sourceUsers.set(o.ownerId, { id: o.ownerId, subject: o.ownerSubject, status: "unknown", assignedRoles: [], assignedGroups: [] });

  const needed = new Set<string>(); // source user ids the selection refers to
  const need = (id: string | undefined) => {
    if (id) needed.add(id);
  };
  const only = b.ctx.onlyObjects;
  for (const a of selectedApps.values()) {
    // A single-object restore touches neither the app nor any other object: only these owners matter.
    if (!only) need(a.doc.summary.ownerId || a.doc.owner.id);
    for (const o of b.ctx.objectsOf(a.id)) if (!only || only.has(o.id)) need(o.ownerId);
  }
  // --all brings every user back, except disabled and deleted ones nobody's content needs.
  if (options.all) for (const u of source.users) if (u.status !== "deleted" && u.status !== "disabled") need(u.id);

  const tById = new Map(target.users.map((u) => [u.id, u]));
  const tBySubject = new Map(target.users.map((u) => [u.subject, u]));
  const tByEmail = new Map<string, UserRecord>();
  for (const u of target.users) if (u.email) tByEmail.set(lower(u.email), u);
  let fallback: UserRecord | undefined;
  if (options.ownerFallback) {
    fallback = tBySubject.get(options.ownerFallback) ?? tByEmail.get(lower(options.ownerFallback));
    if (!fallback)
      throw new RestorePlanError(`--owner-fallback ${options.ownerFallback}: no user with that subject (or email) on ${target.host}; name an existing user`);
  }

  const decideUser = (id: string): UserDecision => {
    const u = sourceUsers.get(id) ?? { id, subject: "", status: "unknown", assignedRoles: [], assignedGroups: [] };
    const base = { sourceId: id, subject: u.subject, ...(u.name ? { name: u.name } : {}), ...(u.email ? { email: u.email } : {}) };
    const byId = sameTenant ? tById.get(id) : undefined;
    if (byId) return { ...base, action: "map", targetId: byId.id, matchedBy: "id", ref: existing(byId.id), reason: "same user id on the same tenant" };
    const bySubject = u.subject ? tBySubject.get(u.subject) : undefined;
    if (bySubject) return { ...base, action: "map", targetId: bySubject.id, matchedBy: "subject", ref: existing(bySubject.id), reason: `subject ${u.subject} exists in the target` };
    const byEmail = u.email ? tByEmail.get(lower(u.email)) : undefined;
    if (byEmail)
      return { ...base, action: "map", targetId: byEmail.id, matchedBy: "email", ref: existing(byEmail.id), reason: `no user with subject ${u.subject || "(none)"}; email ${u.email} matches ${byEmail.subject}` };
    if (options.createMissingUsers && u.subject)
      return { ...base, action: "create", ref: { t: "user", sourceId: id }, reason: `not in the target (no subject or email match); --create-missing-users creates it invited` };
    if (fallback)
      return {
        ...base,
        action: "map",
        targetId: fallback.id,
        matchedBy: "fallback",
        ref: existing(fallback.id),
        reason: `not in the target; its content goes to --owner-fallback ${fallback.subject}`,
      };
    return {
      ...base,
      action: "missing",
      reason: u.subject
        ? `not in the target (no subject or email match); pass --create-missing-users or --owner-fallback SUBJECT`
        : `unknown user id ${id} (not in the snapshot's users); pass --owner-fallback SUBJECT`,
    };
  };
  const decide = (id: string, first: boolean): void => {
    const d = decideUser(id);
    b.users.push(d);
    if (d.ref) b.owners[id] = d.ref;
    if (d.action === "create") b.step(createUserStep(d, previous.created));
    if (first && d.action === "missing")
      b.warnings.push(`owner ${d.subject || id}${d.name ? ` (${d.name})` : ""} is not in the target: its content stays with ${target.caller.subject || "the restoring user"}`);
  };
  for (const id of [...needed].sort()) decide(id, true);
  b.sourceUser = (id: string) => sourceUsers.get(id);
  b.ensureUser = (id: string): void => {
    if (needed.has(id)) return;
    needed.add(id);
    decide(id, false);
  };
}
