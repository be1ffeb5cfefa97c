/**
 * Webhooks (`/api/v1/webhooks…`), API-FACTS §6.10; shapes from the 2025 spec (`WebhookBase`,
 * `WebhookResponse`, `WebhookPatch`, `EventTypes`) and `@qlik/api` 2.19 `webhooks.d.ts`
 * (`WebhookResponseBase`: `secretKeyAdded`, `encryptedHeaders` as a list of names).
 *
 * - A tenant admin sees and changes every webhook; anyone else only their own (`ownerId`).
 *   Tenant-level webhooks need the TenantAdmin role; user-level ones the Developer role
 *   (UNCONFIRMED: help.qlik.com mc-administer-webhooks; the stricter reading).
 * - Write-only: `secret` (32–64 characters) is never returned — `secretKeyAdded` says whether
 *   one is set; `encryptedHeaders` values are never returned, only their names, and are
 *   dropped when the URL changes (they "will need to be re-entered").
 * - PUT replaces: fields it omits are cleared (the secret and encrypted headers too).
 * - `enableCloudEventDelivery` cannot be turned off once on (400).
 * - Paging: `limit` (default 20, max 100), `next`/`prev` cursors, absolute links.
 */
import type { Identity } from "../model.ts";
import { kindsOf, type Webhook } from "../kinds.ts";
import { badRequest, forbidden, notFound } from "../internal/errors.ts";
import { newGuid, nowIso } from "../internal/runtime.ts";
import { readJson, readJsonArray, who, type Ctx, type RestApp, type RouteDeps } from "./common.ts";
import { cursorPage, limitOf } from "./kinds-common.ts";

/** Event types the emulator offers (a subset of Qlik's, help.qlik.com mc-administer-webhooks-supported-events). */
export const WEBHOOK_EVENT_TYPES: { name: string; title: string; levels: string[] }[] = [
  { name: "com.qlik.v1.app.created", title: "App created", levels: ["tenant", "user"] },
  { name: "com.qlik.v1.app.deleted", title: "App deleted", levels: ["tenant", "user"] },
  { name: "com.qlik.v1.app.exported", title: "App exported", levels: ["tenant", "user"] },
  { name: "com.qlik.v1.app.published", title: "App published", levels: ["tenant", "user"] },
  { name: "com.qlik.v1.app.data.updated", title: "App data updated", levels: ["tenant", "user"] },
  { name: "com.qlik.v1.app.reload.finished", title: "App reload finished", levels: ["tenant", "user"] },
  { name: "com.qlik.v1.user.created", title: "User created", levels: ["tenant"] },
  { name: "com.qlik.v1.user.deleted", title: "User deleted", levels: ["tenant"] },
];

export function registerWebhooks(app: RestApp, { tenant, rt }: RouteDeps): void {
  const hooks = () => kindsOf(tenant).webhooks;
  const canSee = (w: Identity, h: Webhook): boolean => w.isTenantAdmin || h.ownerId === w.user.id;

  const hookJson = (h: Webhook): Record<string, unknown> => {
    const out: Record<string, unknown> = {
      id: h.id,
      name: h.name,
      description: h.description,
      url: h.url,
      eventTypes: h.eventTypes,
      level: h.level,
      enabled: h.enabled,
      headers: h.headers,
      encryptedHeaders: Object.keys(h.encryptedHeaders),
      checkCertificateRevocation: h.checkCertificateRevocation,
      enableCloudEventDelivery: h.enableCloudEventDelivery,
      secretKeyAdded: h.secret !== undefined,
      ownerId: h.ownerId,
      origin: h.origin,
      createdAt: h.createdAt,
      updatedAt: h.updatedAt,
      createdByUserId: h.createdByUserId,
      updatedByUserId: h.updatedByUserId,
    };
    if (h.filter !== undefined) out.filter = h.filter;
    if (h.disabledReason) out.disabledReason = h.disabledReason;
    if (h.disabledReasonCode) out.disabledReasonCode = h.disabledReasonCode;
    return out;
  };
  const hookFor = (c: Ctx): Webhook => {
    const id = c.req.param("id") ?? "";
    const h = hooks()[id];
    if (!h || !canSee(who(c), h)) throw notFound("HTTP-404", `Webhook "${id}" was not found.`);
    return h;
  };

  const checkLevel = (w: Identity, level: string): "tenant" | "user" => {
    if (level !== "tenant" && level !== "user") throw badRequest("HTTP-400", 'level must be "tenant" or "user".');
    if (level === "tenant" && !w.isTenantAdmin) throw forbidden("HTTP-403", "Tenant-level webhooks need the TenantAdmin role.");
    if (level === "user" && !w.isTenantAdmin && !w.user.roles.includes("Developer")) throw forbidden("HTTP-403", "User-level webhooks need the Developer role.");
    return level;
  };
  const checkSecret = (v: unknown): string | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string" || v.length < 32 || v.length > 64) throw badRequest("HTTP-400", "secret must be a string of 32 to 64 characters.");
    return v;
  };
  const checkUrl = (v: unknown): string => {
    if (typeof v !== "string" || v.length > 2048 || !/^https:\/\/[^\s]+$/.test(v)) throw badRequest("HTTP-400", "url is required: an https URL of at most 2048 characters.");
    return v;
  };
  const checkName = (v: unknown): string => {
    if (typeof v !== "string" || v === "" || v.length > 512) throw badRequest("HTTP-400", "name is required: at most 512 characters.");
    return v;
  };
  const checkEventTypes = (v: unknown): string[] => {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((e) => typeof e !== "string" || !WEBHOOK_EVENT_TYPES.some((t) => t.name === e))) throw badRequest("HTTP-400", "eventTypes must name event types of GET /v1/webhooks/event-types.");
    return v as string[];
  };
  const checkHeaders = (v: unknown, what: string): Record<string, string> => {
    if (v === undefined || v === null) return {};
    if (typeof v !== "object" || Array.isArray(v) || Object.values(v).some((x) => typeof x !== "string")) throw badRequest("HTTP-400", `${what} must map header names to string values.`);
    if (Buffer.byteLength(JSON.stringify(v)) > 2048) throw badRequest("HTTP-400", `${what} exceed 2048 bytes.`);
    return { ...(v as Record<string, string>) };
  };
  const bool = (v: unknown, k: string, def: boolean): boolean => {
    if (v === undefined || v === null) return def;
    if (typeof v !== "boolean") throw badRequest("HTTP-400", `"${k}" must be a boolean.`);
    return v;
  };
  const str = (v: unknown, k: string): string | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") throw badRequest("HTTP-400", `"${k}" must be a string.`);
    return v;
  };

  /** A whole webhook from a POST/PUT body (PUT: omitted fields cleared to their defaults). */
  const fromBody = (w: Identity, body: Record<string, unknown>, prev?: Webhook): Omit<Webhook, "id" | "createdAt" | "createdByUserId" | "origin"> => {
    const cloud = bool(body.enableCloudEventDelivery, "enableCloudEventDelivery", false);
    if (prev?.enableCloudEventDelivery && !cloud) throw badRequest("HTTP-400", "enableCloudEventDelivery cannot be turned off once on.");
    const level = checkLevel(w, str(body.level, "level") ?? "tenant");
    const ownerId = str(body.ownerId, "ownerId") ?? prev?.ownerId ?? w.user.id;
    if (!tenant.users[ownerId]) throw badRequest("HTTP-400", `unknown ownerId "${ownerId}"`);
    if (ownerId !== w.user.id && !w.isTenantAdmin) throw forbidden("HTTP-403", "Only a tenant admin may set another user as a webhook's owner.");
    return {
      name: checkName(body.name),
      description: str(body.description, "description") ?? "",
      url: checkUrl(body.url),
      eventTypes: checkEventTypes(body.eventTypes),
      filter: str(body.filter, "filter"),
      level,
      enabled: bool(body.enabled, "enabled", false),
      headers: checkHeaders(body.headers, "headers"),
      encryptedHeaders: checkHeaders(body.encryptedHeaders, "encryptedHeaders"),
      checkCertificateRevocation: bool(body.checkCertificateRevocation, "checkCertificateRevocation", false),
      enableCloudEventDelivery: cloud,
      secret: checkSecret(body.secret),
      ownerId,
      updatedByUserId: w.user.id,
      updatedAt: nowIso(),
    };
  };

  app.get("/api/v1/webhooks/event-types", (c) => c.json({ data: WEBHOOK_EVENT_TYPES }));

  app.get("/api/v1/webhooks", (c) => {
    const w = who(c);
    const limit = limitOf(c, 20, 100);
    let list = Object.values(hooks()).filter((h) => canSee(w, h));
    const q = (k: string) => c.req.query(k);
    if (q("enabled") === "true" || q("enabled") === "false") list = list.filter((h) => h.enabled === (q("enabled") === "true"));
    if (q("level")) list = list.filter((h) => h.level === q("level"));
    if (q("ownerId")) list = list.filter((h) => h.ownerId === q("ownerId"));
    if (q("createdByUserId")) list = list.filter((h) => h.createdByUserId === q("createdByUserId"));
    if (q("updatedByUserId")) list = list.filter((h) => h.updatedByUserId === q("updatedByUserId"));
    if (q("name")) list = list.filter((h) => h.name.toLowerCase().includes(q("name")!.toLowerCase()));
    if (q("url")) list = list.filter((h) => h.url.includes(q("url")!));
    if (q("origins")) list = list.filter((h) => q("origins")!.split(",").includes(h.origin));
    if (q("eventTypes")) list = list.filter((h) => q("eventTypes")!.split(",").some((e) => h.eventTypes.includes(e)));
    const sort = q("sort") ?? "+createdAt";
    const key = sort.replace(/^[+-]/, "");
    if (!["name", "url", "createdAt", "updatedAt"].includes(key)) throw badRequest("HTTP-400", `unsupported sort "${sort}"`);
    list.sort((a, b) => String(a[key as "name"]).localeCompare(String(b[key as "name"])) || a.id.localeCompare(b.id));
    if (sort.startsWith("-")) list.reverse();
    const { page, links } = cursorPage(c, list, limit, "next");
    return c.json({ data: page.map((h) => hookJson(h)), links });
  });

  app.get("/api/v1/webhooks/:id", (c) => c.json(hookJson(hookFor(c))));

  app.post("/api/v1/webhooks", async (c) => {
    const w = who(c);
    const body = await readJson(c);
    const origin = str(body.origin, "origin") ?? "api";
    if (!["api", "automations", "management-console"].includes(origin)) throw badRequest("HTTP-400", `unsupported origin "${origin}"`);
    if (Object.values(hooks()).filter((h) => h.ownerId === w.user.id).length >= 150) throw badRequest("HTTP-400", "A user may own at most 150 webhooks.");
    const fields = fromBody(w, body);
    const h: Webhook = { id: newGuid(), ...fields, origin: origin as Webhook["origin"], createdAt: fields.updatedAt, createdByUserId: w.user.id };
    hooks()[h.id] = h;
    rt.changed(tenant);
    return c.json(hookJson(h), 201);
  });

  const mayChange = (c: Ctx): Webhook => {
    const h = hookFor(c);
    const w = who(c);
    if (!w.isTenantAdmin && h.ownerId !== w.user.id) throw forbidden("HTTP-403", `The caller may not change webhook "${h.name}".`);
    return h;
  };

  app.put("/api/v1/webhooks/:id", async (c) => {
    const h = mayChange(c);
    const body = await readJson(c);
    Object.assign(h, fromBody(who(c), body, h));
    rt.changed(tenant);
    return c.json(hookJson(h));
  });

  app.patch("/api/v1/webhooks/:id", async (c) => {
    const h = mayChange(c);
    const next: Webhook = { ...h, headers: { ...h.headers }, encryptedHeaders: { ...h.encryptedHeaders }, eventTypes: [...h.eventTypes] };
    for (const op of await readJsonArray(c)) {
      const path = String(op.path ?? "");
      if (op.op !== "add" && op.op !== "replace" && op.op !== "remove") throw badRequest("HTTP-400", `unsupported patch op ${JSON.stringify(op.op)}`);
      const remove = op.op === "remove";
      switch (path) {
        case "/name":
          if (remove) throw badRequest("HTTP-400", "name cannot be removed.");
          next.name = checkName(op.value);
          break;
        case "/description":
          next.description = remove ? "" : (str(op.value, "description") ?? "");
          break;
        case "/url": {
          if (remove) throw badRequest("HTTP-400", "url cannot be removed.");
          const url = checkUrl(op.value);
          if (url !== next.url) next.encryptedHeaders = {};
          next.url = url;
          break;
        }
        case "/eventTypes":
          next.eventTypes = remove ? [] : checkEventTypes(op.value);
          break;
        case "/headers":
          next.headers = remove ? {} : checkHeaders(op.value, "headers");
          break;
        case "/encryptedHeaders":
          next.encryptedHeaders = remove ? {} : checkHeaders(op.value, "encryptedHeaders");
          break;
        case "/enabled":
          next.enabled = remove ? false : bool(op.value, "enabled", false);
          break;
        case "/secret":
          next.secret = remove ? undefined : checkSecret(op.value);
          break;
        case "/enableCloudEventDelivery": {
          const v = remove ? false : bool(op.value, "enableCloudEventDelivery", false);
          if (next.enableCloudEventDelivery && !v) throw badRequest("HTTP-400", "enableCloudEventDelivery cannot be turned off once on.");
          next.enableCloudEventDelivery = v;
          break;
        }
        default:
          throw badRequest("HTTP-400", `unsupported patch path "${path}"`);
      }
    }
    Object.assign(h, next, { updatedAt: nowIso(), updatedByUserId: who(c).user.id });
    rt.changed(tenant);
    return c.body(null, 204);
  });

  app.delete("/api/v1/webhooks/:id", (c) => {
    const h = mayChange(c);
    delete hooks()[h.id];
    rt.changed(tenant);
    return c.body(null, 204);
  });
}
