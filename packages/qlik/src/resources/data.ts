/**
 * Data connections and data credentials (API-FACTS §6.6–6.7) through `@qlik/api` 2.19's
 * `data-connections` and `data-credentials` modules (`/api/v1/…`).
 *
 * - Connections are space-scoped (`space`; none: the owner's personal space). A tenant admin
 *   also lists every other user's personal ones (per user: `userId`). The listing
 *   (`noDatafiles=true`) is complete — only `qConnectionSecret` is left out of it, and a backup
 *   wants no secret — so no detail read is made. Each space's automatic "DataFiles" connection
 *   is never listed here, backed up or recreated: Qlik makes it with the space (help.qlik.com
 *   …/Spaces/managing-apps-in-spaces.htm).
 * - Write-only (never returned, `ConnectionGet` lacks them): `qUsername`, `qPassword`;
 *   `qConnectionSecret` is absent from lists (a single GET may carry it: never called for a
 *   backup, and dropped if it comes). Qlik does not say whether a connection holds any of them,
 *   so a connection that does not use separate credentials names all three as secrets it may
 *   hold: a restore asks for what applies.
 * - Create keeps the source `qID` (spec ConnectionCreate: "a UUID will be generated … if not
 *   specified"): the same id in every tenant, so apps' `lib://` references and reload scripts
 *   keep working. A target that already uses the id for another connection answers 409: the
 *   connection is created with a new id (noted).
 * - Owner: create makes the caller the owner; `POST /data-connections/actions/update` (admin,
 *   207 per item) hands it to the snapshot's owner.
 * - Credentials: no list endpoint; they are reached through the connections' `qCredentialsID`,
 *   and only their user reads them (a credential is one user's login for a separate-credentials
 *   connection): the others' answer 404 and are not listed. `qUsername`/`qPassword` are never
 *   returned and no endpoint creates a credential by itself (Qlik creates one when its user
 *   first connects): the engine declares them reference-only, so no `create` here.
 */
import type { ResourceRecord, ResourceWrite, ResourceWriteResult } from "@lifeboat/model";
import { pages, type TenantCore } from "../client.ts";
import { QlikApiError } from "../errors.ts";
import type { ResourceApi } from "./api.ts";

type Json = Record<string, unknown>;
const nc = { noCache: true } as const;

/** The connector type of a space's automatic DataFiles connection. */
const DATAFILES_TYPE = "qix-datafiles.exe";

/** The secret fields of a connection that does not use separate credentials (API-FACTS §7). */
export const CONNECTION_SECRETS = ["qUsername", "qPassword", "qConnectionSecret"] as const;

/** Fields a connection's answer carries that are transport or the caller's view, not the connection: never stored. */
const DROPPED = ["links", "privileges", "qri", "connectionProperties", ...CONNECTION_SECRETS];

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const label = (name: string, id: string): string => `data connection '${name}' (${id})`;

export const isDataFiles = (c: Json): boolean => c.qType === DATAFILES_TYPE || (c.qName === "DataFiles" && c.datasourceID === "datafiles");

export function toConnectionRecord(c: Json): ResourceRecord {
  const body: Json = {};
  for (const [k, v] of Object.entries(c)) if (!DROPPED.includes(k)) body[k] = v;
  const id = String(c.qID);
  const ownerId = str(c.user);
  const spaceId = str(c.space);
  const stamp = str(c.updated);
  return {
    kind: "dataConnections",
    id,
    name: String(c.qName ?? id),
    ...(ownerId ? { ownerId } : {}),
    ...(spaceId ? { spaceId } : {}),
    ...(stamp ? { stamp } : {}),
    body,
    secrets: c.qSeparateCredentials === true ? [] : [...CONNECTION_SECRETS],
  };
}

/** `qLogOn` as the write bodies take it (reads answer 0 | 1). */
const logOn = (v: unknown): "0" | "1" | undefined => (v === 1 || v === "1" || v === "LOG_ON_CURRENT_USER" ? "1" : v === 0 || v === "0" || v === "LOG_ON_SERVICE_USER" ? "0" : undefined);

/** The fields of a connection's write body that come from the snapshot (create and PUT share them). */
function writeFields(input: ResourceWrite): Json {
  const b = input.body;
  const out: Json = {};
  for (const k of ["qName", "qType", "qConnectStatement", "datasourceID", "qSeparateCredentials", "qCredentialsID"]) if (b[k] !== undefined) out[k] = b[k];
  if (b.qArchitecture === 0 || b.qArchitecture === 1) out.qArchitecture = b.qArchitecture;
  const lo = logOn(b.qLogOn);
  if (lo) out.qLogOn = lo;
  for (const k of CONNECTION_SECRETS) {
    const v = input.secrets?.[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/**
 * The connections the caller sees; with `everyUser`, also every other user's personal ones:
 * Qlik lists a personal connection to its owner only, and a tenant admin asks per user
 * (`userId` — "requires admin role if specified userId doesn't match", @qlik/api
 * `getDataConnections`; whether `personal=true` then gives that user's personal ones is
 * UNCONFIRMED — the emulator's reading). A caller refused that (not an admin) keeps what it sees.
 */
async function* listConnections(core: TenantCore, everyUser: boolean): AsyncIterable<Json> {
  const seen = new Set<string>();
  const fresh = (c: Json): boolean => !isDataFiles(c) && !seen.has(String(c.qID)) && (seen.add(String(c.qID)), true);
  for await (const c of pages(core, "getDataConnections", "data connections", (api) => api.dataConnections.getDataConnections({ noDatafiles: true, limit: 100 }, nc))) if (fresh(c as Json)) yield c as Json;
  if (!everyUser) return;
  for await (const u of pages(core, "getUsers", "users (for their personal data connections)", (api) => api.users.getUsers({ limit: 100 }, nc))) {
    const userId = String((u as Json).id);
    try {
      const personal = pages(core, "getDataConnections", `the personal data connections of user ${userId}`, (api) =>
        api.dataConnections.getDataConnections({ userId, personal: true, noDatafiles: true, limit: 100 }, nc),
      );
      for await (const c of personal) if (fresh(c as Json)) yield c as Json;
    } catch (e) {
      if (e instanceof QlikApiError && e.kind === "forbidden") return;
      throw e;
    }
  }
}

/**
 * Hands a connection to `ownerId` (admin bulk update, one item): undefined when done, else
 * why not (a note: the connection stays the caller's).
 */
async function changeOwner(core: TenantCore, id: string, name: string, ownerId: string): Promise<string | undefined> {
  const what = label(name, id);
  try {
    const resp = await core.call("updateDataConnections", what, (api) => api.dataConnections.updateDataConnections({ connections: [{ id, ownerId }] }), { idempotent: true });
    const item = (resp.data as { data?: { id: string; status: number; error?: { detail?: string; title?: string } }[] }).data?.find((x) => x.id === id);
    if (item && item.status >= 300) return `${what} stays the restoring user's: Qlik refused the owner change (${item.status}${item.error?.detail ? `: ${item.error.detail}` : ""})`;
    return undefined;
  } catch (e) {
    if (e instanceof QlikApiError && e.kind === "forbidden") return `${what} stays the restoring user's: changing a connection's owner needs the TenantAdmin role (${e.detail ?? "403"})`;
    throw e;
  }
}

export const dataConnectionsApi: ResourceApi = {
  kind: "dataConnections",

  async *list(core) {
    for await (const c of listConnections(core, true)) yield toConnectionRecord(c);
  },

  async get(core, id) {
    const resp = await core.call("getDataConnection", `data connection ${id}`, (api) => api.dataConnections.getDataConnection(id, {}, nc));
    return toConnectionRecord(resp.data as Json);
  },

  async create(core, input): Promise<ResourceWriteResult> {
    const name = String(input.body.qName ?? "");
    const sourceId = input.sourceId ?? str(input.body.qID);
    const body: Json = { ...writeFields(input), tags: Array.isArray(input.body.tags) ? input.body.tags : [] };
    if (input.spaceId) body.space = input.spaceId;
    const notes: string[] = [];
    const post = (b: Json) => core.call("createDataConnection", `data connection '${name}'`, (api) => api.dataConnections.createDataConnection(b as never), { idempotent: false });
    let resp;
    try {
      resp = await post(sourceId ? { ...body, qID: sourceId } : body);
    } catch (e) {
      // 409 with the source id: the id (not necessarily the name) is taken in the target.
      if (!(sourceId && e instanceof QlikApiError && e.status === 409)) throw e;
      resp = await post(body);
      notes.push(`its id ${sourceId} is used by another connection in the target: created with a new id (apps that name the connection by id need it)`);
    }
    const made = resp.data as Json;
    const id = String(made.qID);
    if (input.ownerId && made.user !== input.ownerId) {
      const why = await changeOwner(core, id, name, input.ownerId);
      if (why) notes.push(why);
    }
    return { id, ...(notes.length ? { notes } : {}) };
  },

  async update(core, id, input): Promise<ResourceWriteResult> {
    const name = String(input.body.qName ?? id);
    const current = (await core.call("getDataConnection", label(name, id), (api) => api.dataConnections.getDataConnection(id, {}, nc))).data as Json;
    // PUT replaces the connection; omitted secrets are kept (spec ConnectionUpdate).
    const body: Json = { ...writeFields(input), qID: id, qEngineObjectID: id };
    if ((input.spaceId ?? "") !== (str(current.space) ?? "")) body.space = input.spaceId ?? "";
    await core.call("updateDataConnection", label(name, id), (api) => api.dataConnections.updateDataConnection(id, {}, body as never), { idempotent: true });
    const notes: string[] = [];
    const tags = Array.isArray(input.body.tags) ? input.body.tags : [];
    const had = Array.isArray(current.tags) ? current.tags : [];
    if (JSON.stringify([...tags].sort()) !== JSON.stringify([...had].sort())) {
      // ConnectionUpdate (PUT) has no tags: a JSON-Patch of `/tags` sets them.
      try {
        await core.call("patchDataConnection", label(name, id), (api) => api.dataConnections.patchDataConnection(id, {}, [{ op: "replace", path: "/tags", value: tags }]), { idempotent: true });
      } catch (e) {
        if (!(e instanceof QlikApiError && e.status === 400)) throw e;
        notes.push(`tags not brought back (${tags.join(", ") || "none"}): Qlik refused them (${e.detail ?? "400"}); set them in the Management Console`);
      }
    }
    if (input.ownerId && current.user !== input.ownerId) {
      const why = await changeOwner(core, id, name, input.ownerId);
      if (why) notes.push(why);
    }
    return { id, ...(notes.length ? { notes } : {}) };
  },
};

export function toCredentialRecord(c: Json): ResourceRecord {
  const body: Json = {};
  for (const [k, v] of Object.entries(c)) if (k !== "links" && k !== "qUsername" && k !== "qPassword") body[k] = v;
  const id = String(c.qID);
  const stamp = str(c.updated);
  return { kind: "dataCredentials", id, name: String(c.qName ?? id), ...(stamp ? { stamp } : {}), body, secrets: ["qUsername", "qPassword"] };
}

export const dataCredentialsApi: ResourceApi = {
  kind: "dataCredentials",

  async *list(core) {
    const seen = new Set<string>();
    // Credentials are their user's only: the caller's own connections name the ones it can read.
    for await (const c of listConnections(core, false)) {
      const credId = str(c.qCredentialsID);
      if (!credId || seen.has(credId)) continue;
      seen.add(credId);
      try {
        const resp = await core.call("getDataCredential", `the data credential ${credId} of data connection '${String(c.qName)}'`, (api) => api.dataCredentials.getDataCredential(credId, {}, nc));
        yield toCredentialRecord(resp.data as Json);
      } catch (e) {
        // Another user's login: only its user reads it (not listed, as the connections of others' personal spaces are not).
        if (e instanceof QlikApiError && (e.kind === "not-found" || e.kind === "forbidden")) continue;
        throw e;
      }
    }
  },

  async get(core, id) {
    const resp = await core.call("getDataCredential", `data credential ${id}`, (api) => api.dataCredentials.getDataCredential(id, {}, nc));
    return toCredentialRecord(resp.data as Json);
  },
};
