/**
 * A small test harness for the QIX engine on its own: an HTTP server on 127.0.0.1:0 that
 * answers every REST path with a Qlik-shaped 404 (incl. the product-info probe @qlik/api
 * makes) and routes websocket upgrades to a `QixServer` over a hand-built tenant.
 *
 * ```ts
 * const h = await startQixHarness();
 * const session = qix.openAppSession({ appId: h.appId, hostConfig: h.hostConfig("alice") });
 * …
 * await h.close();
 * ```
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { App, AppObject, GenericType, Identity, Tenant, User } from "../model.ts";
import { emptyTenant } from "../model.ts";
import type { QixContext } from "./contract.ts";
import { createQixServer } from "./index.ts";

export const T0 = "2026-01-01T00:00:00.000Z";

/** Who the harness's API keys stand for. */
export interface HarnessCaller {
  userId: string;
  isPrivateContentBot: boolean;
  isTenantAdmin: boolean;
}

export const USERS = {
  owner: "u-owner",
  alice: "u-alice",
  bob: "u-bob",
  bot: "u-bot",
  outsider: "u-outsider",
} as const;

export type CallerName = keyof typeof USERS;

function user(id: string, subject: string, name: string): User {
  return {
    id,
    tenantId: "t1",
    subject,
    name,
    email: `${name.toLowerCase()}@example.com`,
    status: "active",
    createdAt: T0,
    lastUpdatedAt: T0,
    roles: [],
    groups: [],
  };
}

function obj(
  id: string,
  type: string,
  ownerId: string,
  properties: Record<string, unknown>,
  opts: { genericType?: GenericType; approved?: boolean; published?: boolean; children?: AppObject[] } = {},
): AppObject {
  const o: AppObject = {
    id,
    type,
    genericType: opts.genericType ?? "genericObject",
    ownerId,
    approved: opts.approved ?? false,
    published: opts.published ?? false,
    createdDate: T0,
    modifiedDate: T0,
    properties: { qInfo: { qId: id, qType: type }, ...properties },
    children: opts.children ?? [],
  };
  if (o.published) o.publishTime = T0;
  return o;
}

function sheet(id: string, ownerId: string, title: string, children: AppObject[], state: { approved?: boolean; published?: boolean } = {}): AppObject {
  const sheetObj = obj(
    id,
    "sheet",
    ownerId,
    {
      qMetaDef: { title, description: `${title} description` },
      rank: 0,
      columns: 24,
      rows: 12,
      cells: children.map((c, i) => ({ name: c.id, type: c.type, col: i * 6, row: 0, colspan: 6, rowspan: 6 })),
      qChildListDef: { qData: { title: "/title" } },
    },
    { ...state, children },
  );
  for (const c of children) {
    c.approved = sheetObj.approved;
    c.published = sheetObj.published;
    if (sheetObj.publishTime) c.publishTime = sheetObj.publishTime;
  }
  return sheetObj;
}

function chart(id: string, ownerId: string, title: string): AppObject {
  return obj(id, "barchart", ownerId, {
    title,
    visualization: "barchart",
    qHyperCubeDef: { qDimensions: [{ qLibraryId: "dim1" }], qMeasures: [{ qLibraryId: "meas1" }] },
  });
}

/** The hand-built tenant: an app owned by `owner` in which alice and bob each have content. */
export function harnessTenant(): { tenant: Tenant; app: App; callers: Record<string, HarnessCaller> } {
  const tenant = emptyTenant("t1", "harness.qlikcloud.local", "Harness");
  tenant.users = {
    [USERS.owner]: user(USERS.owner, "auth0|owner", "Owner"),
    [USERS.alice]: user(USERS.alice, "auth0|alice", "Alice"),
    [USERS.bob]: user(USERS.bob, "auth0|bob", "Bob"),
    [USERS.bot]: user(USERS.bot, "qlikbot|backup", "Backup Bot"),
    [USERS.outsider]: user(USERS.outsider, "auth0|outsider", "Outsider"),
  };
  const objects: AppObject[] = [
    sheet("base-sheet", USERS.owner, "Overview", [chart("base-chart", USERS.owner, "Sales by region")], { approved: true, published: true }),
    sheet("alice-private", USERS.alice, "Alice private", [chart("alice-chart-1", USERS.alice, "A1"), chart("alice-chart-2", USERS.alice, "A2")]),
    sheet("bob-private", USERS.bob, "Bob private", [chart("bob-chart", USERS.bob, "B1")]),
    sheet("bob-community", USERS.bob, "Bob community", [], { published: true }),
    obj("story1", "story", USERS.owner, { qMetaDef: { title: "Story" }, rank: 0 }, { approved: true, published: true }),
    obj("master1", "masterobject", USERS.owner, { qMetaDef: { title: "Master chart", tags: [] }, visualization: "barchart" }, { approved: true, published: true }),
    obj("bm-alice", "bookmark", USERS.alice, { qMetaDef: { title: "Alice bookmark", description: "" }, sheetId: "base-sheet", creationDate: T0 }, { genericType: "genericBookmark" }),
    obj("bm-base", "bookmark", USERS.owner, { qMetaDef: { title: "Base bookmark", description: "" }, sheetId: "base-sheet", creationDate: T0 }, { genericType: "genericBookmark", approved: true, published: true }),
    obj("meas1", "measure", USERS.owner, { qMetaDef: { title: "Revenue", tags: ["money"] }, qMeasure: { qLabel: "Revenue", qDef: "Sum(Amount)", qLabelExpression: "" } }, { genericType: "genericMeasure", approved: true, published: true }),
    obj("dim1", "dimension", USERS.owner, { qMetaDef: { title: "Region", tags: [] }, qDim: { qGrouping: "N", qFieldDefs: ["Region"], qFieldLabels: ["Region"] } }, { genericType: "genericDimension", approved: true, published: true }),
    obj("var1", "variable", USERS.owner, { qName: "vThreshold", qDefinition: "100", qComment: "threshold", tags: ["t"] }, { genericType: "genericVariable", approved: true, published: true }),
  ];
  const app: App = {
    id: "app-1",
    tenantId: tenant.id,
    name: "Sales",
    description: "Sales app",
    ownerId: USERS.owner,
    spaceId: "space-1",
    createdDate: T0,
    modifiedDate: T0,
    usage: "ANALYTICS",
    hasSectionAccess: false,
    script: "LOAD 1 AS x AUTOGENERATE 1;",
    scriptHistory: [{ scriptId: "s0", script: "LOAD 1 AS x AUTOGENERATE 1;", versionMessage: "", modifiedTime: T0, modifierId: USERS.owner }],
    media: {},
    objects: Object.fromEntries(objects.map((o) => [o.id, o])),
    dataModelBytes: 0,
    dataSeed: "seed",
    itemId: "item-1",
  };
  tenant.apps[app.id] = app;
  const callers: Record<string, HarnessCaller> = {};
  for (const [name, userId] of Object.entries(USERS)) {
    callers[`key-${name}`] = { userId, isPrivateContentBot: name === "bot", isTenantAdmin: name === "bot" };
  }
  return { tenant, app, callers };
}

export interface QixHarness {
  host: string;
  port: number;
  tenant: Tenant;
  appId: string;
  /** A per-session host config (API key auth) for one of the harness users. */
  hostConfig(caller: CallerName): { authType: "apikey"; host: string; apiKey: string };
  token(caller: CallerName): string;
  /** Calls recorded on `onPersist`. */
  persisted: number;
  /** Resolves once the engine has seen every session close. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export async function startQixHarness(opts: { delayMs?: number } = {}): Promise<QixHarness> {
  const { tenant, app, callers } = harnessTenant();
  let persisted = 0;
  const identity = (req: IncomingMessage): Identity | undefined => {
    const auth = req.headers.authorization ?? "";
    const m = /^Bearer (.+)$/.exec(auth);
    const caller = m?.[1] ? callers[m[1]] : undefined;
    const u = caller ? tenant.users[caller.userId] : undefined;
    if (!caller || !u) return undefined;
    return {
      tenant,
      user: u,
      scopes: caller.isPrivateContentBot ? ["user_default", "admin.apps", "admin_classic"] : ["user_default"],
      isPrivateContentBot: caller.isPrivateContentBot,
      isTenantAdmin: caller.isTenantAdmin,
    };
  };
  const ctx: QixContext = {
    authenticate: identity,
    canOpenApp: (who, a) => who.isPrivateContentBot || a.ownerId === who.user.id || who.user.id !== USERS.outsider,
    delay: (kind) => (opts.delayMs ? new Promise((r) => setTimeout(r, kind === "open" ? opts.delayMs! * 2 : opts.delayMs)) : Promise.resolve()),
    now: () => new Date(),
    onPersist: () => {
      persisted += 1;
    },
  };
  const qixServer = createQixServer(ctx);
  const server = createServer((req, res) => {
    const body = JSON.stringify({ errors: [{ code: "HTTP-404", title: "Not Found", detail: `${req.method} ${req.url}`, status: 404 }] });
    res.writeHead(404, { "content-type": "application/json" }).end(body);
  });
  server.on("upgrade", (req, socket, head) => qixServer.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const host = `http://127.0.0.1:${port}`;
  const harness: QixHarness = {
    host,
    port,
    tenant,
    appId: app.id,
    token: (caller) => `key-${caller}`,
    hostConfig: (caller) => ({ authType: "apikey", host, apiKey: `key-${caller}` }),
    get persisted() {
      return persisted;
    },
    idle: () => qixServer.idle(),
    async close() {
      await qixServer.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return harness;
}
