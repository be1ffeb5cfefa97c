/**
 * Distribution beyond reload tasks (API-FACTS §6.15): sharing tasks (`/api/v1/sharing-tasks`),
 * report templates (`/api/v1/report-templates`, with their file), data alerts
 * (`/api/v1/data-alerts`) and the conditions they evaluate (`/api/v1/conditions`). Shapes from
 * the 2025 spec (`SharingTaskRecurringResponse`, `ReportTemplateResponse`,
 * `AlertingTaskResponse`, `ConditionResponse`) and `@qlik/api` 2.19 (`sharing-tasks.d.ts`,
 * `report-templates.d.ts`, `data-alerts.d.ts`, `conditions.d.ts`).
 *
 * - Every one is owned by its creator (the caller); sharing tasks and data alerts change owner
 *   with a PATCH of `/ownerId` (their patch paths list it), report templates cannot.
 * - Sharing tasks: TenantAdmin sees every task ("Users assigned the TenantAdmin or AnalyticsAdmin
 *   role can view all tasks"), others the tasks they own or receive. The app comes from the
 *   templates (`chartData`/`sheetData`/`storyData`/`multiSheetData[].appId`); recipients by user
 *   and group id must exist (400). `emailContent` is stored and answered only as
 *   `encryptedEmailContent` ciphers, never in clear (API-FACTS §7).
 * - Report templates: seen by their owner (a tenant admin sees others' per the
 *   `reportTemplatesAdminSeesAll` quirk, default no). Created from a temp-contents upload;
 *   the file is an Office Open XML zip whose `docProps/custom.xml` may name its source app
 *   (`QlikSourceAppId`). `sourceAppAction: "validate"` (the default) refuses a `sourceAppId`
 *   that differs from the file's (400); `"replace"` re-binds the template to it. The file is
 *   kept byte for byte (download answers the uploaded bytes; whether Qlik rewrites the file's
 *   metadata on replace is UNCONFIRMED). Errors are this service's `ErrorResult`
 *   (`{errors:[{code,title,detail}], statusCode}`). Paging `limit`/`skip`.
 * - Conditions: created by anyone who can open the condition's app; seen and changed by their
 *   owner and a tenant admin. A data alert needs a condition on its own app (400).
 * - Data alerts: seen by their owner and recipients (a tenant admin sees all per the
 *   `dataAlertsAdminSeesAll` quirk, default no); created by someone who can open the app (202);
 *   recipients by user (required, may be empty) and group id, each of which must exist.
 * - Everything pointing at an app goes with it: a sharing task, a data alert (and its
 *   condition) or a report template whose app is deleted is dropped on the next read.
 * - Paging of sharing tasks and data alerts: `limit` (default 10, max 100), `page` / `next`
 *   cursors with absolute links, `totalCount` and `currentPageCount`.
 */
import type { Hono } from "hono";
import { createHash } from "node:crypto";
import type { Identity } from "../model.ts";
import { kindsOf, type AlertCondition, type DataAlert, type IdRecipient, type ReportTemplate, type SharingTask } from "../kinds.ts";
import { QlikError, badRequest, forbidden, notFound } from "../internal/errors.ts";
import { canOpenApp } from "../internal/access.ts";
import { newGuid, newHexId, nowIso } from "../internal/runtime.ts";
import { readZip } from "../internal/zip.ts";
import { readJson, readJsonArray, who, type Ctx, type Env, type RouteDeps } from "./common.ts";
import { cursorPage, limitOf, selfHref, validTimeZone } from "./kinds-common.ts";

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * `ScheduleOptions` as both services take it: an IANA `timezone`, 1–5 RRULE lines without
 * DTSTART/DTEND/UNTIL, local start/end date-times without an offset ("ISO8601 time offsets are
 * not allowed", `@qlik/api` 2.19). Read-only fields are dropped.
 */
function scheduleOptions(v: unknown, required: boolean): Json | undefined {
  if (v === undefined || v === null) {
    if (required) throw badRequest("HTTP-400", "scheduleOptions with a recurrence is required for a SCHEDULED trigger.");
    return undefined;
  }
  if (!isObj(v)) throw badRequest("HTTP-400", "scheduleOptions must be an object.");
  const out: Json = {};
  if (v.timezone !== undefined && v.timezone !== null) {
    if (typeof v.timezone !== "string" || !validTimeZone(v.timezone)) throw badRequest("HTTP-400", `scheduleOptions.timezone "${String(v.timezone)}" is not an IANA time zone.`);
    out.timezone = v.timezone;
  }
  const rec = v.recurrence;
  if (rec !== undefined) {
    if (!Array.isArray(rec) || rec.length < 1 || rec.length > 5 || rec.some((r) => typeof r !== "string" || !/^RRULE:/.test(r) || /DTSTART|DTEND|UNTIL/.test(r)))
      throw badRequest("HTTP-400", "scheduleOptions.recurrence must hold 1 to 5 RRULE lines (RRULE:…), without DTSTART, DTEND or UNTIL.");
    out.recurrence = rec;
  } else if (required) throw badRequest("HTTP-400", "scheduleOptions.recurrence is required for a SCHEDULED trigger.");
  for (const k of ["startDateTime", "endDateTime"] as const) {
    const d = v[k];
    if (d === undefined || d === null || d === "") continue;
    if (typeof d !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(d)) throw badRequest("HTTP-400", `scheduleOptions.${k} "${String(d)}" must be a local date-time without an offset (2026-01-02T16:04:05).`);
    out[k] = d;
  }
  return out;
}

/** Opaque stand-in for Qlik's encryption of a field: never the clear text, stable per value. */
const cipherOf = (clear: string): Json => ({ cipher: "AES-256-GCM", value: createHash("sha256").update(`lifeboat-emulator:${clear}`).digest("base64") });

export function registerDistribution(app: Hono<Env>, { tenant, rt }: RouteDeps): void {
  const k = () => kindsOf(tenant);
  const changed = () => rt.changed(tenant);
  const userExists = (id: string): boolean => !!tenant.users[id];
  const groupExists = (id: string): boolean => !!tenant.groups[id];

  /** Everything pointing at an app goes with it (applied when the kind is next read). */
  const dropOrphans = (): void => {
    let dropped = false;
    for (const bag of [k().sharingTasks, k().dataAlerts, k().reportTemplates] as Record<string, { id: string; appId?: string; sourceAppId?: string }>[])
      for (const x of Object.values(bag))
        if (!tenant.apps[x.appId ?? x.sourceAppId ?? ""]) {
          delete bag[x.id];
          dropped = true;
        }
    for (const x of Object.values(k().conditions))
      if (x.appId && !tenant.apps[x.appId]) {
        delete k().conditions[x.id];
        dropped = true;
      }
    if (dropped) changed();
  };
  for (const p of ["sharing-tasks", "data-alerts", "report-templates", "conditions"])
    for (const path of [`/api/v1/${p}`, `/api/v1/${p}/*`])
      app.use(path, async (_c, next) => {
        dropOrphans();
        await next();
      });

  const openApp = (w: Identity, appId: string, what: string) => {
    const a = tenant.apps[appId];
    if (!a || !canOpenApp(w, a)) throw notFound("HTTP-404", `App "${appId}" (${what}) was not found.`);
    return a;
  };

  /** `[{value, enabled}]` recipients that must exist (`kind` says which). */
  const recipients = (v: unknown, kind: "user" | "group", field: string): IdRecipient[] => {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw badRequest("HTTP-400", `${field} must be a list of recipients.`);
    return v.map((r, i) => {
      if (!isObj(r) || typeof r.value !== "string" || !r.value) throw badRequest("HTTP-400", `${field}[${i}].value must be a ${kind} id.`);
      if (!(kind === "user" ? userExists(r.value) : groupExists(r.value))) throw badRequest("HTTP-400", `${field}[${i}]: ${kind} "${r.value}" does not exist.`);
      return { value: r.value, enabled: r.enabled === undefined ? true : r.enabled === true };
    });
  };

  // ---------------------------------------------------------------- sharing tasks
  const TASK_TYPES = ["chart-monitoring", "chart-sharing", "sheet-sharing", "template-sharing"] as const;
  const appOfTemplates = (templates: Json[]): string | undefined => {
    for (const t of templates) {
      for (const key of ["chartData", "sheetData", "storyData"]) {
        const d = t[key];
        if (isObj(d) && typeof d.appId === "string" && d.appId) return d.appId;
      }
      if (Array.isArray(t.multiSheetData)) for (const d of t.multiSheetData) if (isObj(d) && typeof d.appId === "string" && d.appId) return d.appId;
    }
    return undefined;
  };
  const canSeeTask = (w: Identity, t: SharingTask): boolean =>
    w.isTenantAdmin || t.ownerId === w.user.id || t.recipients.userIds.some((r) => r.value === w.user.id);
  const mayChangeTask = (w: Identity, t: SharingTask): void => {
    if (!(w.isTenantAdmin || t.ownerId === w.user.id)) throw forbidden("HTTP-403", `The caller may not change sharing task "${t.name}".`);
  };
  const taskJson = (c: Ctx, t: SharingTask): Json => {
    const owner = tenant.users[t.ownerId];
    const a = tenant.apps[t.appId];
    const out: Json = {
      id: t.id,
      name: t.name,
      description: t.description,
      type: t.type,
      appId: t.appId,
      appName: a?.name ?? "",
      templates: structuredClone(t.templates),
      state: structuredClone(t.state),
      recipients: {
        userIds: t.recipients.userIds.map((r) => ({ value: r.value, enabledByUser: r.enabled, enabledBySystem: true, subscribed: true, groups: ["addedIndividually"] })),
        groupIds: t.recipients.groupIds.map((r) => ({ value: r.value, enabledByUser: r.enabled, enabledBySystem: true })),
        emailAddresses: t.recipients.emailAddresses.map((value) => ({ value, enabled: true })),
      },
      transportChannels: [...t.transportChannels],
      tags: [...t.tags],
      enabledByUser: t.enabledByUser,
      enabledBySystem: true,
      enabled: t.enabledByUser,
      owner: t.ownerId,
      ownerName: owner?.name ?? "",
      createdBy: t.createdBy,
      updatedBy: t.updatedBy,
      dateCreated: t.dateCreated,
      lastUpdated: t.lastUpdated,
      tenant: tenant.id,
      statusCode: "VALID",
      links: { self: { href: selfHref(c, `/api/v1/sharing-tasks/${t.id}`) } },
    };
    if (t.spaceId) out.spaceId = t.spaceId;
    if (t.scheduleOptions) out.scheduleOptions = structuredClone(t.scheduleOptions);
    if (t.trigger) out.trigger = structuredClone(t.trigger);
    if (t.emailContent) {
      const enc: Json = {};
      if (t.emailContent.subject !== undefined) enc.subject = cipherOf(t.emailContent.subject);
      if (t.emailContent.body !== undefined) enc.body = cipherOf(t.emailContent.body);
      out.encryptedEmailContent = enc;
    }
    return out;
  };
  const taskFor = (c: Ctx): SharingTask => {
    const id = c.req.param("taskId") ?? "";
    const t = k().sharingTasks[id];
    if (!t || !canSeeTask(who(c), t)) throw notFound("HTTP-404", `Sharing task "${id}" was not found.`);
    return t;
  };
  const emailContent = (v: unknown): SharingTask["emailContent"] => {
    if (v === undefined || v === null) return undefined;
    if (!isObj(v) || (v.subject !== undefined && typeof v.subject !== "string") || (v.body !== undefined && typeof v.body !== "string")) throw badRequest("HTTP-400", "emailContent must be {subject, body} strings.");
    return { ...(typeof v.subject === "string" ? { subject: v.subject } : {}), ...(typeof v.body === "string" ? { body: v.body } : {}) };
  };
  const taskRecipients = (v: unknown): SharingTask["recipients"] => {
    if (v === undefined || v === null) return { userIds: [], groupIds: [], emailAddresses: [] };
    if (!isObj(v)) throw badRequest("HTTP-400", "recipients must be an object.");
    const emails = v.emailAddresses ?? [];
    if (!Array.isArray(emails) || emails.some((e) => typeof e !== "string" || !/^[^@\s]+@[^@\s]+$/.test(e))) throw badRequest("HTTP-400", "recipients.emailAddresses must be a list of e-mail addresses.");
    return { userIds: recipients(v.userIds, "user", "recipients.userIds"), groupIds: recipients(v.groupIds, "group", "recipients.groupIds"), emailAddresses: emails as string[] };
  };
  const templatesOf = (v: unknown): Json[] => {
    if (!Array.isArray(v) || v.length === 0 || v.some((t) => !isObj(t) || typeof t.type !== "string")) throw badRequest("HTTP-400", "templates must be a non-empty list of templates, each with a type.");
    return structuredClone(v) as Json[];
  };

  app.get("/api/v1/sharing-tasks", (c) => {
    const w = who(c);
    const limit = limitOf(c, 10, 100);
    let list = Object.values(k().sharingTasks).filter((t) => canSeeTask(w, t));
    const appid = c.req.query("appid");
    if (appid) list = list.filter((t) => t.appId === appid);
    const owner = c.req.query("owner");
    if (owner) list = list.filter((t) => t.ownerId === owner);
    const types = c.req.queries("type");
    if (types?.length) {
      if (types.some((t) => !(TASK_TYPES as readonly string[]).includes(t))) throw badRequest("HTTP-400", `unsupported type "${types.join(",")}".`);
      list = list.filter((t) => types.includes(t.type));
    }
    list.sort((a, b) => a.dateCreated.localeCompare(b.dateCreated) || a.id.localeCompare(b.id));
    const { page, links } = cursorPage(c, list, limit, "page");
    return c.json({ sharingTasks: page.map((t) => taskJson(c, t)), currentPageCount: page.length, totalCount: list.length, links });
  });

  app.get("/api/v1/sharing-tasks/:taskId", (c) => c.json(taskJson(c, taskFor(c))));

  app.post("/api/v1/sharing-tasks", async (c) => {
    const w = who(c);
    const body = await readJson(c);
    if (typeof body.name !== "string" || !body.name) throw badRequest("HTTP-400", "name is required.");
    if (!(TASK_TYPES as readonly unknown[]).includes(body.type)) throw badRequest("HTTP-400", `type must be one of ${TASK_TYPES.join(", ")}.`);
    if (!isObj(body.state)) throw badRequest("HTTP-400", "state (the selections) is required.");
    const templates = templatesOf(body.templates);
    const appId = appOfTemplates(templates);
    if (!appId) throw badRequest("HTTP-400", "the templates name no app (chartData, sheetData, storyData or multiSheetData appId).");
    const a = openApp(w, appId, "the sharing task's templates");
    const channels = body.transportChannels ?? ["email"];
    if (!Array.isArray(channels) || channels.some((x) => x !== "email" && x !== "sharepoint")) throw badRequest("HTTP-400", 'transportChannels must list "email" and/or "sharepoint".');
    const tags = body.tags ?? [];
    if (!Array.isArray(tags) || tags.some((x) => typeof x !== "string")) throw badRequest("HTTP-400", "tags must be a list of strings.");
    if (body.trigger !== undefined && !(isObj(body.trigger) && (body.trigger.recurrence === null || Array.isArray(body.trigger.recurrence)))) throw badRequest("HTTP-400", "trigger.recurrence is required (a list of RRULE lines, or null).");
    const t = nowIso();
    const task: SharingTask = {
      id: newHexId(),
      name: body.name,
      description: typeof body.description === "string" ? body.description : "",
      type: body.type as SharingTask["type"],
      appId,
      spaceId: a.spaceId,
      templates,
      state: structuredClone(body.state),
      recipients: taskRecipients(body.recipients),
      scheduleOptions: scheduleOptions(body.scheduleOptions, false),
      trigger: isObj(body.trigger) ? structuredClone(body.trigger) : undefined,
      transportChannels: channels as SharingTask["transportChannels"],
      tags: tags as string[],
      emailContent: emailContent(body.emailContent),
      enabledByUser: body.enabled === undefined ? true : body.enabled === true,
      ownerId: w.user.id,
      createdBy: w.user.id,
      updatedBy: w.user.id,
      dateCreated: t,
      lastUpdated: t,
    };
    k().sharingTasks[task.id] = task;
    changed();
    return c.json(taskJson(c, task), 201);
  });

  app.patch("/api/v1/sharing-tasks/:taskId", async (c) => {
    const task = taskFor(c);
    const w = who(c);
    mayChangeTask(w, task);
    const next: SharingTask = structuredClone(task);
    for (const op of await readJsonArray(c)) {
      if (op.op !== "replace" && op.op !== "remove") throw badRequest("HTTP-400", `unsupported patch op ${JSON.stringify(op.op)}.`);
      const v = op.op === "remove" ? undefined : op.value;
      switch (op.path) {
        case "/name":
          if (typeof v !== "string" || !v) throw badRequest("HTTP-400", "/name must be a non-empty string.");
          next.name = v;
          break;
        case "/description":
          next.description = typeof v === "string" ? v : "";
          break;
        case "/enabled":
          if (typeof v !== "boolean") throw badRequest("HTTP-400", "/enabled must be a boolean.");
          next.enabledByUser = v;
          break;
        case "/tags":
          if (!Array.isArray(v ?? []) || ((v ?? []) as unknown[]).some((x) => typeof x !== "string")) throw badRequest("HTTP-400", "/tags must be a list of strings.");
          next.tags = (v ?? []) as string[];
          break;
        case "/scheduleOptions":
          next.scheduleOptions = scheduleOptions(v, false);
          break;
        case "/templates": {
          const templates = templatesOf(v);
          const appId = appOfTemplates(templates);
          if (appId !== task.appId) throw badRequest("HTTP-400", "a sharing task's templates cannot move it to another app.");
          next.templates = templates;
          break;
        }
        case "/recipients":
          next.recipients = taskRecipients(v);
          break;
        case "/transportChannels":
          if (!Array.isArray(v) || v.some((x) => x !== "email" && x !== "sharepoint")) throw badRequest("HTTP-400", 'transportChannels must list "email" and/or "sharepoint".');
          next.transportChannels = v as SharingTask["transportChannels"];
          break;
        case "/ownerId":
          if (typeof v !== "string" || !userExists(v)) throw badRequest("HTTP-400", `/ownerId: user "${String(v)}" does not exist.`);
          next.ownerId = v;
          break;
        default:
          throw badRequest("HTTP-400", `unsupported patch path ${JSON.stringify(op.path)}.`);
      }
    }
    Object.assign(task, next, { updatedBy: w.user.id, lastUpdated: nowIso() });
    changed();
    return c.body(null, 204);
  });

  app.delete("/api/v1/sharing-tasks/:taskId", (c) => {
    const task = taskFor(c);
    mayChangeTask(who(c), task);
    delete k().sharingTasks[task.id];
    changed();
    return c.body(null, 204);
  });

  // ---------------------------------------------------------------- report templates
  // This service's error body is `ErrorResult` ({errors:[{code,title,detail}], statusCode}).
  for (const path of ["/api/v1/report-templates", "/api/v1/report-templates/*"])
    app.use(path, async (c, next) => {
      await next();
      const e = c.error;
      if (e instanceof QlikError && e.status !== 401 && e.status !== 429) {
        const item: Json = { code: e.code, title: e.title };
        if (e.detail !== undefined) item.detail = e.detail;
        c.res = new Response(JSON.stringify({ errors: [item], statusCode: e.status }), { status: e.status, headers: { "content-type": "application/json", ...e.headers } });
      }
    });
  const canSeeTemplate = (w: Identity, t: ReportTemplate): boolean => t.ownerId === w.user.id || (w.isTenantAdmin && rt.quirks.reportTemplatesAdminSeesAll);
  const templateJson = (t: ReportTemplate): Json => ({
    id: t.id,
    name: t.name,
    description: t.description,
    type: t.type,
    sourceAppId: t.sourceAppId,
    sourceAppName: tenant.apps[t.sourceAppId]?.name ?? "",
    ownerId: t.ownerId,
    createdBy: t.createdBy,
    updatedBy: t.updatedBy,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    metadataVersion: 1,
  });
  const templateFor = (c: Ctx): ReportTemplate => {
    const id = c.req.param("id") ?? "";
    const t = k().reportTemplates[id];
    if (!t || !canSeeTemplate(who(c), t)) throw notFound("REPORT-TEMPLATES-404", `Report template "${id}" was not found.`);
    return t;
  };
  /** The uploaded file and the source app its metadata names (docProps/custom.xml `QlikSourceAppId`). */
  const uploaded = (w: Identity, tempId: unknown): { data: Buffer; fileAppId?: string } => {
    if (typeof tempId !== "string" || !tempId) throw badRequest("REPORT-TEMPLATES-400", "temporaryContentId is required.");
    const temp = tenant.tempContents[tempId];
    if (!temp || temp.ownerId !== w.user.id || temp.expiresAt < Date.now() || temp.source.kind !== "bytes") throw notFound("REPORT-TEMPLATES-404", `Temporary content "${tempId}" was not found.`);
    const data = Buffer.from(temp.source.data);
    let entries;
    try {
      entries = readZip(data);
    } catch {
      throw badRequest("REPORT-TEMPLATES-400", "The template file is not an Office Open XML document.");
    }
    const custom = entries.find((e) => e.name === "docProps/custom.xml");
    const m = custom ? /name="QlikSourceAppId"[^>]*>\s*<vt:lpwstr>([^<]+)<\/vt:lpwstr>/.exec(custom.data.toString("utf8")) : null;
    return { data, ...(m?.[1] ? { fileAppId: m[1] } : {}) };
  };
  /** The template's source app after `sourceAppAction` (validate by default). */
  const bindApp = (w: Identity, fileAppId: string | undefined, given: unknown, action: unknown): string => {
    if (action !== undefined && action !== "validate" && action !== "replace") throw badRequest("REPORT-TEMPLATES-400", 'sourceAppAction must be "validate" or "replace".');
    if (given !== undefined && given !== null && typeof given !== "string") throw badRequest("REPORT-TEMPLATES-400", "sourceAppId must be a string.");
    const appId = (given as string | undefined) || fileAppId;
    if (!appId) throw badRequest("REPORT-TEMPLATES-400", "The template file names no source app; give sourceAppId.");
    if (given && fileAppId && given !== fileAppId && action !== "replace")
      throw badRequest("REPORT-TEMPLATES-400", `The template's source app "${fileAppId}" does not match sourceAppId "${given}"; use sourceAppAction "replace" to re-bind it.`);
    const a = tenant.apps[appId];
    if (!a || !canOpenApp(w, a)) throw notFound("REPORT-TEMPLATES-404", `Source app "${appId}" was not found.`);
    return appId;
  };

  app.get("/api/v1/report-templates", (c) => {
    const w = who(c);
    const raw = c.req.query("limit");
    const limit = raw === undefined ? 20 : Number(raw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw badRequest("REPORT-TEMPLATES-400", `limit must be an integer between 1 and 100, got "${raw}".`);
    const skipRaw = c.req.query("skip");
    const skip = skipRaw === undefined ? 0 : Number(skipRaw);
    if (!Number.isInteger(skip) || skip < 0) throw badRequest("REPORT-TEMPLATES-400", `skip must be a non-negative integer, got "${skipRaw}".`);
    let list = Object.values(k().reportTemplates).filter((t) => canSeeTemplate(w, t));
    const name = c.req.query("name");
    if (name) list = list.filter((t) => t.name.toLowerCase().includes(name.toLowerCase()));
    const ownerId = c.req.query("ownerId");
    if (ownerId) list = list.filter((t) => t.ownerId === ownerId);
    const sourceAppId = c.req.query("sourceAppId");
    if (sourceAppId) list = list.filter((t) => t.sourceAppId === sourceAppId);
    list.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    const page = list.slice(skip, skip + limit);
    const href = (s: number): string => {
      const u = new URL(selfHref(c, "/api/v1/report-templates"));
      for (const [key, v] of new URL(c.req.url).searchParams) if (key !== "skip") u.searchParams.set(key, v);
      u.searchParams.set("skip", String(s));
      return u.toString();
    };
    const links: Json = { self: { href: href(skip) } };
    if (skip + limit < list.length) links.next = { href: href(skip + limit) };
    if (skip > 0) links.prev = { href: href(Math.max(0, skip - limit)) };
    return c.json({ data: page.map(templateJson), links });
  });

  app.get("/api/v1/report-templates/:id", (c) => c.json(templateJson(templateFor(c))));

  app.post("/api/v1/report-templates", async (c) => {
    const w = who(c);
    const body = await readJson(c);
    if (typeof body.name !== "string" || !body.name) throw badRequest("REPORT-TEMPLATES-400", "name is required.");
    if (Object.values(k().reportTemplates).some((t) => t.ownerId === w.user.id && t.name === body.name))
      throw new QlikError(409, "REPORT-TEMPLATES-409", "Conflict", `A report template named "${body.name}" already exists.`);
    const file = uploaded(w, body.temporaryContentId);
    const sourceAppId = bindApp(w, file.fileAppId, body.sourceAppId, body.sourceAppAction);
    const t = nowIso();
    const tpl: ReportTemplate = {
      id: newGuid(),
      name: body.name,
      description: typeof body.description === "string" ? body.description : "",
      type: "excel",
      sourceAppId,
      ownerId: w.user.id,
      createdBy: w.user.id,
      updatedBy: w.user.id,
      file: file.data.toString("base64"),
      createdAt: t,
      updatedAt: t,
    };
    k().reportTemplates[tpl.id] = tpl;
    changed();
    return c.json(templateJson(tpl), 201);
  });

  app.put("/api/v1/report-templates/:id", async (c) => {
    const tpl = templateFor(c);
    const w = who(c);
    const body = await readJson(c);
    if (typeof body.name !== "string" || !body.name) throw badRequest("REPORT-TEMPLATES-400", "name is required.");
    if (Object.values(k().reportTemplates).some((t) => t.id !== tpl.id && t.ownerId === tpl.ownerId && t.name === body.name))
      throw new QlikError(409, "REPORT-TEMPLATES-409", "Conflict", `A report template named "${body.name}" already exists.`);
    const file = uploaded(w, body.temporaryContentId);
    // The update binds the new file to this template's app: validate compares it, replace re-binds it.
    const sourceAppId = bindApp(w, file.fileAppId, tpl.sourceAppId, body.sourceAppAction);
    Object.assign(tpl, { name: body.name, description: typeof body.description === "string" ? body.description : "", file: file.data.toString("base64"), sourceAppId, updatedBy: w.user.id, updatedAt: nowIso() });
    changed();
    return c.json(templateJson(tpl), 201);
  });

  app.patch("/api/v1/report-templates/:id", async (c) => {
    const tpl = templateFor(c);
    const next = { ...tpl };
    for (const op of await readJsonArray(c)) {
      if (op.op !== "replace" || typeof op.value !== "string") throw badRequest("REPORT-TEMPLATES-400", `unsupported patch ${JSON.stringify(op)}.`);
      if (op.path === "/name" && op.value) next.name = op.value;
      else if (op.path === "/description") next.description = op.value;
      else throw badRequest("REPORT-TEMPLATES-400", `unsupported patch path ${JSON.stringify(op.path)}.`);
    }
    if (Object.values(k().reportTemplates).some((t) => t.id !== tpl.id && t.ownerId === tpl.ownerId && t.name === next.name))
      throw new QlikError(409, "REPORT-TEMPLATES-409", "Conflict", `A report template named "${next.name}" already exists.`);
    Object.assign(tpl, next, { updatedBy: who(c).user.id, updatedAt: nowIso() });
    changed();
    return c.body(null, 204);
  });

  app.delete("/api/v1/report-templates/:id", (c) => {
    const tpl = templateFor(c);
    delete k().reportTemplates[tpl.id];
    changed();
    return c.body(null, 204);
  });

  app.post("/api/v1/report-templates/:id/actions/download", (c) => {
    const tpl = templateFor(c);
    const data = Buffer.from(tpl.file, "base64");
    return c.body(new Uint8Array(data), 200, {
      "content-type": "application/octet-stream",
      "content-disposition": `attachment; filename="${tpl.name.replace(/[^\w .-]/g, "_")}.xlsx"`,
      "content-length": String(data.length),
    });
  });

  // ---------------------------------------------------------------- conditions
  const conditionJson = (x: AlertCondition): Json => {
    const base = { id: x.id, type: x.type, ownerId: x.ownerId, createdById: x.ownerId, tenantId: tenant.id, created: x.created, updated: x.updated };
    const body = structuredClone(x.body);
    body.conditionBase = { ...(isObj(body.conditionBase) ? body.conditionBase : {}), ...base };
    return { type: x.type, ownerId: x.ownerId, tenantId: tenant.id, [x.type === "data" ? "dataCondition" : "compoundCondition"]: body };
  };
  const canSeeCondition = (w: Identity, x: AlertCondition): boolean => x.ownerId === w.user.id || w.isTenantAdmin;
  const conditionFor = (c: Ctx): AlertCondition => {
    const id = c.req.param("id") ?? "";
    const x = k().conditions[id];
    if (!x || !canSeeCondition(who(c), x)) throw notFound("HTTP-404", `Condition "${id}" was not found.`);
    return x;
  };
  /** A condition body: `conditionBase.appId` (data conditions) must be an app the caller can open. */
  const conditionBody = (w: Identity, type: unknown, body: Json): { type: AlertCondition["type"]; body: Json; appId?: string } => {
    if (type !== "data" && type !== "compound") throw badRequest("HTTP-400", 'type must be "data" or "compound".');
    const part = type === "data" ? body.dataCondition : body.compoundCondition;
    if (!isObj(part)) throw badRequest("HTTP-400", `${type === "data" ? "dataCondition" : "compoundCondition"} is required for type "${type}".`);
    const b = structuredClone(part);
    const base = isObj(b.conditionBase) ? b.conditionBase : {};
    for (const ro of ["id", "created", "createdById", "ownerId", "tenantId", "updated", "lastReloadTime"]) delete base[ro];
    b.conditionBase = base;
    let appId: string | undefined;
    if (type === "data") {
      if (typeof base.appId !== "string" || !base.appId) throw badRequest("HTTP-400", "dataCondition.conditionBase.appId is required.");
      appId = openApp(w, base.appId, "the condition's").id;
    }
    return { type, body: b, ...(appId ? { appId } : {}) };
  };

  app.post("/api/v1/conditions", async (c) => {
    const w = who(c);
    const body = await readJson(c);
    const parsed = conditionBody(w, body.type, body);
    const t = nowIso();
    const x: AlertCondition = { id: newGuid(), ...parsed, ownerId: w.user.id, created: t, updated: t };
    k().conditions[x.id] = x;
    changed();
    return c.json({ condition: conditionJson(x) }, 201);
  });
  app.get("/api/v1/conditions/:id", (c) => c.json(conditionJson(conditionFor(c))));
  app.patch("/api/v1/conditions/:id", async (c) => {
    const x = conditionFor(c);
    const w = who(c);
    let next = { type: x.type, body: x.body, appId: x.appId } as ReturnType<typeof conditionBody>;
    for (const op of await readJsonArray(c)) {
      if (op.op !== "replace" || (op.path !== "/dataCondition" && op.path !== "/compoundCondition") || !isObj(op.value)) throw badRequest("HTTP-400", `unsupported patch ${JSON.stringify(op)} (replace /dataCondition or /compoundCondition).`);
      next = conditionBody(w, op.path === "/dataCondition" ? "data" : "compound", { [op.path.slice(1)]: op.value });
    }
    if (next.appId !== x.appId && Object.values(k().dataAlerts).some((a) => a.conditionId === x.id)) throw badRequest("HTTP-400", "A condition used by a data alert cannot move to another app.");
    Object.assign(x, next, { updated: nowIso() });
    changed();
    return c.body(null, 204);
  });
  app.delete("/api/v1/conditions/:id", (c) => {
    const x = conditionFor(c);
    delete k().conditions[x.id];
    changed();
    return c.body(null, 204);
  });

  // ---------------------------------------------------------------- data alerts
  const canSeeAlert = (w: Identity, a: DataAlert): boolean =>
    a.ownerId === w.user.id || a.recipients.userIds.some((r) => r.value === w.user.id) || (w.isTenantAdmin && rt.quirks.dataAlertsAdminSeesAll);
  const mayChangeAlert = (w: Identity, a: DataAlert): void => {
    if (!(a.ownerId === w.user.id || w.isTenantAdmin)) throw forbidden("HTTP-403", `The caller may not change data alert "${a.name}".`);
  };
  const alertJson = (c: Ctx, a: DataAlert): Json => {
    const out: Json = {
      id: a.id,
      name: a.name,
      description: a.description,
      appId: a.appId,
      conditionId: a.conditionId,
      recipients: { userIds: a.recipients.userIds.map((r) => ({ value: r.value, enabled: r.enabled, subscribed: true })), groupIds: a.recipients.groupIds.map((r) => ({ value: r.value, enabled: r.enabled })) },
      triggerType: a.triggerType,
      enabled: a.enabled,
      ownerId: a.ownerId,
      ownerName: tenant.users[a.ownerId]?.name ?? "",
      tenantId: tenant.id,
      dateCreated: a.dateCreated,
      lastUpdated: a.lastUpdated,
      errorStatus: "OK",
      triggerStats: { last100Scans: 0, last10Scans: 0, totalScans: 0 },
      links: { self: { href: selfHref(c, `/api/v1/data-alerts/${a.id}`) } },
    };
    if (a.bookmarkId) out.bookmarkId = a.bookmarkId;
    if (a.sheetId) out.sheetId = a.sheetId;
    if (a.scheduleOptions) out.scheduleOptions = structuredClone(a.scheduleOptions);
    if (a.throttling) out.throttling = structuredClone(a.throttling);
    return out;
  };
  const alertFor = (c: Ctx): DataAlert => {
    const id = c.req.param("alertId") ?? "";
    const a = k().dataAlerts[id];
    if (!a || !canSeeAlert(who(c), a)) throw notFound("HTTP-404", `Data alert "${id}" was not found.`);
    return a;
  };
  const alertRecipients = (v: unknown): DataAlert["recipients"] => {
    if (!isObj(v) || !Array.isArray(v.userIds)) throw badRequest("HTTP-400", "recipients.userIds is required (a list, may be empty).");
    return { userIds: recipients(v.userIds, "user", "recipients.userIds"), groupIds: recipients(v.groupIds, "group", "recipients.groupIds") };
  };
  const conditionOf = (w: Identity, id: unknown, appId: string): string => {
    if (typeof id !== "string" || !id) throw badRequest("HTTP-400", "conditionId is required.");
    const x = k().conditions[id];
    if (!x || !canSeeCondition(w, x)) throw badRequest("HTTP-400", `Condition "${id}" does not exist.`);
    if (x.appId !== appId) throw badRequest("HTTP-400", `Condition "${id}" is evaluated against another app than "${appId}".`);
    return id;
  };

  app.get("/api/v1/data-alerts", (c) => {
    const w = who(c);
    const limit = limitOf(c, 10, 100);
    let list = Object.values(k().dataAlerts).filter((a) => canSeeAlert(w, a));
    const appID = c.req.query("appID");
    if (appID) list = list.filter((a) => a.appId === appID);
    const ownerId = c.req.query("ownerId");
    if (ownerId) list = list.filter((a) => a.ownerId === ownerId);
    const conditionId = c.req.query("conditionId");
    if (conditionId) list = list.filter((a) => a.conditionId === conditionId);
    list.sort((a, b) => a.dateCreated.localeCompare(b.dateCreated) || a.id.localeCompare(b.id));
    const { page, links } = cursorPage(c, list, limit, "next");
    return c.json({ tasks: page.map((a) => alertJson(c, a)), currentPageCount: page.length, totalCount: list.length, links });
  });
  app.get("/api/v1/data-alerts/:alertId", (c) => c.json(alertJson(c, alertFor(c))));
  app.get("/api/v1/data-alerts/:alertId/condition", (c) => {
    const a = alertFor(c);
    const x = k().conditions[a.conditionId];
    if (!x) throw notFound("HTTP-404", `The condition of data alert "${a.name}" was not found.`);
    return c.json({ hideSelections: false, conditionResponse: { condition: conditionJson(x) } });
  });
  app.post("/api/v1/data-alerts", async (c) => {
    const w = who(c);
    const body = await readJson(c);
    if (typeof body.name !== "string" || !body.name) throw badRequest("HTTP-400", "name is required.");
    if (typeof body.appId !== "string" || !body.appId) throw badRequest("HTTP-400", "appId is required.");
    openApp(w, body.appId, "the data alert's");
    if (body.triggerType !== "RELOAD" && body.triggerType !== "SCHEDULED") throw badRequest("HTTP-400", 'triggerType must be "RELOAD" or "SCHEDULED".');
    if (body.throttling !== undefined && !isObj(body.throttling)) throw badRequest("HTTP-400", "throttling must be an object.");
    for (const f of ["bookmarkId", "sheetId", "description"]) if (body[f] !== undefined && typeof body[f] !== "string") throw badRequest("HTTP-400", `${f} must be a string.`);
    const t = nowIso();
    const a: DataAlert = {
      id: newGuid(),
      name: body.name,
      description: (body.description as string | undefined) ?? "",
      appId: body.appId,
      conditionId: conditionOf(w, body.conditionId, body.appId),
      ...(body.bookmarkId ? { bookmarkId: body.bookmarkId as string } : {}),
      ...(body.sheetId ? { sheetId: body.sheetId as string } : {}),
      recipients: alertRecipients(body.recipients),
      triggerType: body.triggerType,
      scheduleOptions: scheduleOptions(body.scheduleOptions, body.triggerType === "SCHEDULED"),
      ...(isObj(body.throttling) ? { throttling: structuredClone(body.throttling) } : {}),
      enabled: body.enabled === undefined ? true : body.enabled === true,
      ownerId: w.user.id,
      dateCreated: t,
      lastUpdated: t,
    };
    k().dataAlerts[a.id] = a;
    changed();
    return c.json(alertJson(c, a), 202);
  });
  app.patch("/api/v1/data-alerts/:alertId", async (c) => {
    const a = alertFor(c);
    const w = who(c);
    mayChangeAlert(w, a);
    const next: DataAlert = structuredClone(a);
    for (const op of await readJsonArray(c)) {
      if (op.op !== "replace") throw badRequest("HTTP-400", `unsupported patch op ${JSON.stringify(op.op)}.`);
      const v = op.value;
      switch (op.path) {
        case "/name":
          if (typeof v !== "string" || !v) throw badRequest("HTTP-400", "/name must be a non-empty string.");
          next.name = v;
          break;
        case "/description":
          next.description = typeof v === "string" ? v : "";
          break;
        case "/enabledAction":
          if (typeof v !== "boolean") throw badRequest("HTTP-400", "/enabledAction must be a boolean.");
          next.enabled = v;
          break;
        case "/conditionId":
          next.conditionId = conditionOf(w, v, a.appId);
          break;
        case "/bookmarkId":
          if (v !== undefined && v !== null && typeof v !== "string") throw badRequest("HTTP-400", "/bookmarkId must be a string.");
          if (v) next.bookmarkId = v as string;
          else delete next.bookmarkId;
          break;
        case "/throttling":
          if (!isObj(v)) throw badRequest("HTTP-400", "/throttling must be an object.");
          next.throttling = structuredClone(v);
          break;
        case "/triggerType":
          if (v !== "RELOAD" && v !== "SCHEDULED") throw badRequest("HTTP-400", '/triggerType must be "RELOAD" or "SCHEDULED".');
          next.triggerType = v;
          break;
        case "/scheduleOptions":
          next.scheduleOptions = scheduleOptions(v, false);
          break;
        case "/ownerId":
          if (typeof v !== "string" || !userExists(v)) throw badRequest("HTTP-400", `/ownerId: user "${String(v)}" does not exist.`);
          next.ownerId = v;
          break;
        default:
          throw badRequest("HTTP-400", `unsupported patch path ${JSON.stringify(op.path)}.`);
      }
    }
    if (next.triggerType === "SCHEDULED" && !next.scheduleOptions?.recurrence) throw badRequest("HTTP-400", "A SCHEDULED data alert needs scheduleOptions.recurrence.");
    Object.assign(a, next, { lastUpdated: nowIso() });
    changed();
    return c.body(null, 204);
  });
  app.delete("/api/v1/data-alerts/:alertId", (c) => {
    const a = alertFor(c);
    mayChangeAlert(who(c), a);
    delete k().dataAlerts[a.id];
    changed();
    return c.body(null, 204);
  });
}
