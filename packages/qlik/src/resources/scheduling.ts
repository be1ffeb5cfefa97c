/**
 * Scheduling and distribution (API-FACTS §6.14–6.15): reload tasks, sharing tasks
 * (subscriptions), report templates (with their file) and data alerts (with the condition they
 * evaluate) — each a `ResourceApi` through `@qlik/api` (`reloadTasks`, `sharingTasks`,
 * `reportTemplates`, `dataAlerts`, `conditions`, `tempContents`).
 *
 * Every one of these belongs to an app (`appId`, `templates[].…appId`, `sourceAppId`,
 * `conditionBase.appId`): the engine's declarations name those fields as references to the
 * app, so a restore points them at the restored app's id — also when Qlik's own restore of a
 * deleted app lost them (issue 12).
 *
 * Owners: Qlik makes the caller the owner of what it creates. Sharing tasks and data alerts
 * take a new owner with a PATCH of `/ownerId` (their patch paths list it: `@qlik/api` 2.19
 * sharing-tasks.d.ts, data-alerts.d.ts); reload tasks (legacy v1, no owner field in
 * `PutTaskBody`) and report templates (no owner in `UpdateTemplateRequest`) cannot change owner:
 * their declarations say so (`ownerByCreator`), and the restore's checklist asks to hand them over.
 */
import type { ResourceRecord, ResourceWrite, ResourceWriteResult } from "@lifeboat/model";
import type { TenantCore } from "../client.ts";
import { pages } from "../internal/pages.ts";
import { QlikApiError } from "../errors.ts";
import { rec, s, tempContentIdFromLocation } from "../internal/records.ts";
import type { ResourceApi } from "./api.ts";
import { appItems } from "./app-items.ts";

type Json = Record<string, unknown>;
const nc = { noCache: true } as const;
const omit = (o: Json, keys: readonly string[]): Json => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
const defined = (o: Json): Json => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** `ScheduleOptions` without what the service sets (`chronosJobID`, execution times). */
const schedule = (v: unknown): Json | undefined => (v && typeof v === "object" ? omit(rec(v), ["chronosJobID", "lastExecutionTime", "nextExecutionTime"]) : undefined);


// ------------------------------------------------------------------ reload tasks

/** The name a reload task goes by: its app's (a task has none; one schedule per app in the hub). */
const taskName = (appId: string, name: string | undefined): string => name || `app ${appId}`;

function toReloadTask(t: unknown, appName: string | undefined): ResourceRecord {
  const o = rec(t);
  const appId = s(o.appId) ?? "";
  const r: ResourceRecord = { kind: "reloadTasks", id: s(o.id) ?? "", name: taskName(appId, appName), body: omit(o, ["links"]) };
  if (s(o.userId)) r.ownerId = s(o.userId);
  if (s(o.spaceId)) r.spaceId = s(o.spaceId);
  return r;
}

/** `TaskBase` fields a create and a PUT take (`@qlik/api` 2.19 reload-tasks.d.ts). */
const taskBase = (b: Json): Json =>
  defined({
    timeZone: b.timeZone,
    recurrence: b.recurrence,
    startDateTime: b.startDateTime,
    endDateTime: b.endDateTime,
    partial: b.partial,
    autoReload: b.autoReload,
    autoReloadPartial: b.autoReloadPartial,
  });

export const reloadTasks: ResourceApi = {
  kind: "reloadTasks",
  async *list(core) {
    const tasks: unknown[] = [];
    for await (const t of pages(core, "getReloadTasks", "reload tasks", (api) => api.reloadTasks.getReloadTasks({ limit: 100 }, nc))) tasks.push(t);
    const unknown = tasks.map((t) => s(rec(t).appId) ?? "").filter((id) => !core.appName(id));
    if (unknown.length) await appItems(core, unknown);
    for (const t of tasks) yield toReloadTask(t, core.appName(s(rec(t).appId) ?? ""));
  },
  async get(core, id) {
    const resp = await core.call("getReloadTask", `reload task ${id}`, (api) => api.reloadTasks.getReloadTask(id, nc));
    const appId = s(rec(resp.data).appId) ?? "";
    if (!core.appName(appId)) await appItems(core, [appId]);
    return toReloadTask(resp.data, core.appName(appId));
  },
  /**
   * POST the schedule, then a PUT of its `state` when the snapshot's is not Enabled (a create
   * takes no state). A restored task keeps the snapshot's state: a task whose app's data
   * connections still wait for their secrets fails its runs until they are entered (the
   * checklist names those connections) — Lifeboat does not disable it on its own.
   */
  async create(core, input) {
    const b = input.body;
    const appId = s(b.appId);
    if (!appId) throw new QlikApiError({ kind: "permanent", operation: "createReloadTask", host: core.host, object: "reload task", detail: "the snapshot's reload task names no app (appId)" });
    const label = `reload task of ${core.appName(appId) ? `app '${core.appName(appId)}'` : `app ${appId}`}`;
    const resp = await core.call("createReloadTask", label, (api) => api.reloadTasks.createReloadTask({ appId, ...taskBase(b) } as never), { idempotent: false });
    const id = s(rec(resp.data).id) ?? "";
    const state = s(b.state);
    if (state && state !== "Enabled" && s(rec(resp.data).state) !== state)
      await core.call("updateReloadTask", label, (api) => api.reloadTasks.updateReloadTask(id, { ...taskBase(b), state } as never));
    // A schedule reloads as its owner: where that is someone else, a person has something to do
    // (the declaration's `ownerByCreator`; this note puts it on the checklist).
    const owner = s(rec(resp.data).userId);
    const notes = input.ownerId && owner && owner !== input.ownerId ? [`it reloads as the restoring user, not as its owner (user ${input.ownerId}): Qlik's reload-tasks API cannot change a schedule's owner — that user re-creates the schedule in the app's details to own it`] : [];
    return { id, notes };
  },
  async update(core, id, input) {
    const b = input.body;
    const state = s(b.state);
    await core.call("updateReloadTask", `reload task ${id}`, (api) => api.reloadTasks.updateReloadTask(id, { ...taskBase(b), ...(state ? { state } : {}) } as never));
    return { id };
  },
};

// ------------------------------------------------------------------ sharing tasks

/** What a sharing task holds encrypted: named, never returned in clear (API-FACTS §7). */
const EMAIL_FIELDS = ["subject", "body"] as const;

function toSharingTask(t: unknown): ResourceRecord {
  const o = rec(t);
  const enc = rec(o.encryptedEmailContent);
  const r: ResourceRecord = {
    kind: "sharingTasks",
    id: s(o.id) ?? "",
    name: s(o.name) ?? "",
    // The ciphers are of no use outside their tenant and are never stored.
    body: omit(o, ["links", "encryptedEmailContent", "encryptedState", "encryptedTemplates"]),
  };
  if (s(o.owner)) r.ownerId = s(o.owner);
  if (s(o.spaceId)) r.spaceId = s(o.spaceId);
  if (s(o.lastUpdated)) r.stamp = s(o.lastUpdated);
  const secrets = EMAIL_FIELDS.filter((f) => enc[f] !== undefined).map((f) => `emailContent.${f}`);
  if (secrets.length) r.secrets = secrets;
  return r;
}

/** Persisted recipients (`RecipientsPersist`) → what a create or PATCH takes (`SharingTaskRecurringRecipients`). */
function shareRecipients(v: unknown): Json {
  const o = rec(v);
  // A recipient a restore could not map has lost its `value` (restore.ts removes it): left out.
  const ids = (list: unknown): Json[] => arr(list).filter((x) => s(rec(x).value)).map((x) => ({ value: s(rec(x).value)!, enabled: rec(x).enabledByUser ?? rec(x).enabled ?? true }));
  return { userIds: ids(o.userIds), groupIds: ids(o.groupIds), emailAddresses: arr(o.emailAddresses).map((e) => (typeof e === "string" ? e : s(rec(e).value) ?? "")).filter(Boolean) };
}

const shareTemplates = (v: unknown): Json[] => arr(v).map((t) => omit(rec(t), ["templateId"]));

function emailContent(secrets: Record<string, string> | undefined): Json | undefined {
  const out = defined({ subject: secrets?.["emailContent.subject"], body: secrets?.["emailContent.body"] });
  return Object.keys(out).length ? out : undefined;
}

export const sharingTasks: ResourceApi = {
  kind: "sharingTasks",
  async *list(core) {
    for await (const t of pages(core, "getSharingTasks", "sharing tasks", (api) => api.sharingTasks.getSharingTasks({ limit: 100 }, nc), "sharingTasks")) yield toSharingTask(t);
  },
  async get(core, id) {
    const resp = await core.call("getSharingTask", `sharing task ${id}`, (api) => api.sharingTasks.getSharingTask(id, { isViewChart: false }, nc));
    return toSharingTask(resp.data);
  },
  async create(core, input) {
    const b = input.body;
    const label = `sharing task '${s(b.name) ?? ""}'`;
    const body = defined({
      name: b.name,
      description: b.description,
      type: b.type,
      templates: shareTemplates(b.templates),
      state: b.state ?? {},
      recipients: shareRecipients(b.recipients),
      scheduleOptions: schedule(b.scheduleOptions),
      trigger: b.trigger ? omit(rec(b.trigger), ["chronosJobID"]) : undefined,
      transportChannels: b.transportChannels,
      tags: b.tags,
      enabled: b.enabled ?? b.enabledByUser,
      emailContent: emailContent(input.secrets),
      retentionPolicy: b.retentionPolicy,
      sharePointFolder: b.sharePointFolder,
      dataConnectionID: b.dataConnectionID,
      distributionListId: b.distributionListId,
      message: b.message,
      expiration: b.expiration,
      startTime: b.startTime,
      spaceId: input.spaceId,
    });
    const resp = await core.call("createSharingTask", label, (api) => api.sharingTasks.createSharingTask(body as never), { idempotent: false });
    const id = s(rec(resp.data).id) ?? "";
    if (input.ownerId && s(rec(resp.data).owner) !== input.ownerId)
      await core.call("patchSharingTask", label, (api) => api.sharingTasks.patchSharingTask(id, [{ op: "replace", path: "/ownerId", value: input.ownerId }]));
    return { id };
  },
  async update(core, id, input) {
    const b = input.body;
    const ops: { op: "replace"; path: string; value: unknown }[] = [
      { op: "replace", path: "/name", value: b.name },
      { op: "replace", path: "/description", value: b.description ?? "" },
      { op: "replace", path: "/enabled", value: b.enabled ?? b.enabledByUser ?? true },
      { op: "replace", path: "/tags", value: b.tags ?? [] },
      { op: "replace", path: "/templates", value: shareTemplates(b.templates) },
      { op: "replace", path: "/recipients", value: shareRecipients(b.recipients) },
      ...(b.scheduleOptions ? [{ op: "replace" as const, path: "/scheduleOptions", value: schedule(b.scheduleOptions) }] : []),
      ...(b.transportChannels ? [{ op: "replace" as const, path: "/transportChannels", value: b.transportChannels }] : []),
      ...(input.ownerId ? [{ op: "replace" as const, path: "/ownerId", value: input.ownerId }] : []),
    ];
    await core.call("patchSharingTask", `sharing task '${s(b.name) ?? id}'`, (api) => api.sharingTasks.patchSharingTask(id, ops as never));
    return { id, notes: emailContent(input.secrets) ? ["its e-mail subject and body are set only when a sharing task is created (no PATCH path takes them): edit them in the hub"] : [] };
  },
};

// ------------------------------------------------------------------ report templates

/** The one file of a report template (`POST /report-templates/{id}/actions/download`). */
export const TEMPLATE_FILE = "template";

function toReportTemplate(t: unknown): ResourceRecord {
  const o = rec(t);
  const r: ResourceRecord = { kind: "reportTemplates", id: s(o.id) ?? "", name: s(o.name) ?? "", body: omit(o, ["links"]), files: [TEMPLATE_FILE] };
  if (s(o.ownerId)) r.ownerId = s(o.ownerId);
  if (s(o.updatedAt)) r.stamp = s(o.updatedAt);
  return r;
}

async function bytesOf(file: (() => AsyncIterable<Uint8Array>) | undefined): Promise<Uint8Array | undefined> {
  if (!file) return undefined;
  const parts: Uint8Array[] = [];
  for await (const p of file()) parts.push(p);
  return Buffer.concat(parts);
}

/** Uploads the template file to temp-contents; its id for a create or an update. */
async function uploadTemplate(core: TenantCore, label: string, input: ResourceWrite): Promise<string> {
  const bytes = await bytesOf(input.files?.[TEMPLATE_FILE]);
  if (!bytes) throw new QlikApiError({ kind: "permanent", operation: "uploadTempFile", host: core.host, object: label, detail: "the snapshot holds no template file for it; back it up again" });
  const resp = await core.call("uploadTempFile", label, (api) => api.tempContents.uploadTempFile({ filename: "template.xlsx", ttl: 3600 }, new Blob([bytes]), nc));
  const location = (resp.headers as Headers | undefined)?.get?.("location");
  if (!location) throw new QlikApiError({ kind: "permanent", operation: "uploadTempFile", host: core.host, object: label, detail: "the upload answered without a Location header" });
  return tempContentIdFromLocation(location);
}

export const reportTemplates: ResourceApi = {
  kind: "reportTemplates",
  async *list(core) {
    for await (const t of pages(core, "getReportTemplates", "report templates", (api) => api.reportTemplates.getReportTemplates({ limit: 100 }, nc))) yield toReportTemplate(t);
  },
  /**
   * The listing is complete, but a template whose `updatedAt` did not move keeps the previous
   * snapshot's document and file (changed-only capture): its file is not downloaded again (a
   * Tier 2 POST). A changed one is read again (`get`) and its file downloaded.
   */
  detail: true,
  async get(core, id) {
    const resp = await core.call("getReportTemplate", `report template ${id}`, (api) => api.reportTemplates.getReportTemplate(id, nc));
    return toReportTemplate(resp.data);
  },
  /** The file, byte for byte (`@qlik/api` answers a Blob: a template is small, read whole). */
  async *readFile(core, id, file) {
    if (file !== TEMPLATE_FILE) throw new QlikApiError({ kind: "not-found", operation: "downloadReportTemplate", host: core.host, object: `report template ${id}`, detail: `a report template has no file "${file}"` });
    const resp = await core.call("downloadReportTemplate", `report template ${id}`, (api) => api.reportTemplates.downloadReportTemplate(id, nc));
    const data = resp.data as unknown;
    yield data instanceof Blob ? new Uint8Array(await data.arrayBuffer()) : new Uint8Array(Buffer.from(String(data)));
  },
  /**
   * Upload the file, then create it bound to the (restored) app with `sourceAppAction:
   * "replace"` — the file's metadata names the source tenant's app id, which `validate` (the
   * default) would refuse after an id remap (`@qlik/api` 2.19 report-templates.d.ts).
   */
  async create(core, input) {
    const b = input.body;
    const label = `report template '${s(b.name) ?? ""}'`;
    const temporaryContentId = await uploadTemplate(core, label, input);
    const body = defined({ name: b.name, description: b.description ?? undefined, temporaryContentId, sourceAppId: s(b.sourceAppId), sourceAppAction: s(b.sourceAppId) ? "replace" : undefined });
    const resp = await core.call("createReportTemplate", label, (api) => api.reportTemplates.createReportTemplate(body as never), { idempotent: false });
    return { id: s(rec(resp.data).id) ?? "" };
  },
  async update(core, id, input) {
    const b = input.body;
    const label = `report template '${s(b.name) ?? id}'`;
    const current = rec((await core.call("getReportTemplate", label, (api) => api.reportTemplates.getReportTemplate(id, nc))).data);
    const temporaryContentId = await uploadTemplate(core, label, input);
    await core.call("updateReportTemplate", label, (api) => api.reportTemplates.updateReportTemplate(id, defined({ name: b.name, description: b.description ?? undefined, temporaryContentId, sourceAppAction: "replace" }) as never));
    const notes: string[] = [];
    if (s(b.sourceAppId) && s(current.sourceAppId) !== s(b.sourceAppId))
      notes.push(`it stays bound to app ${s(current.sourceAppId) ?? "?"}: an update cannot move a template to another app (app ${s(b.sourceAppId)!}) — delete it and restore again to re-create it there`);
    return { id, notes };
  },
};

// ------------------------------------------------------------------ data alerts

/** A condition as a create takes it: no ids, owners, dates. */
function conditionInput(v: unknown): Json {
  const c = rec(v);
  const type = s(c.type) === "compound" ? "compound" : "data";
  const key = type === "data" ? "dataCondition" : "compoundCondition";
  const part = rec(c[key]);
  const base = omit(rec(part.conditionBase), ["id", "created", "createdById", "ownerId", "tenantId", "updated", "lastReloadTime", "type"]);
  return { type, [key]: { ...part, conditionBase: base } };
}

/** The condition's id in a `ConditionResponse` (`condition.<kind>Condition.conditionBase.id`). */
function conditionIdOf(v: unknown): string | undefined {
  const c = rec(rec(v).condition);
  return s(rec(rec(c.dataCondition ?? c.compoundCondition).conditionBase).id);
}

const alertRecipients = (v: unknown): Json => {
  const o = rec(v);
  const ids = (list: unknown): Json[] => arr(list).filter((x) => s(rec(x).value)).map((x) => ({ value: s(rec(x).value)!, enabled: rec(x).enabled ?? true }));
  return { userIds: ids(o.userIds), groupIds: ids(o.groupIds) };
};

function toDataAlert(a: unknown, condition?: unknown): ResourceRecord {
  const o = rec(a);
  const body = omit(o, ["links", "conditionResponse", "triggerStats", "recipientsChangeHistory"]);
  if (condition !== undefined) body.condition = condition;
  const r: ResourceRecord = { kind: "dataAlerts", id: s(o.id) ?? "", name: s(o.name) ?? "", body };
  if (s(o.ownerId)) r.ownerId = s(o.ownerId);
  if (s(o.lastUpdated)) r.stamp = s(o.lastUpdated);
  return r;
}

export const dataAlerts: ResourceApi = {
  kind: "dataAlerts",
  async *list(core) {
    for await (const a of pages(core, "getDataAlerts", "data alerts", (api) => api.dataAlerts.getDataAlerts({ limit: 100 }, nc), "tasks")) yield toDataAlert(a);
  },
  /**
   * The listing lacks the condition: `get` reads the alert and its condition. An edit of the
   * condition alone does not move the alert's `lastUpdated` (UNCONFIRMED either way), so a
   * changed-only backup keeps the previous condition until the alert itself changes.
   */
  detail: true,
  async get(core, id) {
    const label = `data alert ${id}`;
    const alert = await core.call("getDataAlert", label, (api) => api.dataAlerts.getDataAlert(id, nc));
    const cond = await core.call("getDataAlertCondition", label, (api) => api.dataAlerts.getDataAlertCondition(id, nc));
    return toDataAlert(alert.data, rec(rec(cond.data).conditionResponse).condition);
  },
  /** Its condition first (on the restored app), then the alert; a failed alert removes the condition it made. */
  async create(core, input) {
    const b = input.body;
    const label = `data alert '${s(b.name) ?? ""}'`;
    const made = await core.call("createCondition", label, (api) => api.conditions.createCondition(conditionInput(b.condition) as never), { idempotent: false });
    const conditionId = conditionIdOf(made.data);
    if (!conditionId) throw new QlikApiError({ kind: "permanent", operation: "createCondition", host: core.host, object: label, detail: "the condition service answered without the new condition's id" });
    const body = defined({
      name: b.name,
      description: b.description,
      appId: b.appId,
      conditionId,
      bookmarkId: b.bookmarkId,
      sheetId: b.sheetId,
      recipients: alertRecipients(b.recipients),
      triggerType: b.triggerType === "SCHEDULED" ? "SCHEDULED" : "RELOAD",
      scheduleOptions: schedule(b.scheduleOptions),
      throttling: b.throttling,
      enabled: b.enabled,
    });
    let id: string;
    try {
      const resp = await core.call("createDataAlert", label, (api) => api.dataAlerts.createDataAlert(body as never), { idempotent: false });
      id = s(rec(resp.data).id) ?? "";
    } catch (e) {
      await core.call("deleteCondition", label, (api) => api.conditions.deleteCondition(conditionId)).catch(() => undefined);
      throw e;
    }
    // Handed to its owner (with Qlik's default visibility the restoring user may then no longer
    // read it: the emulator's `dataAlertsAdminSeesAll` quirk, default off).
    if (input.ownerId) await core.call("patchDataAlert", label, (api) => api.dataAlerts.patchDataAlert(id, [{ op: "replace", path: "/ownerId", value: input.ownerId }]));
    return { id };
  },
  async update(core, id, input) {
    const b = input.body;
    const label = `data alert '${s(b.name) ?? id}'`;
    const current = rec((await core.call("getDataAlert", label, (api) => api.dataAlerts.getDataAlert(id, nc))).data);
    const conditionId = s(current.conditionId);
    if (conditionId && b.condition) {
      const c = conditionInput(b.condition);
      const key = c.type === "data" ? "dataCondition" : "compoundCondition";
      await core.call("patchCondition", label, (api) => api.conditions.patchCondition(conditionId, [{ op: "replace", path: `/${key}`, value: c[key] }]));
    }
    const ops = [
      { op: "replace", path: "/name", value: b.name },
      { op: "replace", path: "/description", value: b.description ?? "" },
      { op: "replace", path: "/enabledAction", value: b.enabled ?? true },
      { op: "replace", path: "/triggerType", value: b.triggerType === "SCHEDULED" ? "SCHEDULED" : "RELOAD" },
      ...(b.scheduleOptions ? [{ op: "replace", path: "/scheduleOptions", value: schedule(b.scheduleOptions) }] : []),
      ...(b.throttling ? [{ op: "replace", path: "/throttling", value: b.throttling }] : []),
      ...(b.bookmarkId !== undefined ? [{ op: "replace", path: "/bookmarkId", value: b.bookmarkId }] : []),
      ...(input.ownerId && input.ownerId !== s(current.ownerId) ? [{ op: "replace", path: "/ownerId", value: input.ownerId }] : []),
    ];
    await core.call("patchDataAlert", label, (api) => api.dataAlerts.patchDataAlert(id, ops as never));
    const want = JSON.stringify(alertRecipients(b.recipients));
    const notes = want !== JSON.stringify(alertRecipients(current.recipients)) ? ["its recipients differ from the snapshot's and an alert's PATCH cannot change them: edit them in the hub"] : [];
    return { id, notes };
  },
};
