/**
 * Automation connections and automations (API-FACTS §6.9) through `@qlik/api` 2.19's
 * `automation-connections` and `automations` modules (`/api/v1/…`; Qlik names `/api/workflows/…`
 * their successor with the same shapes and tiers).
 *
 * Automation connections
 * - Listed with `listAll=true` (tenant admins; anyone else: their own); the listing lacks
 *   `params`, so each is read in full (`detail`; unchanged ones are not read again).
 * - A parameter whose `fieldType` is "password" is write-only: its value never comes back
 *   (UNCONFIRMED, API-FACTS §7: assumed masked) and is dropped here if it does. It is named
 *   in `secrets` as `params.<name>`; a restore takes it under that name. OAuth connections
 *   (`oauthAccountName`) hold tokens no API returns: only an interactive sign-in by the owner
 *   connects them again (`redirect` is that sign-in's URL, not stored).
 * - Create makes the caller the owner; `actions/change-owner` (TenantAdmin) hands it over.
 *
 * Automations
 * - Listed by a tenant admin or an `admin.automations` bot (every automation; anyone else:
 *   their own); the listing has no `workspace`: each is read in full. The definition is the
 *   owner's only — "the requesting user must be the owner of the automation" (@qlik/api
 *   `getAutomation`) — unless the caller is an OAuth bot with `admin.automations`
 *   (qlik.dev/changelog/241-admin-automations-scope-update): for anyone else the listing's
 *   record is kept without its workspace, and the engine declares it reference-only.
 * - `executionToken` authorises triggered and webhook runs: a credential, never stored (Qlik
 *   generates a new one for a restored automation). `lastRun` is run history, not stored.
 * - `runMode` is derived from the workspace; it is not written.
 * - Create makes the caller the owner. Handing it to its owner (`actions/change-owner`)
 *   "removes the history … and all linked connections used in the automation are detached"
 *   (@qlik/api `changeOwnerAutomation`): so the restore changes the owner first and then
 *   puts the definition back (PUT), which links the connections again — a PUT an
 *   `admin.automations` bot may make; anyone else is told the owner must re-select them.
 * - `state` "disabled" is applied after the definition (`actions/disable`). An automation that
 *   starts by itself (not `manual`) whose workspace names a connection that is not connected
 *   in the target (created without its secret, an OAuth one awaiting its sign-in) is created
 *   disabled, with a note: it would fail on every run until the connection works.
 */
import type { ResourceRecord, ResourceWrite, ResourceWriteResult } from "@lifeboat/model";
import { pages, type TenantCore } from "../client.ts";
import { QlikApiError } from "../errors.ts";
import type { ResourceApi } from "./api.ts";

type Json = Record<string, unknown>;
const nc = { noCache: true } as const;

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const isForbidden = (e: unknown): e is QlikApiError => e instanceof QlikApiError && e.kind === "forbidden";

/** The secret name of a password-typed parameter (`params.<name>`), as `ResourceRecord.secrets` and a restore's secrets carry it. */
export const paramSecret = (name: string): string => `params.${name}`;

function base(kind: "automationConnections" | "automations", x: Json, body: Json): ResourceRecord {
  const id = String(x.id);
  const ownerId = str(x.ownerId);
  const spaceId = str(x.spaceId);
  const stamp = str(x.updatedAt);
  return { kind, id, name: String(x.name ?? id), ...(ownerId ? { ownerId } : {}), ...(spaceId ? { spaceId } : {}), ...(stamp ? { stamp } : {}), body };
}

// ---- automation connections

export function toAutomationConnectionRecord(x: Json): ResourceRecord {
  const body: Json = {};
  for (const [k, v] of Object.entries(x)) if (k !== "redirect" && k !== "params") body[k] = v;
  const secrets: string[] = [];
  if (Array.isArray(x.params)) {
    body.params = (x.params as Json[]).map((p) => {
      if (p.fieldType !== "password") return { ...p };
      secrets.push(paramSecret(String(p.name)));
      const { value: _secret, ...rest } = p;
      return rest;
    });
  }
  return { ...base("automationConnections", x, body), secrets };
}

const connLabel = (name: string, id?: string): string => `automation connection '${name}'${id ? ` (${id})` : ""}`;

/** Every page of a listing that only admins may ask for all of (`listAll`): their own for anyone else. */
async function* listAllOrOwn(core: TenantCore, all: () => AsyncIterable<unknown>, own: () => AsyncIterable<unknown>): AsyncIterable<Json> {
  let first = true;
  try {
    for await (const x of all()) {
      first = false;
      yield x as Json;
    }
  } catch (e) {
    if (!first || !isForbidden(e)) throw e;
    for await (const x of own()) yield x as Json;
  }
}

/** The parameters a create sends: the snapshot's readable values and the secrets given. */
function createParams(input: ResourceWrite): { params: { name: string; value: string }[]; missing: string[] } {
  const params: { name: string; value: string }[] = [];
  const missing: string[] = [];
  for (const p of Array.isArray(input.body.params) ? (input.body.params as Json[]) : []) {
    const name = String(p.name);
    if (p.fieldType === "password") {
      const v = input.secrets?.[paramSecret(name)];
      if (v !== undefined) params.push({ name, value: v });
      else missing.push(name);
    } else if (typeof p.value === "string") params.push({ name, value: p.value });
  }
  return { params, missing };
}

async function changeConnectionOwner(core: TenantCore, id: string, name: string, ownerId: string): Promise<string | undefined> {
  try {
    await core.call("changeOwnerAutomationConnection", connLabel(name, id), (api) => api.automationConnections.changeOwnerAutomationConnection(id, { userId: ownerId }), { idempotent: true });
    return undefined;
  } catch (e) {
    if (isForbidden(e)) return `${connLabel(name, id)} stays the restoring user's: changing its owner needs the TenantAdmin role (${e.detail ?? "403"})`;
    throw e;
  }
}

export const automationConnectionsApi: ResourceApi = {
  kind: "automationConnections",
  detail: true,

  async *list(core) {
    const listing = (listAll: boolean) => () => pages(core, "getAutomationConnections", "automation connections", (api) => api.automationConnections.getAutomationConnections({ ...(listAll ? { listAll } : {}), limit: 200 }, nc));
    for await (const x of listAllOrOwn(core, listing(true), listing(false))) yield toAutomationConnectionRecord(x);
  },

  async get(core, id, summary) {
    try {
      const resp = await core.call("getAutomationConnection", summary ? connLabel(summary.name, id) : `automation connection ${id}`, (api) => api.automationConnections.getAutomationConnection(id, nc));
      return toAutomationConnectionRecord(resp.data as Json);
    } catch (e) {
      // Another user's connection the caller may list but not read: its listing record, without params.
      if (summary && isForbidden(e)) return summary;
      throw e;
    }
  },

  async create(core, input): Promise<ResourceWriteResult> {
    const name = String(input.body.name ?? "");
    const connectorId = String(input.body.connectorId ?? "");
    const { params, missing } = createParams(input);
    const body = { connectorId, name, ...(input.spaceId ? { spaceId: input.spaceId } : {}), params };
    const resp = await core.call("createAutomationConnection", connLabel(name), (api) => api.automationConnections.createAutomationConnection(body), { idempotent: false });
    const made = resp.data as Json;
    const id = String(made.id);
    const notes: string[] = [];
    if (missing.length) notes.push(`created without ${missing.map((m) => `'${m}'`).join(", ")}: not connected until they are entered`);
    if (str(input.body.oauthAccountName)) notes.push(`an OAuth connection (account ${String(input.body.oauthAccountName)}): not connected until its owner signs in again in the automation editor`);
    if (input.ownerId && made.ownerId !== input.ownerId) {
      const why = await changeConnectionOwner(core, id, name, input.ownerId);
      if (why) notes.push(why);
    }
    return { id, ...(notes.length ? { notes } : {}) };
  },

  async update(core, id, input): Promise<ResourceWriteResult> {
    const name = String(input.body.name ?? id);
    const current = (await core.call("getAutomationConnection", connLabel(name, id), (api) => api.automationConnections.getAutomationConnection(id, nc))).data as Json;
    const byName = new Map(((current.params as Json[] | undefined) ?? []).map((p) => [String(p.name), p]));
    const put: { id: string; value: string }[] = [];
    const notes: string[] = [];
    const { params, missing } = createParams(input);
    for (const p of params) {
      const target = byName.get(p.name);
      if (!target) notes.push(`parameter '${p.name}' is not one of the target connection's: not set`);
      else if (target.fieldType === "password" || target.value !== p.value) put.push({ id: String(target.id), value: p.value });
    }
    if (put.length || current.name !== name) await core.call("updateAutomationConnection", connLabel(name, id), (api) => api.automationConnections.updateAutomationConnection(id, { name, params: put }), { idempotent: true });
    if (missing.length) notes.push(`${missing.map((m) => `'${m}'`).join(", ")} not given: the target keeps what it holds`);
    if ((input.spaceId ?? "") !== (str(current.spaceId) ?? "")) {
      await core.call("changeSpaceAutomationConnection", connLabel(name, id), (api) => api.automationConnections.changeSpaceAutomationConnection(id, { spaceId: input.spaceId ?? "" }), { idempotent: true });
    }
    if (input.ownerId && current.ownerId !== input.ownerId) {
      const why = await changeConnectionOwner(core, id, name, input.ownerId);
      if (why) notes.push(why);
    }
    return { id, ...(notes.length ? { notes } : {}) };
  },
};

// ---- automations

/** Not stored: a run credential (`executionToken`) and run history (`lastRun`). */
const AUTOMATION_DROPPED = ["executionToken", "lastRun"];

export function toAutomationRecord(x: Json): ResourceRecord {
  const body: Json = {};
  for (const [k, v] of Object.entries(x)) if (!AUTOMATION_DROPPED.includes(k)) body[k] = v;
  return base("automations", x, body);
}

const autoLabel = (name: string, id?: string): string => `automation '${name}'${id ? ` (${id})` : ""}`;

/** The definition a create or PUT sends (server-set schedule fields left out). */
function definition(b: Json): { name: string; description: string; workspace: unknown; schedules: Json[]; maxConcurrentRuns?: number } {
  const schedules = (Array.isArray(b.schedules) ? (b.schedules as Json[]) : []).map((s) => {
    const out: Json = {};
    for (const k of ["interval", "recurrence", "startAt", "stopAt", "timezone"]) if (s[k] !== undefined && s[k] !== null) out[k] = s[k];
    return out;
  });
  return {
    name: String(b.name ?? ""),
    description: typeof b.description === "string" ? b.description : "",
    workspace: b.workspace ?? {},
    schedules,
    ...(typeof b.maxConcurrentRuns === "number" ? { maxConcurrentRuns: b.maxConcurrentRuns } : {}),
  };
}

/** Hands an automation to `ownerId`: true when done, else the note why not. */
async function changeOwner(core: TenantCore, id: string, name: string, ownerId: string): Promise<true | string> {
  try {
    await core.call("changeOwnerAutomation", autoLabel(name, id), (api) => api.automations.changeOwnerAutomation(id, { userId: ownerId }), { idempotent: true });
    return true;
  } catch (e) {
    if (isForbidden(e)) return `${autoLabel(name, id)} stays the restoring user's: changing an automation's owner needs the TenantAdmin role or the admin.automations scope (${e.detail ?? "403"})`;
    throw e;
  }
}

/**
 * Puts the definition (PUT). After an owner change (`afterHandOver`) a refusal is a note:
 * Qlik detached the connections and only the owner or an admin.automations bot may link them again.
 */
async function putDefinition(core: TenantCore, id: string, def: ReturnType<typeof definition>, afterHandOver: boolean): Promise<string[]> {
  try {
    await core.call("updateAutomation", autoLabel(def.name, id), (api) => api.automations.updateAutomation(id, def as never), { idempotent: true });
    return [];
  } catch (e) {
    if (afterHandOver && isForbidden(e))
      return [`its new owner must re-select its connections in the automation editor: Qlik detaches them when the owner changes, and only the owner or an admin.automations bot may put the definition back (${e.detail ?? "403"})`];
    throw e;
  }
}

/** The automation connection ids a workspace names (any `connectionId` field of its blocks). */
export function connectionIdsOf(workspace: unknown): string[] {
  const out = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === "object" && v !== null)
      for (const [k, x] of Object.entries(v)) {
        if (k === "connectionId" && typeof x === "string" && x) out.add(x);
        else walk(x);
      }
  };
  walk(workspace);
  return [...out];
}

/**
 * The connections of `workspace` that are not connected in the target (created without their
 * secret, or OAuth ones waiting for a sign-in), by name: an automation that runs by itself
 * would fail with them, so it is created disabled.
 */
async function unconnected(core: TenantCore, workspace: unknown): Promise<string[]> {
  const out: string[] = [];
  for (const id of connectionIdsOf(workspace)) {
    try {
      const x = (await core.call("getAutomationConnection", `automation connection ${id}`, (api) => api.automationConnections.getAutomationConnection(id, nc))).data as Json;
      if (x.isConnected === false) out.push(`'${String(x.name ?? id)}'`);
    } catch (e) {
      // Another user's connection the caller may not read: its state is unknown, nothing is decided on it.
      if (isForbidden(e)) continue;
      if (!(e instanceof QlikApiError && e.kind === "not-found")) throw e;
      out.push(`${id} (not found in the target)`);
    }
  }
  return out;
}

async function applyState(core: TenantCore, id: string, name: string, want: unknown, have: unknown): Promise<void> {
  if (want === have || (want !== "disabled" && want !== "available")) return;
  if (want === "disabled") await core.call("disableAutomation", autoLabel(name, id), (api) => api.automations.disableAutomation(id), { idempotent: true });
  else if (have === "disabled") await core.call("enableAutomation", autoLabel(name, id), (api) => api.automations.enableAutomation(id), { idempotent: true });
}

export const automationsApi: ResourceApi = {
  kind: "automations",
  detail: true,

  async *list(core) {
    // `listAll` defaults to true for those allowed it (tenant and analytics admins, admin.automations bots); anyone else gets their own.
    for await (const x of pages(core, "getAutomations", "automations", (api) => api.automations.getAutomations({ limit: 200 }, nc))) yield toAutomationRecord(x as Json);
  },

  async get(core, id, summary) {
    try {
      const resp = await core.call("getAutomation", summary ? autoLabel(summary.name, id) : `automation ${id}`, (api) => api.automations.getAutomation(id, nc));
      return toAutomationRecord(resp.data as Json);
    } catch (e) {
      // Owner-only definition: the listing's record, without its workspace (reference only).
      if (summary && isForbidden(e)) return summary;
      throw e;
    }
  },

  async create(core, input): Promise<ResourceWriteResult> {
    const def = definition(input.body);
    if (input.body.workspace === undefined)
      throw new QlikApiError({ kind: "permanent", operation: "createAutomation", host: core.host, object: autoLabel(def.name), detail: "the snapshot has no definition (workspace) of it to create it from: recreate it by hand" });
    const resp = await core.call("createAutomation", autoLabel(def.name), (api) => api.automations.createAutomation({ ...def, ...(input.spaceId ? { spaceId: input.spaceId } : {}) } as never), { idempotent: false });
    const made = resp.data as Json;
    const id = String(made.id);
    const notes: string[] = [];
    const unrestored: string[] = [];
    if (input.ownerId && made.ownerId !== input.ownerId) {
      const done = await changeOwner(core, id, def.name, input.ownerId);
      if (done !== true) unrestored.push("owner");
      notes.push(...(done === true ? await putDefinition(core, id, def, true) : [done]));
    }
    let state = input.body.state;
    // What has no secret is created disabled (the issue's rule): an automation that starts by
    // itself (scheduled, triggered, webhook) whose connections are not connected would fail each run.
    if (state !== "disabled" && input.body.runMode !== undefined && input.body.runMode !== "manual") {
      const missing = await unconnected(core, def.workspace);
      if (missing.length) {
        state = "disabled";
        unrestored.push("state");
        notes.push(`created disabled: its connection${missing.length > 1 ? "s" : ""} ${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} not connected (a secret not given, or an OAuth sign-in pending) — enable the automation once connected`);
      }
    }
    await applyState(core, id, def.name, state, made.state);
    if (input.body.runMode === "triggered" || input.body.runMode === "webhook") notes.push(`Qlik gave it a new execution token: whatever starts it (${String(input.body.runMode)}) needs the new one`);
    return { id, ...(notes.length ? { notes } : {}), ...(unrestored.length ? { unrestored } : {}) };
  },

  async update(core, id, input): Promise<ResourceWriteResult> {
    const def = definition(input.body);
    const current = (await core.call("getAutomation", autoLabel(def.name, id), (api) => api.automations.getAutomation(id, nc))).data as Json;
    const notes: string[] = [];
    if ((input.spaceId ?? "") !== (str(current.spaceId) ?? ""))
      await core.call("changeSpaceAutomation", autoLabel(def.name, id), (api) => api.automations.changeSpaceAutomation(id, { spaceId: input.spaceId ?? "" }), { idempotent: true });
    let handedOver = false;
    if (input.ownerId && current.ownerId !== input.ownerId) {
      const done = await changeOwner(core, id, def.name, input.ownerId);
      if (done === true) handedOver = true;
      else notes.push(done);
    }
    notes.push(...(await putDefinition(core, id, def, handedOver)));
    await applyState(core, id, def.name, input.body.state, current.state);
    const unrestored = input.ownerId && current.ownerId !== input.ownerId && !handedOver ? ["owner"] : [];
    return { id, ...(notes.length ? { notes } : {}), ...(unrestored.length ? { unrestored } : {}) };
  },
};
