/** Qlik's JSON → the engine's record types, read defensively (fields may be missing). */
import type { AssignmentRecord, GroupRecord, RoleRecord, SpaceRecord, UserRecord } from "@lifeboat/model";

export const rec = (v: unknown): Record<string, unknown> => (v && typeof v === "object" ? (v as Record<string, unknown>) : {});
export const s = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const roleRefs = (v: unknown): { id?: string; name: string }[] =>
  Array.isArray(v)
    ? v.map((r) => {
        const o = rec(r);
        const out: { id?: string; name: string } = { name: s(o.name) ?? "" };
        if (s(o.id)) out.id = s(o.id);
        return out;
      })
    : [];

export function toUserRecord(u: unknown): UserRecord {
  const o = rec(u);
  const r: UserRecord = {
    id: s(o.id) ?? "",
    subject: s(o.subject) ?? "",
    status: s(o.status) ?? "active",
    // A real tenant's GET /users/{id} has been captured with the deprecated `roles` (names) and
    // no `assignedRoles` (datahub-project/datahub qlik_sense test mocks): read those then.
    assignedRoles: Array.isArray(o.assignedRoles)
      ? roleRefs(o.assignedRoles)
      : Array.isArray(o.roles)
        ? o.roles.filter((r): r is string => typeof r === "string").map((name) => ({ name }))
        : [],
    assignedGroups: Array.isArray(o.assignedGroups) ? o.assignedGroups.map((g) => ({ id: s(rec(g).id) ?? "", name: s(rec(g).name) ?? "" })) : [],
  };
  if (s(o.name) !== undefined) r.name = s(o.name);
  if (s(o.email) !== undefined) r.email = s(o.email);
  return r;
}

export function toGroupRecord(g: unknown): GroupRecord {
  const o = rec(g);
  const r: GroupRecord = { id: s(o.id) ?? "", name: s(o.name) ?? "", assignedRoles: roleRefs(o.assignedRoles) };
  if (s(o.description) !== undefined) r.description = s(o.description);
  if (s(o.providerType) !== undefined) r.providerType = s(o.providerType);
  if (s(o.status) !== undefined) r.status = s(o.status);
  return r;
}

export function toRoleRecord(x: unknown): RoleRecord {
  const o = rec(x);
  const r: RoleRecord = { id: s(o.id) ?? "", name: s(o.name) ?? "", type: s(o.type) ?? "default" };
  if (s(o.description) !== undefined) r.description = s(o.description);
  if (Array.isArray(o.assignedScopes)) r.assignedScopes = o.assignedScopes.filter((v): v is string => typeof v === "string");
  return r;
}

export function toSpaceRecord(x: unknown): SpaceRecord {
  const o = rec(x);
  const type = s(o.type);
  const r: SpaceRecord = {
    id: s(o.id) ?? "",
    name: s(o.name) ?? "",
    type: type === "managed" || type === "data" ? type : "shared",
    ownerId: s(o.ownerId) ?? "",
  };
  if (s(o.description) !== undefined) r.description = s(o.description);
  return r;
}

export function toAssignmentRecord(x: unknown): AssignmentRecord {
  const o = rec(x);
  return {
    id: s(o.id) ?? "",
    type: s(o.type) === "group" ? "group" : "user",
    assigneeId: s(o.assigneeId) ?? "",
    roles: Array.isArray(o.roles) ? o.roles.filter((v): v is string => typeof v === "string") : [],
  };
}

/** The id part of a temp-content `Location` (`/v1/temp-contents/<id>`, relative or absolute): its last path segment. */
export function tempContentIdFromLocation(location: string): string {
  const path = location.split(/[?#]/)[0] ?? "";
  const id = path.split("/").filter(Boolean).pop();
  if (!id) throw new Error(`export answered with an unusable Location header: "${location}"`);
  return decodeURIComponent(id);
}

