/**
 * Who may see and do what — the emulator's reading of Qlik Cloud's rules:
 *
 * - Spaces: a user sees a space they own or hold an assignment in (directly or through a
 *   group); tenant admins (TenantAdmin role, incl. the OAuth bot) see every space.
 * - Apps (and their items): a private-content bot (OAuth client with `admin.apps` and
 *   `admin_classic`) sees every app, including other users' personal apps; everyone else
 *   sees the apps they own and the apps in spaces they own or are a member of. A tenant admin
 *   API key is NOT a bot: it does not see other users' personal apps, nor apps in spaces it
 *   is not a member of.
 * - Objects inside an app: `canSeeObject` in model.ts (private = owner or bot only).
 * - App privileges: owner and bot get all; space roles map to privileges (consumers read only).
 */
import type { App, Identity, Space, Tenant, User } from "../model.ts";
import { newHexId, nowIso } from "./runtime.ts";

export const ASSIGNABLE_ROLES: Record<string, string[]> = {
  shared: ["codeveloper", "consumer", "dataconsumer", "facilitator", "producer"],
  managed: ["basicconsumer", "consumer", "contributor", "dataconsumer", "facilitator", "operator", "publisher"],
  data: ["consumer", "dataconsumer", "datapreview", "facilitator", "operator", "producer", "publisher"],
};

export function spaceRoles(tenant: Tenant, user: User, space: Space): string[] {
  if (space.ownerId === user.id) return [...(ASSIGNABLE_ROLES[space.type] ?? [])];
  const roles = new Set<string>();
  for (const a of Object.values(tenant.assignments)) {
    if (a.spaceId !== space.id) continue;
    if ((a.type === "user" && a.assigneeId === user.id) || (a.type === "group" && user.groups.includes(a.assigneeId))) {
      for (const r of a.roles) roles.add(r);
    }
  }
  return [...roles].sort();
}

export function canSeeSpace(who: Identity, space: Space): boolean {
  if (who.isTenantAdmin || who.scopes.includes("admin_classic")) return true;
  return spaceRoles(who.tenant, who.user, space).length > 0;
}

export function canOpenApp(who: Identity, app: App): boolean {
  if (who.isPrivateContentBot) return true;
  if (app.ownerId === who.user.id) return true;
  if (!app.spaceId) return false;
  const space = who.tenant.spaces[app.spaceId];
  return !!space && spaceRoles(who.tenant, who.user, space).length > 0;
}

/** Ids of the spaces in which the caller has any role (owner, direct or group assignment). */
export function memberSpaceIds(who: Identity): Set<string> {
  const ids = new Set<string>();
  for (const s of Object.values(who.tenant.spaces)) if (s.ownerId === who.user.id) ids.add(s.id);
  for (const a of Object.values(who.tenant.assignments)) {
    if ((a.type === "user" && a.assigneeId === who.user.id) || (a.type === "group" && who.user.groups.includes(a.assigneeId))) ids.add(a.spaceId);
  }
  return ids;
}

/** `canOpenApp` for many apps at once (one pass over the assignments). */
export function appOpener(who: Identity): (app: App) => boolean {
  if (who.isPrivateContentBot) return () => true;
  const spaces = memberSpaceIds(who);
  return (app) => app.ownerId === who.user.id || (!!app.spaceId && spaces.has(app.spaceId));
}

const EDIT_ROLES = new Set(["producer", "facilitator", "codeveloper", "publisher", "operator"]);
const ALL_PRIVILEGES = ["read", "create", "update", "delete", "reload", "import", "publish", "duplicate", "export", "exportdata", "change_owner", "change_space"];

export function appPrivileges(who: Identity, app: App): string[] {
  if (who.isPrivateContentBot || app.ownerId === who.user.id) return [...ALL_PRIVILEGES];
  const space = app.spaceId ? who.tenant.spaces[app.spaceId] : undefined;
  const roles = space ? spaceRoles(who.tenant, who.user, space) : [];
  const privileges = new Set<string>();
  if (roles.length > 0) privileges.add("read");
  if (roles.some((r) => EDIT_ROLES.has(r))) {
    for (const p of ["create", "update", "delete", "reload", "import", "publish", "duplicate", "export", "exportdata"]) privileges.add(p);
  }
  if (roles.includes("contributor")) privileges.add("create");
  if (who.isTenantAdmin && privileges.size > 0) {
    privileges.add("change_owner");
    privileges.add("change_space");
  }
  return ALL_PRIVILEGES.filter((p) => privileges.has(p));
}

/**
 * The role an app's owner needs in the app's space, and the roles that already satisfy it:
 * Qlik raises the owner's role when an app changes hands — "Can edit" (producer) in a shared
 * space, "Can manage" (facilitator) in a managed one — if the user lacks it (help.qlik.com
 * migration, Managing migration steps › Applications › Update Application Owners).
 */
const OWNER_ROLE: Record<string, { role: string; satisfiedBy: string[] }> = {
  shared: { role: "producer", satisfiedBy: ["producer", "facilitator", "codeveloper"] },
  managed: { role: "facilitator", satisfiedBy: ["facilitator"] },
};

/** Gives the app's (new) owner the role Qlik gives an app owner in the app's space; returns the role added, if any. */
export function elevateAppOwnerRole(tenant: Tenant, app: App, by: User): string | undefined {
  const space = app.spaceId ? tenant.spaces[app.spaceId] : undefined;
  const user = tenant.users[app.ownerId];
  const rule = space ? OWNER_ROLE[space.type] : undefined;
  if (!space || !user || !rule || space.ownerId === user.id) return undefined;
  if (spaceRoles(tenant, user, space).some((r) => rule.satisfiedBy.includes(r))) return undefined;
  const t = nowIso();
  const own = Object.values(tenant.assignments).find((a) => a.spaceId === space.id && a.type === "user" && a.assigneeId === user.id);
  if (own) {
    own.roles = [...own.roles, rule.role];
    own.updatedAt = t;
    own.updatedBy = by.id;
  } else {
    const id = newHexId();
    tenant.assignments[id] = { id, spaceId: space.id, tenantId: tenant.id, type: "user", assigneeId: user.id, roles: [rule.role], createdAt: t, createdBy: by.id, updatedAt: t, updatedBy: by.id };
  }
  return rule.role;
}
