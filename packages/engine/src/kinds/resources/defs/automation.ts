/**
 * The automation group (API-FACTS §6.9): automation connections, then the automations that use
 * them (a restore creates the connections first and points each automation's workspace at the
 * new ids).
 *
 * - An automation connection's password-typed parameters are write-only (§7, assumed: Qlik's
 *   answers were not seen carrying them) and named `params.<name>`; an OAuth connection's
 *   tokens are never returned — only its owner's interactive sign-in connects it again.
 * - An automation's definition (its workspace) is readable only by its owner or an OAuth bot
 *   with `admin.automations` (qlik.dev/changelog/241-admin-automations-scope-update): one
 *   captured without it is reference only. Its run mode is derived from the workspace, its
 *   execution token is Qlik's (regenerated, never stored), its run history is not restorable.
 *   The connector hands a restored automation to its owner before putting its definition back,
 *   because an owner change detaches its connections.
 */
import type { ResourceRecord } from "@lifeboat/model";
import type { SecretDecl } from "../def.ts";
import { resourceKind } from "../kind.ts";

/** Names of password-typed parameters common across Qlik's automation connectors, each its own secret. */
const COMMON_PARAMS = ["password", "apiKey", "api_key", "clientSecret", "client_secret", "token", "accessToken", "secret", "privateKey"];

const secretParams = (r: ResourceRecord): string[] => (r.secrets ?? []).filter((s) => s.startsWith("params.")).map((s) => s.slice("params.".length));

const PARAM_SECRETS: SecretDecl[] = [
  ...COMMON_PARAMS.map((p) => ({ field: `params.${p}`, label: `parameter '${p}'`, when: (r: ResourceRecord) => secretParams(r).includes(p) })),
  // Any other password-typed parameter: given as `params.<its name>`.
  { field: "params.*", label: "other password-typed parameters (give each as params.<name>)", when: (r) => secretParams(r).some((p) => !COMMON_PARAMS.includes(p)) },
];

export const automationConnections = resourceKind({
  layer: "automationConnections",
  noun: "automation connection",
  path: "automation-connections",
  group: "automation",
  phase: "after-apps",
  match: "name-in-space",
  where: "Automations › the automation editor › Connections (as the connection's owner)",
  restoreNote: "password-typed parameters of automation connections; an OAuth sign-in by each OAuth connection's owner",
  classify: (r) => {
    if (typeof r.body.oauthAccountName === "string" && r.body.oauthAccountName)
      return { class: "input", reason: `an OAuth connection (account ${r.body.oauthAccountName}): Qlik returns none of its tokens — its owner signs in again in the automation editor after the restore` };
    const params = secretParams(r);
    if (params.length) return { class: "input", reason: `Qlik never returns its password-typed parameters (${params.join(", ")}): give them, or it is created not connected` };
    if (!Array.isArray(r.body.params)) return { class: "input", reason: "its parameters could not be read (another user's connection): it is created without them, not connected" };
    return { class: "direct", reason: "every parameter is readable" };
  },
  secrets: PARAM_SECRETS,
  refs: [
    { path: "spaceId", to: "space" },
    { path: "ownerId", to: "user" },
  ],
  // Ids, dates, and the connection's live state (connected, the OAuth account signed in, a last error).
  volatile: ["id", "createdAt", "updatedAt", "isConnected", "oauthAccountName", "error", "params[].id"],
});

export const automations = resourceKind({
  layer: "automations",
  noun: "automation",
  path: "automations",
  group: "automation",
  phase: "after-apps",
  match: "id-or-name",
  where: "Automations (Management Console › Automations for the owner and state)",
  restoreNote: "automations whose definition only their owner could read (back up with an admin.automations bot); new execution tokens for triggered and webhook automations",
  classify: (r) => {
    if (r.body.workspace === undefined)
      return {
        class: "reference",
        reason:
          "its definition is readable only by its owner or an OAuth bot with the admin.automations scope, and this backup had neither: back up with such a bot (QLIK_SCOPE=\"user_default admin.apps admin_classic admin.automations\") to restore it",
      };
    if (r.body.runMode === "triggered" || r.body.runMode === "webhook")
      return { class: "direct", reason: `restored as it was; Qlik gives it a new execution token, which whatever starts it (${String(r.body.runMode)}) then needs` };
    return { class: "direct", reason: "its definition, schedules and state are restored as they were" };
  },
  refs: [
    { path: "spaceId", to: "space" },
    { path: "ownerId", to: "user" },
    // The editor's blocks name the connections they use by id (UNCONFIRMED shape of Qlik's workspace JSON; the emulator's).
    { path: "workspace.blocks[].connectionId", to: "automationConnections", optional: true },
  ],
  // Ids, dates, run history and Qlik's schedule bookkeeping (run mode and connectors follow the workspace and are compared).
  volatile: ["id", "createdAt", "updatedAt", "lastRunAt", "lastRunStatus", "lastRun", "duration", "executionToken", "schedules[].id", "schedules[].nextRunAt", "schedules[].lastStartedAt"],
});
