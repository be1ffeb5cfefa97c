/**
 * Automations and automation connections (`/api/v1/automations…`, `/api/v1/automation-connections…`),
 * API-FACTS §6.9; shapes from the 2025 spec and `@qlik/api` 2.19 `automations.d.ts` /
 * `automation-connections.d.ts` (`description`, `spaceId`, `maxConcurrentRuns`, a schedule's
 * `recurrence`/`nextRunAt`). Runs, usage and the `/workflows/…` path family are not emulated.
 *
 * - Lists: a tenant admin lists every automation (`listAll`, default true for admins; a non-admin
 *   asking `listAll=true` gets 403), anyone else their own. Lists carry no `workspace`: the
 *   definition comes from a single GET.
 * - A definition (GET, PUT, copy, change-space) is the owner's only — "the caller must be
 *   the automation's owner" (spec) — or an OAuth token's with `admin.automations` (qlik.dev
 *   changelog 241). A tenant admin's API key that is not the owner gets 403 — except for
 *   DELETE and enable/disable, which @qlik/api 2.19 also grants TenantAdmin and AnalyticsAdmin.
 * - `change-owner` (and the legacy `move`) needs TenantAdmin or `admin.automations`, and
 *   detaches the workspace's connections (the emulator removes every field naming one;
 *   `connectorIds`, derived from the blocks' `connectorId`, stay).
 * - `runMode` is read-only, derived from the workspace's start block (`runMode` on a block of
 *   type `StartBlock`; else `scheduled` when the automation has schedules, else `manual`).
 *   `executionToken` is server-generated and new on every copy.
 * - Automation connections: a tenant admin lists all with `listAll=true` (default false);
 *   otherwise one's own. A param with `fieldType` `password` is write-only: its `value` never
 *   comes back (UNCONFIRMED, API-FACTS §7: assume masked). OAuth connections have
 *   `oauthAccountName` and cannot be connected headlessly. A connection of a connector in
 *   `CONNECTORS` (the fixtures') has exactly that connector's parameters and is connected only
 *   with every required one set. `change-owner` needs TenantAdmin (an
 *   `admin.automations` bot may not touch connections); delete of a connection an automation's
 *   workspace names needs `forced=true` (400 otherwise).
 */
import { randomBytes } from "node:crypto";
import type { Identity } from "../model.ts";
import { kindsOf, type Automation, type AutomationConnection, type AutomationSchedule } from "../kinds.ts";
import { badRequest, forbidden, notFound } from "../internal/errors.ts";
import { canSeeSpace } from "../internal/access.ts";
import { newGuid, nowIso } from "../internal/runtime.ts";
import { readJson, who, type Ctx, type RestApp, type RouteDeps } from "./common.ts";
import { cursorPage, limitOf, validTimeZone } from "./kinds-common.ts";

const RUN_MODES = ["manual", "scheduled", "triggered", "webhook"] as const;

export function runModeOf(a: Pick<Automation, "workspace" | "schedules">): Automation["runMode"] {
  const blocks = (a.workspace as { blocks?: { type?: string; runMode?: string }[] } | undefined)?.blocks;
  const start = Array.isArray(blocks) ? blocks.find((b) => b?.type === "StartBlock") : undefined;
  if (start && RUN_MODES.includes(start.runMode as Automation["runMode"])) return start.runMode as Automation["runMode"];
  return a.schedules.length > 0 ? "scheduled" : "manual";
}

/**
 * The automation connectors the fixtures use, with their parameters (Qlik's connector catalogue,
 * `automation-connectors`, is not emulated): a connection of one of them has exactly these
 * parameters; an OAuth connector's connection is connected only by an interactive sign-in.
 */
export const CONNECTORS: Record<string, { name: string; oauth?: true; params: { name: string; fieldType: "string" | "password"; isOptional: boolean }[] }> = {
  "61a87510-c7a3-11ea-95da-0fb0c241e75c": {
    name: "Snowflake",
    params: [
      { name: "account", fieldType: "string", isOptional: false },
      { name: "username", fieldType: "string", isOptional: false },
      { name: "password", fieldType: "password", isOptional: false },
    ],
  },
  "c7e48240-e0f2-11ea-a3f1-9d8b7a0c3a41": { name: "Slack", oauth: true, params: [] },
  "5b3f2a10-0c1d-11eb-9a0e-7f3c2b1a0d9e": {
    name: "SMTP",
    params: [
      { name: "host", fieldType: "string", isOptional: false },
      { name: "apiKey", fieldType: "password", isOptional: false },
    ],
  },
};

export const newExecutionToken = (): string => randomBytes(20).toString("hex");

/** The connectors the workspace's blocks use ("detected in the workspace", @qlik/api `connectorIds`). */
export function connectorIdsIn(workspace: unknown): string[] {
  const blocks = (workspace as { blocks?: { connectorId?: unknown }[] } | undefined)?.blocks;
  return Array.isArray(blocks) ? [...new Set(blocks.map((b) => b?.connectorId).filter((x): x is string => typeof x === "string"))] : [];
}

/** The workspace without any field naming one of `connectionIds` (connections detached by an owner change). */
export function detachConnections(workspace: Record<string, unknown>, connectionIds: Set<string>): Record<string, unknown> {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v !== "object" || v === null) return v;
    const out: Record<string, unknown> = {};
    for (const [key, x] of Object.entries(v)) if (!(typeof x === "string" && connectionIds.has(x))) out[key] = walk(x);
    return out;
  };
  return walk(workspace) as Record<string, unknown>;
}

export function registerAutomations(app: RestApp, { tenant, rt }: RouteDeps): void {
  const k = () => kindsOf(tenant);
  const isAdminBot = (w: Identity): boolean => w.scopes.includes("admin.automations");

  const autoJson = (a: Automation, full: boolean): Record<string, unknown> => {
    const out: Record<string, unknown> = {
      id: a.id,
      name: a.name,
      description: a.description,
      state: a.state,
      runMode: a.runMode,
      ownerId: a.ownerId,
      maxConcurrentRuns: a.maxConcurrentRuns,
      connectorIds: a.connectorIds,
      endpointIds: [],
      snippetIds: [],
      executionToken: a.executionToken,
      lastRunStatus: a.lastRunStatus,
      createdAt: a.createdAt,
      updatedAt: a.updatedAt,
    };
    if (a.spaceId) out.spaceId = a.spaceId;
    if (a.lastRunAt) out.lastRunAt = a.lastRunAt;
    if (full) {
      out.workspace = a.workspace;
      out.schedules = a.schedules.map((s) => ({ ...s }));
    }
    return out;
  };
  /**
   * The automation of the path, for `action`. Reading, changing and copying a definition is
   * the owner's (or an admin.automations bot's); deleting, enabling and disabling also a
   * tenant admin's (@qlik/api 2.19 `deleteAutomation`, `enableAutomation`, `disableAutomation`:
   * "be assigned one of the following roles: AnalyticsAdmin, TenantAdmin").
   */
  const autoFor = (c: Ctx, action: string): Automation => {
    const id = c.req.param("id") ?? "";
    const a = k().automations[id];
    const w = who(c);
    if (!a || !(a.ownerId === w.user.id || isAdminBot(w) || w.isTenantAdmin)) throw notFound("HTTP-404", `Automation "${id}" was not found.`);
    const adminMay = w.isTenantAdmin && ["delete", "enable", "disable"].includes(action);
    if (a.ownerId !== w.user.id && !isAdminBot(w) && !adminMay) throw forbidden("HTTP-403", `Only the owner of automation "${a.name}" (or an admin.automations token) may ${action} it.`);
    return a;
  };
  const schedulesOf = (v: unknown): AutomationSchedule[] => {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw badRequest("HTTP-400", "schedules must be an array.");
    return v.map((raw: unknown) => {
      const s = (raw ?? {}) as Record<string, unknown>;
      const tz = s.timezone ?? "UTC";
      if (typeof tz !== "string" || !validTimeZone(tz)) throw badRequest("HTTP-400", `schedule timezone "${String(tz)}" is not an IANA time zone.`);
      if (s.interval !== undefined && (!Number.isInteger(s.interval) || (s.interval as number) < 60 || (s.interval as number) % 60 !== 0)) throw badRequest("HTTP-400", "schedule interval is in seconds, a multiple of 60.");
      if (s.recurrence !== undefined && (typeof s.recurrence !== "string" || !/^RRULE:/.test(s.recurrence))) throw badRequest("HTTP-400", "schedule recurrence must be an RRULE.");
      for (const key of ["startAt", "stopAt"]) if (s[key] !== undefined && (typeof s[key] !== "string" || Number.isNaN(Date.parse(s[key] as string)))) throw badRequest("HTTP-400", `schedule ${key} must be a date-time.`);
      if (s.interval === undefined && s.recurrence === undefined) throw badRequest("HTTP-400", "a schedule needs an interval or a recurrence.");
      const out: AutomationSchedule = { id: newGuid(), timezone: tz };
      for (const key of ["startAt", "stopAt", "recurrence"] as const) if (typeof s[key] === "string") out[key] = s[key] as string;
      if (typeof s.interval === "number") out.interval = s.interval;
      return out;
    });
  };
  /** name, description, workspace, schedules, maxConcurrentRuns from a body (PUT: all replaced). */
  const definition = (body: Record<string, unknown>): Pick<Automation, "name" | "description" | "workspace" | "schedules" | "maxConcurrentRuns"> => {
    const name = body.name;
    if (typeof name !== "string" || !name) throw badRequest("HTTP-400", "name is required.");
    const description = body.description ?? "";
    if (typeof description !== "string") throw badRequest("HTTP-400", "description must be a string.");
    const workspace = body.workspace ?? {};
    if (typeof workspace !== "object" || workspace === null || Array.isArray(workspace)) throw badRequest("HTTP-400", "workspace must be an object.");
    const max = body.maxConcurrentRuns ?? 1;
    if (!Number.isInteger(max) || (max as number) < 1 || (max as number) > 10) throw badRequest("HTTP-400", "maxConcurrentRuns must be an integer from 1 to 10.");
    return { name, description, workspace: workspace as Record<string, unknown>, schedules: schedulesOf(body.schedules), maxConcurrentRuns: max as number };
  };
  const connectionIdsIn = (workspace: unknown): string[] => {
    const text = JSON.stringify(workspace ?? {});
    return Object.keys(k().automationConnections).filter((id) => text.includes(id));
  };
  const checkSpace = (w: Identity, spaceId: unknown): string | undefined => {
    if (spaceId === undefined || spaceId === null || spaceId === "") return undefined;
    if (typeof spaceId !== "string") throw badRequest("HTTP-400", "spaceId must be a string.");
    const space = tenant.spaces[spaceId];
    if (!space || !canSeeSpace(w, space)) throw notFound("HTTP-404", `Space "${spaceId}" was not found.`);
    if (space.type !== "shared") throw badRequest("HTTP-400", "Automations live in shared spaces or the owner's personal space.");
    return space.id;
  };

  app.get("/api/v1/automations", (c) => {
    const w = who(c);
    const limit = limitOf(c, 100, 200);
    const listAllQ = c.req.query("listAll");
    const mayAll = w.isTenantAdmin || isAdminBot(w);
    if (listAllQ === "true" && !mayAll) throw forbidden("HTTP-403", "listAll is restricted to tenant admins and analytics admins.");
    const all = mayAll && listAllQ !== "false";
    let list = Object.values(k().automations).filter((a) => all || a.ownerId === w.user.id);
    const filter = c.req.query("filter");
    if (filter) {
      const m = /^(name|runMode|lastRunStatus|ownerId|spaceId)\s+eq\s+"([^"]*)"$/.exec(filter.trim());
      if (!m) throw badRequest("HTTP-400", `unsupported filter "${filter}" (the emulator takes one 'name|runMode|lastRunStatus|ownerId|spaceId eq "…"').`);
      const [, field, value] = m as unknown as [string, "name" | "runMode" | "lastRunStatus" | "ownerId" | "spaceId", string];
      list = list.filter((a) => (a[field] ?? "") === value);
    }
    const sort = c.req.query("sort") ?? "id";
    const key = sort.replace(/^[+-]/, "");
    if (!["id", "name", "runMode", "state", "createdAt", "updatedAt", "lastRunAt", "lastRunStatus", "maxConcurrentRuns"].includes(key)) throw badRequest("HTTP-400", `unsupported sort "${sort}"`);
    list.sort((a, b) => String(a[key as "name"] ?? "").localeCompare(String(b[key as "name"] ?? "")) || a.id.localeCompare(b.id));
    if (sort.startsWith("-")) list.reverse();
    const { page, links } = cursorPage(c, list, limit, "cursor");
    return c.json({ data: page.map((a) => autoJson(a, false)), links });
  });
  app.get("/api/v1/automations/:id", (c) => c.json(autoJson(autoFor(c, "read"), true)));
  app.post("/api/v1/automations", async (c) => {
    const w = who(c);
    const body = await readJson(c);
    const def = definition(body);
    const t = nowIso();
    const a: Automation = {
      id: newGuid(),
      ...def,
      spaceId: checkSpace(w, body.spaceId),
      state: "available",
      runMode: "manual",
      ownerId: w.user.id,
      connectorIds: [],
      executionToken: newExecutionToken(),
      lastRunStatus: "not started",
      createdAt: t,
      updatedAt: t,
    };
    a.runMode = runModeOf(a);
    a.connectorIds = connectorIdsIn(a.workspace);
    k().automations[a.id] = a;
    rt.changed(tenant);
    return c.json(autoJson(a, true), 201);
  });
  app.put("/api/v1/automations/:id", async (c) => {
    const a = autoFor(c, "change");
    const body = await readJson(c);
    if (body.spaceId !== undefined && body.spaceId !== a.spaceId) throw badRequest("HTTP-400", "PUT cannot move an automation to another space (use actions/change-space).");
    const def = definition(body);
    const state = body.state ?? a.state;
    if (state !== "available" && state !== "unavailable" && state !== "disabled") throw badRequest("HTTP-400", 'state must be "available", "unavailable" or "disabled".');
    Object.assign(a, def, { state, updatedAt: nowIso() });
    a.runMode = runModeOf(a);
    a.connectorIds = connectorIdsIn(a.workspace);
    rt.changed(tenant);
    return c.json(autoJson(a, true));
  });
  app.delete("/api/v1/automations/:id", (c) => {
    const a = autoFor(c, "delete");
    delete k().automations[a.id];
    rt.changed(tenant);
    return c.body(null, 204);
  });
  for (const [action, state] of [
    ["enable", "available"],
    ["disable", "disabled"],
  ] as const) {
    app.post(`/api/v1/automations/:id/actions/${action}`, (c) => {
      const a = autoFor(c, action);
      a.state = state;
      a.updatedAt = nowIso();
      rt.changed(tenant);
      return c.body(null, 204);
    });
  }
  app.post("/api/v1/automations/:id/actions/copy", async (c) => {
    const a = autoFor(c, "copy");
    const body = await readJson(c);
    if (typeof body.name !== "string" || !body.name) throw badRequest("HTTP-400", "name is required.");
    const t = nowIso();
    const copy: Automation = { ...structuredClone(a), id: newGuid(), name: body.name, ownerId: who(c).user.id, executionToken: newExecutionToken(), lastRunStatus: "not started", lastRunAt: undefined, createdAt: t, updatedAt: t };
    copy.schedules = copy.schedules.map((s) => ({ ...s, id: newGuid() }));
    k().automations[copy.id] = copy;
    rt.changed(tenant);
    return c.json({ id: copy.id }, 201);
  });
  // `change-owner` and its legacy form `move` (@qlik/api 2.19 `changeOwnerAutomation`, `moveAutomation`).
  for (const action of ["change-owner", "move"]) {
    app.post(`/api/v1/automations/:id/actions/${action}`, async (c) => {
      const w = who(c);
      const id = c.req.param("id");
      const a = k().automations[id];
      if (!a || !(w.isTenantAdmin || isAdminBot(w) || a.ownerId === w.user.id)) throw notFound("HTTP-404", `Automation "${id}" was not found.`);
      if (!w.isTenantAdmin && !isAdminBot(w)) throw forbidden("HTTP-403", "Changing an automation's owner needs the TenantAdmin role or the admin.automations scope.");
      const body = await readJson(c);
      if (typeof body.userId !== "string" || !tenant.users[body.userId]) throw badRequest("HTTP-400", "userId must name a user of this tenant.");
      // Spec: "removes the history and change logs … All linked connections used in the
      // automation are detached and not moved to the new owner": the workspace loses its
      // references to connections (the emulator's reading of "detached").
      a.ownerId = body.userId;
      a.workspace = detachConnections(a.workspace, new Set(Object.keys(k().automationConnections)));
      a.connectorIds = connectorIdsIn(a.workspace);
      a.lastRunAt = undefined;
      a.lastRunStatus = "not started";
      a.updatedAt = nowIso();
      rt.changed(tenant);
      return c.body(null, 204);
    });
  }
  // change-space (@qlik/api 2.19 `changeSpaceAutomation`): an empty spaceId is the owner's personal space.
  app.post("/api/v1/automations/:id/actions/change-space", async (c) => {
    const a = autoFor(c, "move");
    const body = await readJson(c);
    if (typeof body.spaceId !== "string") throw badRequest("HTTP-400", "spaceId is required (an empty string: the owner's personal space).");
    a.spaceId = checkSpace(who(c), body.spaceId);
    a.updatedAt = nowIso();
    rt.changed(tenant);
    return c.body(null, 204);
  });

  // ---- automation connections
  const connJson = (x: AutomationConnection, full: boolean): Record<string, unknown> => {
    const out: Record<string, unknown> = { id: x.id, name: x.name, connectorId: x.connectorId, ownerId: x.ownerId, isConnected: x.isConnected, createdAt: x.createdAt, updatedAt: x.updatedAt };
    if (x.spaceId) out.spaceId = x.spaceId;
    if (full) {
      out.params = x.params.map((p) => {
        const o: Record<string, unknown> = { id: p.id, name: p.name, fieldType: p.fieldType, isOptional: p.isOptional };
        if (p.fieldType !== "password") o.value = p.value;
        return o;
      });
      if (x.oauthAccountName) out.oauthAccountName = x.oauthAccountName;
      if (!x.isConnected && (x.oauthAccountName !== undefined || CONNECTORS[x.connectorId]?.oauth)) out.redirect = `https://connectors.example.qlik.local/oauth/authorize?connection=${x.id}`;
    }
    return out;
  };
  const connFor = (c: Ctx): AutomationConnection => {
    const id = c.req.param("id") ?? "";
    const x = k().automationConnections[id];
    const w = who(c);
    if (!x || !(x.ownerId === w.user.id || w.isTenantAdmin)) throw notFound("HTTP-404", `Automation connection "${id}" was not found.`);
    return x;
  };
  const mayChangeConn = (c: Ctx, x: AutomationConnection): void => {
    const w = who(c);
    if (x.ownerId !== w.user.id && !w.isTenantAdmin) throw forbidden("HTTP-403", `The caller may not change automation connection "${x.name}".`);
  };
  app.get("/api/v1/automation-connections", (c) => {
    const w = who(c);
    const limit = limitOf(c, 100, 200);
    const listAll = c.req.query("listAll") === "true";
    if (listAll && !w.isTenantAdmin) throw forbidden("HTTP-403", "listAll is restricted to tenant admins.");
    let list = Object.values(k().automationConnections).filter((x) => listAll || x.ownerId === w.user.id);
    const filter = c.req.query("filter");
    if (filter) {
      const m = /^(name|ownerId|spaceId|connectorId)\s+eq\s+"([^"]*)"$/.exec(filter.trim());
      if (!m) throw badRequest("HTTP-400", `unsupported filter "${filter}"`);
      const [, field, value] = m as unknown as [string, "name" | "ownerId" | "spaceId" | "connectorId", string];
      list = list.filter((x) => (x[field] ?? "") === value);
    }
    const sort = c.req.query("sort") ?? "id";
    const key = sort.replace(/^[+-]/, "");
    if (!["id", "name", "createdAt", "updatedAt"].includes(key)) throw badRequest("HTTP-400", `unsupported sort "${sort}"`);
    list.sort((a, b) => String(a[key as "name"]).localeCompare(String(b[key as "name"])) || a.id.localeCompare(b.id));
    if (sort.startsWith("-")) list.reverse();
    const { page, links } = cursorPage(c, list, limit, "cursor");
    return c.json({ data: page.map((x) => connJson(x, false)), links });
  });
  app.get("/api/v1/automation-connections/:id", (c) => c.json(connJson(connFor(c), true)));
  app.post("/api/v1/automation-connections", async (c) => {
    const w = who(c);
    const body = await readJson(c);
    if (typeof body.connectorId !== "string" || !body.connectorId) throw badRequest("HTTP-400", "connectorId is required.");
    const name = body.name ?? body.connectorId;
    if (typeof name !== "string") throw badRequest("HTTP-400", "name must be a string.");
    const rawParams = body.params ?? [];
    if (!Array.isArray(rawParams) || rawParams.some((p) => typeof p?.name !== "string" || (p.value !== undefined && typeof p.value !== "string"))) throw badRequest("HTTP-400", "params must be a list of {name, value}.");
    const given = new Map((rawParams as { name: string; value?: string }[]).map((p) => [p.name, p.value ?? ""]));
    const connector = CONNECTORS[body.connectorId];
    if (connector) {
      const unknown = [...given.keys()].filter((n) => !connector.params.some((p) => p.name === n));
      if (unknown.length) throw badRequest("HTTP-400", `connector "${connector.name}" has no parameter ${unknown.map((n) => `"${n}"`).join(", ")}.`);
    }
    // A known connector's parameters are its own (missing ones empty); another's are the ones given.
    const params = connector
      ? connector.params.map((p) => ({ id: newGuid(), name: p.name, value: given.get(p.name) ?? "", fieldType: p.fieldType, isOptional: p.isOptional }))
      : [...given].map(([n, value]) => ({ id: newGuid(), name: n, value, fieldType: /password|secret|token|key/i.test(n) ? ("password" as const) : ("string" as const), isOptional: false }));
    const t = nowIso();
    const x: AutomationConnection = {
      id: newGuid(),
      name,
      connectorId: body.connectorId,
      spaceId: checkSpace(w, body.spaceId),
      ownerId: w.user.id,
      params,
      // Connected once every required parameter has a value; an OAuth connector's only after an interactive sign-in.
      isConnected: !connector?.oauth && params.length > 0 && params.every((p) => p.isOptional || p.value !== ""),
      createdAt: t,
      updatedAt: t,
    };
    k().automationConnections[x.id] = x;
    rt.changed(tenant);
    return c.json(connJson(x, true), 201);
  });
  app.put("/api/v1/automation-connections/:id", async (c) => {
    const x = connFor(c);
    mayChangeConn(c, x);
    const body = await readJson(c);
    if (body.name !== undefined && typeof body.name !== "string") throw badRequest("HTTP-400", "name must be a string.");
    const params = body.params ?? [];
    if (!Array.isArray(params)) throw badRequest("HTTP-400", "params must be a list of {id, value}.");
    const next = x.params.map((p) => ({ ...p }));
    for (const raw of params as { id?: unknown; value?: unknown }[]) {
      const p = next.find((q) => q.id === raw?.id);
      if (!p || typeof raw.value !== "string") throw badRequest("HTTP-400", `unknown param id ${JSON.stringify(raw?.id)} or a value that is not a string.`);
      p.value = raw.value;
    }
    x.params = next;
    if (x.oauthAccountName === undefined && !CONNECTORS[x.connectorId]?.oauth) x.isConnected = next.length > 0 && next.every((p) => p.isOptional || p.value !== "");
    if (typeof body.name === "string") x.name = body.name;
    x.updatedAt = nowIso();
    rt.changed(tenant);
    return c.json(connJson(x, true));
  });
  app.delete("/api/v1/automation-connections/:id", (c) => {
    const x = connFor(c);
    mayChangeConn(c, x);
    const used = Object.values(k().automations).some((a) => connectionIdsIn(a.workspace).includes(x.id));
    if (used && c.req.query("forced") !== "true") throw badRequest("HTTP-400", `Automation connection "${x.name}" is used by an automation; delete with forced=true.`);
    delete k().automationConnections[x.id];
    rt.changed(tenant);
    return c.body(null, 204);
  });
  app.post("/api/v1/automation-connections/:id/actions/check", (c) => c.json({ isConnected: connFor(c).isConnected }));
  app.post("/api/v1/automation-connections/:id/actions/change-owner", async (c) => {
    const x = connFor(c);
    if (!who(c).isTenantAdmin) throw forbidden("HTTP-403", "Changing an automation connection's owner needs the TenantAdmin role.");
    const body = await readJson(c);
    if (typeof body.userId !== "string" || !tenant.users[body.userId]) throw badRequest("HTTP-400", "userId must name a user of this tenant.");
    x.ownerId = body.userId;
    x.updatedAt = nowIso();
    rt.changed(tenant);
    return c.body(null, 204);
  });
  app.post("/api/v1/automation-connections/:id/actions/change-space", async (c) => {
    const x = connFor(c);
    mayChangeConn(c, x);
    const body = await readJson(c);
    x.spaceId = checkSpace(who(c), body.spaceId);
    x.updatedAt = nowIso();
    rt.changed(tenant);
    return c.body(null, 204);
  });
}
