/**
 * The integration kinds (issue 12; API-FACTS §6.10–6.12, §6.21, §6.23, §7; the connector:
 * `@lifeboat/qlik` resources/integration.ts): CSP origins, web integrations, OAuth clients,
 * the API-key configuration and webhooks.
 *
 * What comes back and what needs a person:
 * - CSP origins and web integrations are written back as they were (`direct`); Qlik gives a
 *   recreated web integration a new id, which its step's note says (old id: the snapshot's;
 *   embedding clients that name it must be updated).
 * - OAuth clients are `input`: Qlik generates the client id and secret of a recreated client,
 *   so every integration that used it must be reconfigured; no secret can be given back.
 * - The API-key configuration is a singleton, written back (`direct`).
 * - Webhooks: their signing `secret` and the values of their `encryptedHeaders` are write-only.
 *   Without them a webhook is created disabled and listed; with them (`--secrets`:
 *   `secret`, and `encryptedHeaderValues` as a JSON object of header name → value — one scalar
 *   per field in a secrets file) it is put back as it was. The owner (`ownerId`, in the body and
 *   the record) is mapped by subject like every owner; `createdByUserId`/`updatedByUserId` are Qlik's.
 *
 * A webhook's `filter` is a SCIM string that may name ids of the source tenant (`spaceId eq
 * "…"`, `topLevelResourceId eq "…"`, `id eq "…"`: webhooks.d.ts `WebhookBase.filter`). A
 * reference declaration (`RefDecl`) names a field whose whole value is an id, so these are not
 * rewritten: such a webhook is restored with its filter as it was and classed `input` with the
 * reason — in another tenant (or after its space or app was recreated) the ids differ and the
 * filter must be checked by hand; the checklist says where.
 */
import type { ResourceRecord } from "@lifeboat/model";
import type { Classification } from "../def.ts";
import { resourceKind } from "../kind.ts";

/** The ids a webhook's SCIM filter names: `<attr> eq|ne "<value>"` for id, spaceId and topLevelResourceId. */
export function filterIds(filter: unknown): { attr: string; value: string }[] {
  if (typeof filter !== "string") return [];
  return [...filter.matchAll(/\b(id|spaceId|topLevelResourceId)\s+(?:eq|ne)\s+"((?:[^"\\]|\\.)*)"/g)].map((m) => ({ attr: m[1]!, value: m[2]! }));
}

const WEBHOOK_SECRETS = [
  // Without them it is created disabled (the connector), and Qlik says it holds none.
  { field: "secret", label: "signing secret", affects: ["secretKeyAdded", "enabled"] },
  { field: "encryptedHeaderValues", label: "encrypted header values", affects: ["encryptedHeaders", "enabled"] },
] as const;

function classifyWebhook(r: ResourceRecord): Classification {
  const reasons: string[] = [];
  const held = WEBHOOK_SECRETS.filter((s) => r.secrets?.includes(s.field)).map((s) => s.label);
  if (held.length) reasons.push(`its ${held.join(" and ")} ${held.length > 1 ? "are" : "is"} never returned by Qlik: give ${held.length > 1 ? "them" : "it"} in the secrets file, or it is created disabled`);
  const ids = filterIds(r.body.filter);
  if (ids.length)
    reasons.push(`its filter names ${ids.map((x) => `${x.attr} "${x.value}"`).join(", ")} of the source tenant and is restored as it is: check it where those spaces or apps have other ids (another tenant, or recreated)`);
  return reasons.length ? { class: "input", reason: reasons.join("; ") } : { class: "direct", reason: "no secret and no id in its filter: every field is written back" };
}

export const cspOrigins = resourceKind({
  layer: "cspOrigins",
  noun: "CSP origin",
  path: "csp-origins",
  group: "integration",
  phase: "before-apps",
  match: "id-or-name",
  where: "Management Console › Content Security Policy",
  restoreNote: "nothing: the origin and its directives are written back",
  classify: () => ({ class: "direct", reason: "no secret: its origin and directives are written back" }),
  volatile: ["id", "createdDate", "modifiedDate"],
});

export const webIntegrations = resourceKind({
  layer: "webIntegrations",
  noun: "web integration",
  path: "web-integrations",
  group: "integration",
  phase: "before-apps",
  match: "id-or-name",
  where: "Management Console › Web",
  restoreNote: "nothing to enter; a recreated web integration gets a new id from Qlik — update the embedding clients that name the old one",
  classify: () => ({ class: "direct", reason: "its name and trusted origins are written back; if recreated, Qlik gives it a new id (the step notes it)" }),
  volatile: ["id", "tenantId", "created", "createdBy", "lastUpdated"],
});

export const oauthClients = resourceKind({
  layer: "oauthClients",
  noun: "OAuth client",
  path: "oauth-clients",
  group: "integration",
  phase: "after-apps",
  match: "id-or-name",
  where: "Management Console › OAuth",
  restoreNote: "a recreated client gets a new client id and secret from Qlik: reconfigure every integration that uses it (no backup holds its secret)",
  classify: (r) => ({
    class: "input",
    reason: `Qlik generates a recreated client's id${r.body.appType === "web" ? " and secret" : ""}: every integration that uses it must be reconfigured with the new one${r.body.appType === "web" ? "s" : ""}`,
  }),
  // Qlik's: the id, dates, who made it, the secrets' hints, whether it is disabled. Publishing
  // is restored (the connector publishes what the snapshot has published); its date is Qlik's.
  volatile: ["clientId", "createdAt", "updatedAt", "deletedAt", "ownerId", "createdByType", "clientSecrets", "disableTag", "publishedAt"],
});

export const apiKeyConfig = resourceKind({
  layer: "apiKeyConfig",
  noun: "API-key configuration",
  path: "api-key-config",
  group: "integration",
  phase: "after-apps",
  match: "singleton",
  where: "Management Console › Settings › API keys",
  restoreNote: "nothing to enter; whether API keys are enabled may have to be switched by hand (the step notes it when Qlik refuses)",
  classify: () => ({ class: "direct", reason: "tenant-wide limits for API keys, written back" }),
});

export const webhooks = resourceKind({
  layer: "webhooks",
  noun: "webhook",
  path: "webhooks",
  group: "integration",
  phase: "after-apps",
  match: "id-or-name",
  where: "Management Console › Webhooks",
  restoreNote: "its signing secret and encrypted header values (never returned by Qlik); without them it is created disabled",
  secrets: WEBHOOK_SECRETS,
  // The owner, as Qlik names it in the body too (the record's `ownerId` is the same user).
  refs: [{ path: "ownerId", to: "user", optional: true }],
  classify: classifyWebhook,
  volatile: ["id", "createdAt", "updatedAt", "createdByUserId", "updatedByUserId", "disabledReason", "disabledReasonCode"],
});

export const INTEGRATION = [cspOrigins, webIntegrations, oauthClients, apiKeyConfig, webhooks];
