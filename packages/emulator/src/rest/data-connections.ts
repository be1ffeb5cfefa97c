/**
 * Data connections and data credentials (`/api/v1/data-connections…`, `/api/v1/data-credentials…`),
 * API-FACTS §6.6–6.7, shapes from the 2025 spec and `@qlik/api` 2.19 `data-connections.d.ts` /
 * `data-credentials.d.ts` (the spec's shared component names — Link, Meta — belong to other APIs).
 *
 * - Space-scoped: a connection in a space is seen by whoever sees the space; a personal one
 *   (no `space`) by its owner only — a tenant admin lists another user's with `userId=`
 *   (spec: "Requires admin role if specified userId doesn't match"). Changing needs the owner,
 *   a tenant admin, or a space owner / facilitator / producer (UNCONFIRMED: space roles).
 * - Every shared and managed space, and every user's personal space, has an automatic
 *   `DataFiles` connection (help.qlik.com …/Spaces/managing-apps-in-spaces.htm): listed after
 *   all others regardless of sort, omitted with `noDatafiles=true`, never deletable.
 * - Write-only: `qUsername`, `qPassword` (never returned); `qConnectionSecret` never in lists,
 *   on a single GET per the `connectionSecretOnGet` quirk. PUT without `qConnectionSecret`
 *   keeps it, `""` clears it (spec ConnectionUpdate).
 * - Paging: `limit` (default 32, max 100) and a `page` cursor; `links.next.href` absolute.
 */
import { createHash, randomUUID } from "node:crypto";
import type { Identity, Space, Tenant } from "../model.ts";
import { kindsOf, type DataConnection, type DataCredential } from "../kinds.ts";
import { badRequest, conflict, forbidden, notFound } from "../internal/errors.ts";
import { canSeeSpace, spaceRoles } from "../internal/access.ts";
import { nowIso } from "../internal/runtime.ts";
import { readJson, readJsonArray, who, type Ctx, type RestApp, type RouteDeps } from "./common.ts";
import { cursorPage, selfHref } from "./kinds-common.ts";

const DATAFILES_TYPE = "qix-datafiles.exe";
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The automatic DataFiles connection of a space (or of a user's personal space, `spaceId` undefined). */
function dataFilesConnection(tenant: Tenant, ownerId: string, space: Space | undefined): DataConnection {
  const h = createHash("sha256").update(`${tenant.id}:datafiles:${space?.id ?? `personal:${ownerId}`}`).digest("hex");
  const id = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
  const path = space ? `${space.name}:DataFiles` : "DataFiles";
  return {
    id,
    name: "DataFiles",
    type: DATAFILES_TYPE,
    connectStatement: `CUSTOM CONNECT TO "provider=${DATAFILES_TYPE};path=${path};"`,
    datasourceID: "datafiles",
    spaceId: space?.id,
    ownerId: space ? space.ownerId : ownerId,
    logOn: 0,
    architecture: 0,
    separateCredentials: false,
    tags: [],
    created: space?.createdAt ?? tenant.users[ownerId]?.createdAt ?? nowIso(),
    updated: space?.createdAt ?? tenant.users[ownerId]?.createdAt ?? nowIso(),
  };
}

function isSpaceEditor(w: Identity, space: Space): boolean {
  return space.ownerId === w.user.id || spaceRoles(w.tenant, w.user, space).some((r) => ["facilitator", "producer"].includes(r));
}

export function registerDataConnections(app: RestApp, { tenant, rt }: RouteDeps): void {
  const kinds = () => kindsOf(tenant);

  const canSee = (w: Identity, conn: DataConnection): boolean => {
    if (!conn.spaceId) return conn.ownerId === w.user.id;
    const space = tenant.spaces[conn.spaceId];
    return !!space && canSeeSpace(w, space);
  };
  const canChange = (w: Identity, conn: DataConnection): boolean => {
    if (w.isTenantAdmin || conn.ownerId === w.user.id) return true;
    const space = conn.spaceId ? tenant.spaces[conn.spaceId] : undefined;
    return !!space && isSpaceEditor(w, space);
  };
  const privileges = (w: Identity, conn: DataConnection): string[] => {
    if (conn.type === DATAFILES_TYPE) return ["list", "read"];
    const p = ["list", "read"];
    if (canChange(w, conn)) p.push("update", "delete");
    if (w.isTenantAdmin) p.push("change_owner", "change_space");
    return p;
  };
  const dataFiles = (w: Identity): DataConnection[] => {
    const list = [dataFilesConnection(tenant, w.user.id, undefined)];
    for (const s of Object.values(tenant.spaces)) if (s.type !== "data" && canSeeSpace(w, s)) list.push(dataFilesConnection(tenant, w.user.id, s));
    return list;
  };

  const connJson = (c: Ctx, conn: DataConnection, single: boolean): Record<string, unknown> => {
    const w = who(c);
    const out: Record<string, unknown> = {
      qID: conn.id,
      qEngineObjectID: conn.id,
      qName: conn.name,
      qType: conn.type,
      qConnectStatement: conn.connectStatement,
      qArchitecture: conn.architecture,
      qLogOn: conn.logOn,
      qSeparateCredentials: conn.separateCredentials,
      datasourceID: conn.datasourceID,
      tags: conn.tags,
      user: conn.ownerId,
      tenant: tenant.id,
      created: conn.created,
      updated: conn.updated,
      privileges: privileges(w, conn),
      links: { self: { href: selfHref(c, `/api/v1/data-connections/${conn.id}`) } },
    };
    if (conn.spaceId) out.space = conn.spaceId;
    if (conn.credentialsId) out.qCredentialsID = conn.credentialsId;
    if (single && conn.connectionSecret && rt.quirks.connectionSecretOnGet === "plaintext") out.qConnectionSecret = conn.connectionSecret;
    return out;
  };

  /** Finds a connection by id (or by name with `type=connectionname`): 404 unknown or unseen. */
  const connFor = (c: Ctx): DataConnection => {
    const w = who(c);
    const key = c.req.param("qID") ?? "";
    const byName = c.req.query("type") === "connectionname";
    const spaceId = c.req.query("spaceId");
    const candidates = [...Object.values(kinds().dataConnections), ...dataFiles(w)];
    const conn = candidates.find((x) => (byName ? x.name === key && (spaceId === undefined || (x.spaceId ?? "") === spaceId) : x.id === key) && canSee(w, x));
    if (!conn) throw notFound("HTTP-404", `Data connection "${key}" was not found.`);
    return conn;
  };

  const checkSpace = (w: Identity, spaceId: string | undefined): string | undefined => {
    if (spaceId === undefined || spaceId === "") return undefined;
    const space = tenant.spaces[spaceId];
    if (!space || !canSeeSpace(w, space)) throw notFound("HTTP-404", `Space "${spaceId}" was not found.`);
    if (!w.isTenantAdmin && !isSpaceEditor(w, space)) throw forbidden("HTTP-403", `Creating data connections in space "${space.name}" needs the owner, facilitator or producer role there.`);
    return space.id;
  };
  const checkNameFree = (name: string, spaceId: string | undefined, ownerId: string, exceptId?: string): void => {
    const clash = Object.values(kinds().dataConnections).some(
      (x) => x.id !== exceptId && x.name === name && (x.spaceId ?? "") === (spaceId ?? "") && (spaceId !== undefined || x.ownerId === ownerId),
    );
    if (clash || name === "DataFiles") throw conflict("HTTP-409", `A data connection named "${name}" already exists in ${spaceId ? `space "${spaceId}"` : "this personal space"}.`);
  };
  const asString = (body: Record<string, unknown>, key: string, required: boolean): string | undefined => {
    const v = body[key];
    if (v === undefined || v === null) {
      if (required) throw badRequest("HTTP-400", `"${key}" is required.`);
      return undefined;
    }
    if (typeof v !== "string") throw badRequest("HTTP-400", `"${key}" must be a string.`);
    return v;
  };
  const logOnOf = (v: unknown): 0 | 1 | undefined => {
    if (v === undefined || v === null) return undefined;
    if (v === "0" || v === 0 || v === "LOG_ON_SERVICE_USER") return 0;
    if (v === "1" || v === 1 || v === "LOG_ON_CURRENT_USER") return 1;
    throw badRequest("HTTP-400", `qLogOn must be "0", "1", "LOG_ON_SERVICE_USER" or "LOG_ON_CURRENT_USER".`);
  };
  const tagsOf = (v: unknown): string[] | undefined => {
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((t) => typeof t !== "string" || Buffer.byteLength(t) > 256) || v.length > 32) throw badRequest("HTTP-400", "tags must be at most 32 strings of at most 256 bytes.");
    return v as string[];
  };
  const credentialByIdOrName = (w: Identity, id: string | undefined, name: string | undefined): DataCredential | undefined => {
    if (!id && !name) return undefined;
    const cred = Object.values(kinds().dataCredentials).find((x) => (id ? x.id === id : x.name === name) && x.ownerId === w.user.id);
    if (!cred) throw notFound("HTTP-404", `Data credential "${id ?? name}" was not found.`);
    return cred;
  };

  app.get("/api/v1/data-connections", (c) => {
    const w = who(c);
    const raw = c.req.query("limit");
    let limit = 32;
    if (raw !== undefined && raw !== "") {
      limit = Number(raw);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw badRequest("HTTP-400", `limit must be an integer between 1 and 100, got "${raw}".`);
    }
    const spaceId = c.req.query("spaceId");
    const personal = c.req.query("personal") === "true";
    const ownedByMe = c.req.query("ownedByMe") === "true";
    const userId = c.req.query("userId");
    if (userId && userId !== w.user.id && !w.isTenantAdmin) throw forbidden("HTTP-403", "Filtering on another user's connections needs the TenantAdmin role.");
    const noDatafiles = c.req.query("noDatafiles") === "true";
    let list = Object.values(kinds().dataConnections).filter((x) => canSee(w, x) || (userId !== undefined && w.isTenantAdmin && x.ownerId === userId));
    if (userId) list = list.filter((x) => x.ownerId === userId);
    if (spaceId) list = list.filter((x) => x.spaceId === spaceId);
    else if (personal) list = list.filter((x) => !x.spaceId);
    if (ownedByMe) list = list.filter((x) => x.ownerId === w.user.id);
    const filter = c.req.query("filter");
    if (filter) {
      const m = /^(qName|qType|datasourceID)\s+(eq|co|sw)\s+"([^"]*)"$/.exec(filter.trim());
      if (!m) throw badRequest("HTTP-400", `unsupported filter "${filter}" (the emulator takes one "qName|qType|datasourceID eq|co|sw \\"…\\"").`);
      const [, field, op, value] = m as unknown as [string, "qName" | "qType" | "datasourceID", string, string];
      const get = (x: DataConnection): string => (field === "qName" ? x.name : field === "qType" ? x.type : x.datasourceID);
      list = list.filter((x) => (op === "eq" ? get(x) === value : op === "co" ? get(x).includes(value) : get(x).startsWith(value)));
    }
    const sort = c.req.query("sort") ?? "+qName";
    const key = sort.replace(/^[+-]/, "");
    const sortKey: Record<string, (x: DataConnection) => string> = { qName: (x) => x.name, qType: (x) => x.type, created: (x) => x.created, updated: (x) => x.updated };
    const get = sortKey[key];
    if (!get) throw badRequest("HTTP-400", `unsupported sort "${sort}"`);
    list.sort((a, b) => get(a).localeCompare(get(b)) || a.id.localeCompare(b.id));
    if (sort.startsWith("-")) list.reverse();
    if (!noDatafiles && !ownedByMe && !filter) {
      let df = dataFiles(w);
      if (spaceId) df = df.filter((x) => x.spaceId === spaceId);
      else if (personal) df = df.filter((x) => !x.spaceId);
      if (!userId || userId === w.user.id) list.push(...df);
    }
    const { page, links } = cursorPage(c, list, limit, "page");
    const dataName = c.req.query("dataName") || "data";
    return c.json({ [dataName]: page.map((x) => connJson(c, x, false)), meta: { count: list.length }, links });
  });

  app.get("/api/v1/data-connections/:qID", (c) => c.json(connJson(c, connFor(c), true)));

  app.post("/api/v1/data-connections", async (c) => {
    const w = who(c);
    const body = await readJson(c);
    if (body.connectionProperties !== undefined) throw badRequest("HTTP-400", "DCaaS connection creation (connectionProperties) is not emulated; send qConnectStatement.");
    const name = asString(body, "qName", true)!;
    const type = asString(body, "qType", true)!;
    const connectStatement = asString(body, "qConnectStatement", true)!;
    const datasourceID = asString(body, "datasourceID", true)!;
    const spaceId = checkSpace(w, asString(body, "space", false));
    const id = asString(body, "qID", false) || asString(body, "qEngineObjectID", false) || randomUUID();
    if (!UUID_RE.test(id)) throw badRequest("HTTP-400", `qID "${id}" is not a UUID.`);
    if (kinds().dataConnections[id]) throw conflict("HTTP-409", `A data connection with qID "${id}" already exists.`);
    checkNameFree(name, spaceId, w.user.id);
    const separate = body.qSeparateCredentials === true;
    const username = asString(body, "qUsername", false);
    const password = asString(body, "qPassword", false);
    let cred = credentialByIdOrName(w, asString(body, "qCredentialsID", false), separate && !body.qCredentialsID && !(username && password) ? asString(body, "qCredentialsName", false) : undefined);
    const t = nowIso();
    if (separate && !cred && username !== undefined && password !== undefined) {
      // A separate-credentials connection created with a user name and password stores them as the caller's credential.
      cred = { id: randomUUID(), name: asString(body, "qCredentialsName", false) || `${name} (${w.user.name})`, type, datasourceID, ownerId: w.user.id, username, password, created: t, updated: t };
      kinds().dataCredentials[cred.id] = cred;
    }
    const arch = body.qArchitecture;
    if (arch !== undefined && arch !== 0 && arch !== 1) throw badRequest("HTTP-400", "qArchitecture must be 0 or 1.");
    const conn: DataConnection = {
      id,
      name,
      type,
      connectStatement,
      datasourceID,
      spaceId,
      ownerId: w.user.id,
      logOn: logOnOf(body.qLogOn) ?? 0,
      architecture: (arch as 0 | 1 | undefined) ?? 0,
      separateCredentials: separate,
      credentialsId: cred?.id,
      tags: tagsOf(body.tags) ?? [],
      username: separate ? undefined : username,
      password: separate ? undefined : password,
      connectionSecret: asString(body, "qConnectionSecret", false) || undefined,
      created: t,
      updated: t,
    };
    kinds().dataConnections[id] = conn;
    rt.changed(tenant);
    const out: Record<string, unknown> = {
      qID: conn.id,
      qEngineObjectID: conn.id,
      qName: conn.name,
      qType: conn.type,
      qConnectStatement: conn.connectStatement,
      qArchitecture: conn.architecture,
      qLogOn: String(conn.logOn),
      qSeparateCredentials: conn.separateCredentials,
      user: conn.ownerId,
      created: conn.created,
      updated: conn.updated,
      privileges: privileges(w, conn),
      links: { self: { href: selfHref(c, `/api/v1/data-connections/${conn.id}`) } },
    };
    if (conn.spaceId) out.space = conn.spaceId;
    if (cred) Object.assign(out, { qCredentialsID: cred.id, qCredentialsName: cred.name });
    return c.json(out, 201);
  });

  const changeable = (c: Ctx): DataConnection => {
    const conn = connFor(c);
    const w = who(c);
    if (conn.type === DATAFILES_TYPE) throw forbidden("HTTP-403", "The DataFiles connection of a space cannot be changed or deleted.");
    if (!canChange(w, conn)) throw forbidden("HTTP-403", `The caller may not change data connection "${conn.name}".`);
    return conn;
  };

  app.put("/api/v1/data-connections/:qID", async (c) => {
    const conn = changeable(c);
    const w = who(c);
    const body = await readJson(c);
    const name = asString(body, "qName", true)!;
    const type = asString(body, "qType", true)!;
    const connectStatement = asString(body, "qConnectStatement", true)!;
    const qid = asString(body, "qID", true)!;
    const engineId = asString(body, "qEngineObjectID", true)!;
    if (qid !== conn.id || engineId !== conn.id) throw badRequest("HTTP-400", "qID and qEngineObjectID must equal the connection's id.");
    const space = body.space === undefined ? conn.spaceId : checkSpace(w, asString(body, "space", false));
    checkNameFree(name, space, conn.ownerId, conn.id);
    const arch = body.qArchitecture;
    if (arch !== undefined && arch !== 0 && arch !== 1) throw badRequest("HTTP-400", "qArchitecture must be 0 or 1.");
    const tags = tagsOf(body.tags);
    conn.name = name;
    conn.type = type;
    conn.connectStatement = connectStatement;
    conn.spaceId = space;
    conn.datasourceID = asString(body, "datasourceID", false) ?? conn.datasourceID;
    conn.logOn = logOnOf(body.qLogOn) ?? conn.logOn;
    if (arch !== undefined) conn.architecture = arch as 0 | 1;
    if (typeof body.qSeparateCredentials === "boolean") conn.separateCredentials = body.qSeparateCredentials;
    if (tags) conn.tags = tags;
    if (body.qCredentialsID !== undefined || body.qCredentialsName !== undefined) conn.credentialsId = credentialByIdOrName(w, asString(body, "qCredentialsID", false), asString(body, "qCredentialsName", false))?.id;
    const username = asString(body, "qUsername", false);
    const password = asString(body, "qPassword", false);
    if (username !== undefined) conn.username = username;
    if (password !== undefined) conn.password = password;
    // Spec ConnectionUpdate: present ⇒ replaced, "" ⇒ cleared, absent ⇒ kept.
    const secret = asString(body, "qConnectionSecret", false);
    if (secret !== undefined) conn.connectionSecret = secret === "" ? undefined : secret;
    conn.updated = nowIso();
    rt.changed(tenant);
    return c.body(null, 204);
  });

  app.patch("/api/v1/data-connections/:qID", async (c) => {
    const conn = changeable(c);
    const ops = await readJsonArray(c);
    const next = { ...conn, tags: [...conn.tags] };
    for (const op of ops) {
      const path = String(op.path ?? "");
      const kind = op.op;
      if (kind !== "add" && kind !== "replace" && kind !== "remove") throw badRequest("HTTP-400", `unsupported patch op ${JSON.stringify(op.op)}`);
      const v = op.value;
      const needString = (): string => {
        if (typeof v !== "string") throw badRequest("HTTP-400", `${path} takes a string value.`);
        return v;
      };
      switch (path) {
        case "/qName":
          if (kind === "remove") throw badRequest("HTTP-400", "qName cannot be removed.");
          next.name = needString();
          break;
        case "/qConnectStatement":
          if (kind === "remove") throw badRequest("HTTP-400", "qConnectStatement cannot be removed.");
          next.connectStatement = needString();
          break;
        case "/qUsername":
          next.username = kind === "remove" ? undefined : needString();
          break;
        case "/qPassword":
          next.password = kind === "remove" ? undefined : needString();
          break;
        case "/qConnectionSecret":
          next.connectionSecret = kind === "remove" ? undefined : needString() || undefined;
          break;
        case "/tags":
          next.tags = kind === "remove" ? [] : (tagsOf(v) ?? []);
          break;
        case "/qLogOn":
          next.logOn = logOnOf(v) ?? next.logOn;
          break;
        default:
          throw badRequest("HTTP-400", `unsupported patch path "${path}"`);
      }
    }
    checkNameFree(next.name, next.spaceId, next.ownerId, conn.id);
    Object.assign(conn, next, { updated: nowIso() });
    rt.changed(tenant);
    return c.body(null, 204);
  });

  app.delete("/api/v1/data-connections/:qID", (c) => {
    const conn = changeable(c);
    delete kinds().dataConnections[conn.id];
    rt.changed(tenant);
    return c.body(null, 204);
  });

  /**
   * Admin bulk change of owner and/or space (207, per-item status): `{connections:[{id, ownerId?,
   * spaceId?, spaceType}]}`; an empty `spaceId` moves it to the owner's personal space.
   */
  app.post("/api/v1/data-connections/actions/update", async (c) => {
    const w = who(c);
    if (!w.isTenantAdmin) throw forbidden("HTTP-403", "Changing the owner or space of data connections needs the TenantAdmin role.");
    const body = await readJson(c);
    const items = body.connections;
    if (!Array.isArray(items) || items.length === 0) throw badRequest("HTTP-400", "connections must be a non-empty array.");
    const data = items.map((raw: unknown) => {
      const it = (raw ?? {}) as Record<string, unknown>;
      const id = typeof it.id === "string" ? it.id : "";
      const conn = kinds().dataConnections[id];
      if (!conn) return { id, status: 404, error: { code: "HTTP-404", title: "Not Found", detail: `Data connection "${id}" was not found.` } };
      const ownerId = typeof it.ownerId === "string" && it.ownerId ? it.ownerId : undefined;
      if (ownerId && !tenant.users[ownerId]) return { id, status: 400, error: { code: "HTTP-400", title: "Bad Request", detail: `unknown ownerId "${ownerId}"` } };
      let spaceId = conn.spaceId;
      if (it.spaceId !== undefined) {
        if (typeof it.spaceId !== "string") return { id, status: 400, error: { code: "HTTP-400", title: "Bad Request", detail: "spaceId must be a string." } };
        if (it.spaceId !== "" && !tenant.spaces[it.spaceId]) return { id, status: 404, error: { code: "HTTP-404", title: "Not Found", detail: `Space "${it.spaceId}" was not found.` } };
        if (typeof it.spaceType !== "string") return { id, status: 400, error: { code: "HTTP-400", title: "Bad Request", detail: "spaceType is required with spaceId." } };
        spaceId = it.spaceId === "" ? undefined : it.spaceId;
      }
      const newOwner = ownerId ?? conn.ownerId;
      const clash = Object.values(kinds().dataConnections).some((x) => x.id !== conn.id && x.name === conn.name && (x.spaceId ?? "") === (spaceId ?? "") && (spaceId !== undefined || x.ownerId === newOwner));
      if (clash) return { id, status: 409, error: { code: "HTTP-409", title: "Conflict", detail: `A data connection named "${conn.name}" already exists there.` } };
      conn.ownerId = newOwner;
      conn.spaceId = spaceId;
      conn.updated = nowIso();
      return { id, status: 204 };
    });
    rt.changed(tenant);
    return c.json({ data }, 207);
  });

  // ---- data credentials (no list or create: credentials come with separate-credential connections)
  const credFor = (c: Ctx): DataCredential => {
    const key = c.req.param("qID") ?? "";
    const byName = c.req.query("byCredentialName") === "true";
    const w = who(c);
    const cred = Object.values(kinds().dataCredentials).find((x) => (byName ? x.name === key : x.id === key) && x.ownerId === w.user.id);
    if (!cred) throw notFound("HTTP-404", `Data credential "${key}" was not found.`);
    return cred;
  };
  const connCount = (cred: DataCredential): number => Object.values(kinds().dataConnections).filter((x) => x.credentialsId === cred.id).length;
  const credJson = (c: Ctx, cred: DataCredential): Record<string, unknown> => ({
    qID: cred.id,
    qName: cred.name,
    qType: cred.type,
    qConnCount: connCount(cred),
    datasourceID: cred.datasourceID,
    created: cred.created,
    updated: cred.updated,
    qReferenceKey: `credential:${cred.id}`,
    links: { self: { href: selfHref(c, `/api/v1/data-credentials/${cred.id}`) } },
  });
  app.get("/api/v1/data-credentials/:qID", (c) => c.json(credJson(c, credFor(c))));
  app.put("/api/v1/data-credentials/:qID", async (c) => {
    const cred = credFor(c);
    const body = await readJson(c);
    const name = asString(body, "qName", true)!;
    const type = asString(body, "qType", true)!;
    const username = asString(body, "qUsername", true)!;
    const password = asString(body, "qPassword", true)!;
    if (Object.values(kinds().dataCredentials).some((x) => x.id !== cred.id && x.ownerId === cred.ownerId && x.name === name)) throw conflict("HTTP-409", `A data credential named "${name}" already exists.`);
    Object.assign(cred, { name, type, username, password, datasourceID: asString(body, "datasourceID", false) ?? cred.datasourceID, updated: nowIso() });
    rt.changed(tenant);
    return c.body(null, 204);
  });
  app.patch("/api/v1/data-credentials/:qID", async (c) => {
    const cred = credFor(c);
    const next = { ...cred };
    for (const op of await readJsonArray(c)) {
      const path = String(op.path ?? "");
      if ((op.op !== "replace" && op.op !== "add") || !["/qName", "/qUsername", "/qPassword"].includes(path) || typeof op.value !== "string") {
        throw badRequest("HTTP-400", `unsupported patch ${JSON.stringify(op)}`);
      }
      if (path === "/qName") next.name = op.value;
      else if (path === "/qUsername") next.username = op.value;
      else next.password = op.value;
    }
    if (Object.values(kinds().dataCredentials).some((x) => x.id !== cred.id && x.ownerId === cred.ownerId && x.name === next.name)) throw conflict("HTTP-409", `A data credential named "${next.name}" already exists.`);
    Object.assign(cred, next, { updated: nowIso() });
    rt.changed(tenant);
    return c.body(null, 204);
  });
  app.delete("/api/v1/data-credentials/:qID", (c) => {
    const cred = credFor(c);
    delete kinds().dataCredentials[cred.id];
    for (const conn of Object.values(kinds().dataConnections)) if (conn.credentialsId === cred.id) conn.credentialsId = undefined;
    rt.changed(tenant);
    return c.body(null, 204);
  });
  app.post("/api/v1/data-credentials/actions/filter-orphan", async (c) => {
    const w = who(c);
    const body = await readJson(c, false);
    const qType = typeof body.qType === "string" ? body.qType : undefined;
    const datasourceID = typeof body.datasourceID === "string" ? body.datasourceID : undefined;
    const list = Object.values(kinds().dataCredentials).filter(
      (x) => x.ownerId === w.user.id && connCount(x) === 0 && (qType === undefined || x.type === qType) && (datasourceID === undefined || x.datasourceID === datasourceID),
    );
    return c.json({ data: list.map((x) => ({ qID: x.id, qName: x.name, qType: x.type, datasourceID: x.datasourceID, user: x.ownerId, tenant: tenant.id, created: x.created, updated: x.updated })), count: list.length });
  });
}

