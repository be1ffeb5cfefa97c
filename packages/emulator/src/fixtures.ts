/**
 * Seeded tenant fixtures:
 * - `demo`: a realistic small tenant (10 users, 5 spaces, 12 apps with private, community
 *   and base content of several users, published copies in managed spaces).
 * - `generated`: N apps × M objects × K users, deterministic from the seed; objects are
 *   kept small so 2,000 apps × 50 objects stay in modest memory.
 * - `empty`: only the tenant admin and the bot — a restore target.
 * Every fixture has the tenant admin (API key) and an OAuth private-content bot.
 */
import type { App, AppObject, GenericType, Group, Role, Space, SpaceAssignment, Tenant, User } from "./model.ts";
import { emptyTenant } from "./model.ts";
import { createRng, type Rng } from "./internal/rng.ts";

export type FixtureName = "demo" | "generated" | "empty";

export interface FixtureOptions {
  fixture: FixtureName;
  seed: string;
  /** generated: number of apps (default 20). */
  apps?: number;
  /** generated: objects per app (default 10). */
  objectsPerApp?: number;
  /** generated: number of users besides admin and bot (default 10). */
  users?: number;
  /** Index of the tenant (multi-tenant fixtures), 0-based. */
  tenantIndex: number;
}

export interface TenantCredentials {
  apiKey: string;
  clientId: string;
  clientSecret: string;
}

const BASE_TIME = Date.parse("2025-01-06T09:00:00.000Z");
const iso = (minutes: number): string => new Date(BASE_TIME + minutes * 60_000).toISOString();

const DEFAULT_ROLES: [string, "admin" | "user", string][] = [
  ["TenantAdmin", "admin", "Full administrator access to the tenant"],
  ["AnalyticsAdmin", "admin", "Manages analytics content and spaces"],
  ["DataAdmin", "admin", "Manages data content and spaces"],
  ["AuditAdmin", "admin", "Reads the audit log"],
  ["Developer", "user", "Creates API keys and uses developer tools"],
  ["Steward", "user", "Manages data governance"],
  ["SharedSpaceCreator", "user", "Creates shared spaces"],
  ["ManagedSpaceCreator", "user", "Creates managed spaces"],
  ["PrivateAnalyticsContentCreator", "user", "Creates private analytics content"],
];

const TINY_PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

class Builder {
  readonly tenant: Tenant;
  readonly rng: Rng;
  private clock = 0;

  constructor(seed: string, index: number, name: string) {
    // The fixture name is part of the seed: a "demo" and an "empty" tenant never share ids,
    // keys or secrets, so a restore into another tenant cannot pass by coincidence.
    this.rng = createRng(`${seed}:${name}:tenant:${index}`);
    const id = this.rng.hex(32);
    const hostname = `${name}${index === 0 ? "" : `-${index + 1}`}.eu.qlikcloud.local`;
    this.tenant = emptyTenant(id, hostname, index === 0 ? name : `${name} ${index + 1}`);
  }

  tick(minutes = 7): string {
    this.clock += minutes;
    return iso(this.clock);
  }

  roles(): void {
    for (const [name, level, description] of DEFAULT_ROLES) {
      const role: Role = {
        id: this.rng.hex(24),
        tenantId: this.tenant.id,
        name,
        description,
        type: "default",
        level,
        assignedScopes: [],
        createdAt: iso(0),
        lastUpdatedAt: iso(0),
      };
      this.tenant.roles[role.id] = role;
    }
  }

  user(name: string, email: string, subject: string, roles: string[], status: User["status"] = "active"): User {
    const t = this.tick(3);
    const user: User = { id: this.rng.hex(24), tenantId: this.tenant.id, subject, name, email, status, createdAt: t, lastUpdatedAt: t, roles, groups: [] };
    this.tenant.users[user.id] = user;
    return user;
  }

  group(name: string, providerType: Group["providerType"], members: User[]): Group {
    const t = this.tick(1);
    const group: Group = { id: this.rng.hex(24), tenantId: this.tenant.id, name, providerType, status: "active", roles: [], createdAt: t, lastUpdatedAt: t };
    this.tenant.groups[group.id] = group;
    for (const m of members) m.groups.push(group.id);
    return group;
  }

  space(name: string, type: Space["type"], owner: User, description = ""): Space {
    const t = this.tick(2);
    const space: Space = { id: this.rng.hex(24), tenantId: this.tenant.id, name, description, type, ownerId: owner.id, createdAt: t, createdBy: owner.id, updatedAt: t };
    this.tenant.spaces[space.id] = space;
    return space;
  }

  assign(space: Space, who: User | Group, roles: string[]): void {
    const t = this.tick(1);
    const a: SpaceAssignment = {
      id: this.rng.hex(24),
      spaceId: space.id,
      tenantId: this.tenant.id,
      type: "subject" in who ? "user" : "group",
      assigneeId: who.id,
      roles,
      createdAt: t,
      createdBy: space.ownerId,
      updatedAt: t,
      updatedBy: space.ownerId,
    };
    this.tenant.assignments[a.id] = a;
  }

  app(name: string, owner: User, space: Space | undefined, opts: { dataModelBytes?: number; description?: string; sectionAccess?: boolean } = {}): App {
    const created = this.tick(11);
    const id = this.rng.guid();
    // Section access (data reduction by user): the script starts with a `Section Access;` block.
    const access = opts.sectionAccess
      ? ["///$tab Section", "Section Access;", "LOAD * INLINE [", "ACCESS, USERID", "ADMIN, INTERNAL\\SA_SCHEDULER", `USER, ${owner.subject}`, "];", "Section Application;", ""]
      : [];
    const script = [
      ...access,
      "///$tab Main",
      "SET ThousandSep=',';",
      "SET DecimalSep='.';",
      "",
      "///$tab Data",
      `// ${name}`,
      "Sales:",
      "LOAD * INLINE [",
      "Region, Product, Amount",
      "North, Widgets, 120",
      "South, Gadgets, 95",
      "];",
    ].join("\n");
    const app: App = {
      id,
      tenantId: this.tenant.id,
      name,
      description: opts.description ?? `${name} — emulator fixture app`,
      ownerId: owner.id,
      spaceId: space?.id,
      createdDate: created,
      modifiedDate: created,
      lastReloadTime: created,
      usage: "ANALYTICS",
      hasSectionAccess: opts.sectionAccess === true,
      script,
      scriptHistory: [
        { scriptId: this.rng.hex(24), script: script.replace(/South, Gadgets, 95\n/, ""), versionMessage: "first version", modifiedTime: created, modifierId: owner.id },
        { scriptId: this.rng.hex(24), script, versionMessage: "added South", modifiedTime: this.tick(1), modifierId: owner.id },
      ].reverse(),
      media: {},
      objects: {},
      // The fields of the script's inline table (what selections and bookmarks select in).
      ...((opts.dataModelBytes ?? 0) > 0 ? { fields: { Region: ["North", "South"], Product: ["Gadgets", "Widgets"], Amount: ["95", "120"] } } : {}),
      dataModelBytes: opts.dataModelBytes ?? 0,
      dataSeed: `${this.tenant.id}:${id}`,
      itemId: this.rng.hex(24),
    };
    this.tenant.apps[id] = app;
    return app;
  }

  objectId(): string {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let s = "";
    for (let i = 0; i < 8; i++) s += alphabet[this.rng.int(alphabet.length)];
    return s;
  }

  object(
    app: App,
    type: string,
    genericType: GenericType,
    owner: User,
    state: "base" | "community" | "private",
    properties: Record<string, unknown>,
    children: AppObject[] = [],
  ): AppObject {
    const id = (properties.qInfo as { qId?: string } | undefined)?.qId ?? this.objectId();
    const t = this.tick(1);
    const obj: AppObject = {
      id,
      type,
      genericType,
      ownerId: owner.id,
      approved: state === "base",
      published: state !== "private",
      publishTime: state !== "private" ? t : undefined,
      createdDate: t,
      modifiedDate: t,
      properties: { ...properties, qInfo: { qId: id, qType: type } },
      children,
    };
    if (obj.publishTime === undefined) delete obj.publishTime;
    return obj;
  }

  chart(owner: User, state: "base" | "community" | "private", visualization: string, title: string): AppObject {
    return this.object({} as App, visualization, "genericObject", owner, state, {
      qMetaDef: {},
      showTitles: true,
      title,
      subtitle: "",
      footnote: "",
      visualization,
      qHyperCubeDef: {
        qDimensions: [{ qDef: { qFieldDefs: ["Region"], qFieldLabels: [""] } }],
        qMeasures: [{ qDef: { qDef: "Sum(Amount)", qLabel: "Amount" } }],
        qInitialDataFetch: [{ qTop: 0, qLeft: 0, qWidth: 2, qHeight: 50 }],
      },
    });
  }

  sheet(app: App, owner: User, state: "base" | "community" | "private", title: string, charts: number): AppObject {
    const vis = ["barchart", "linechart", "kpi", "table", "piechart"];
    const children: AppObject[] = [];
    for (let i = 0; i < charts; i++) children.push(this.chart(owner, state, vis[(i + title.length) % vis.length] ?? "barchart", `${title} chart ${i + 1}`));
    const sheet = this.object(app, "sheet", "genericObject", owner, state, {
      qMetaDef: { title, description: `${title} (${state})` },
      rank: Object.keys(app.objects).length,
      thumbnail: { qStaticContentUrlDef: {} },
      columns: 24,
      rows: 12,
      cells: children.map((c, i) => ({ name: c.id, type: c.type, col: (i % 2) * 12, row: Math.floor(i / 2) * 6, colspan: 12, rowspan: 6 })),
      qChildListDef: { qData: { title: "/title" } },
    }, children);
    app.objects[sheet.id] = sheet;
    return sheet;
  }

  story(app: App, owner: User, state: "base" | "community" | "private", title: string): AppObject {
    const o = this.object(app, "story", "genericObject", owner, state, {
      qMetaDef: { title, description: "" },
      rank: 0,
      thumbnail: { qStaticContentUrlDef: {} },
      qChildListDef: { qData: { title: "/title", rank: "/rank" } },
    });
    app.objects[o.id] = o;
    return o;
  }

  masterObject(app: App, owner: User, title: string): AppObject {
    const o = this.object(app, "masterobject", "genericObject", owner, "base", {
      qMetaDef: { title, description: "", tags: [] },
      visualization: "barchart",
      qHyperCubeDef: { qDimensions: [{ qDef: { qFieldDefs: ["Product"] } }], qMeasures: [{ qDef: { qDef: "Sum(Amount)" } }] },
    });
    app.objects[o.id] = o;
    return o;
  }

  dimension(app: App, owner: User, field: string): AppObject {
    const o = this.object(app, "dimension", "genericDimension", owner, "base", {
      qMetaDef: { title: field, description: `Master dimension ${field}`, tags: [] },
      qDim: { qGrouping: "N", qFieldDefs: [field], qFieldLabels: [field], title: field },
    });
    app.objects[o.id] = o;
    return o;
  }

  measure(app: App, owner: User, label: string, expr: string): AppObject {
    const o = this.object(app, "measure", "genericMeasure", owner, "base", {
      qMetaDef: { title: label, description: `Master measure ${label}`, tags: [] },
      qMeasure: { qLabel: label, qDef: expr, qGrouping: "N", qExpressions: [], qActiveExpression: 0 },
    });
    app.objects[o.id] = o;
    return o;
  }

  variable(app: App, owner: User, name: string, definition: string): AppObject {
    const o = this.object(app, "variable", "genericVariable", owner, "base", {
      qMetaDef: {},
      qName: name,
      qDefinition: definition,
      qComment: "",
    });
    app.objects[o.id] = o;
    return o;
  }

  /**
   * A bookmark (or, with `type: "snapshot"`, a snapshot: bookmark-type, as @qlik/api's
   * getSnapshotList lists them). Its selections are engine state (`AppObject.bookmark`), never
   * properties: `region` selected in the default state, and `product` in the alternate state
   * "Compare" when given.
   */
  bookmark(app: App, owner: User, state: "base" | "community" | "private", title: string, region = "North", product?: string, type = "bookmark"): AppObject {
    const created = this.tick(0);
    const o = this.object(app, type, "genericBookmark", owner, state, {
      qMetaDef: { title, description: "" },
      creationDate: created,
    });
    const item = (name: string, value: string) => ({
      qDef: { qName: name, qType: "PRESENT" },
      qSelectInfo: { qTextSearch: "", qRangeLo: -1e300, qRangeHi: -1e300, qNumberFormat: { qType: "U", qnDec: 0, qUseThou: 0 }, qRangeInfo: [], qSoftLock: false, qContinuousRangeInfo: [] },
      qValues: [{ qText: value, qIsNumeric: false }],
      qExcludedValues: [],
    });
    o.bookmark = {
      qStateData: [{ qStateName: "$", qFieldItems: [item("Region", region)] }, ...(product ? [{ qStateName: "Compare", qFieldItems: [item("Product", product)] }] : [])],
      qUtcModifyTime: Date.parse(created) / 86_400_000 + 25_569,
    };
    app.objects[o.id] = o;
    return o;
  }

  /**
   * The system objects every real app holds (datahub-project/datahub PR #9682: `LoadModel`;
   * API-FACTS §6.2 / the audit: `appprops`): no owner of their own, no qMeta.
   */
  systemObjects(app: App, owner: User): void {
    const load = this.object(app, "LoadModel", "genericObject", owner, "base", { qInfo: { qId: "LoadModel" }, tables: [], schemaVersion: 2.1 });
    app.objects[load.id] = load;
    const props = this.object(app, "appprops", "genericObject", owner, "base", { qMetaDef: {}, sheetTitleBgColor: "#ffffff", sheetTitleColor: "#404040", sheetLogoThumbnail: { qStaticContentUrlDef: {} } });
    app.objects[props.id] = props;
  }

  credentials(admin: User, bot: User): TenantCredentials {
    const apiKey = `emu_${this.rng.hex(48)}`;
    const clientId = this.rng.hex(32);
    const clientSecret = this.rng.hex(64);
    this.tenant.apiKeys[apiKey] = { id: this.rng.hex(24), token: apiKey, userId: admin.id };
    this.tenant.oauthClients[clientId] = { clientId, clientSecret, userId: bot.id, scopes: ["user_default", "admin_classic", "admin.apps"] };
    bot.subject = `qlikbot\\${clientId}`;
    return { apiKey, clientId, clientSecret };
  }

  basics(): { admin: User; bot: User; creds: TenantCredentials } {
    this.roles();
    const admin = this.user("Ada Admin", "ada.admin@example.com", `auth0|${this.rng.hex(24)}`, ["TenantAdmin", "Developer"]);
    const bot = this.user("Lifeboat Backup Bot", "", "qlikbot", ["TenantAdmin"]);
    const creds = this.credentials(admin, bot);
    return { admin, bot, creds };
  }
}

/** Copies the app as Qlik's publish does: new id, base objects only, linked to its origin. */
export function publishedCopy(b: Builder, origin: App, space: Space, publisher: User): App {
  const copy = b.app(origin.name, publisher, space, { dataModelBytes: origin.dataModelBytes, description: origin.description });
  copy.script = origin.script;
  copy.scriptHistory = origin.scriptHistory.map((v) => ({ ...v }));
  copy.media = { ...origin.media };
  copy.originAppId = origin.id;
  copy.publishTime = b.tick(1);
  for (const o of Object.values(origin.objects)) {
    if (o.approved) copy.objects[o.id] = structuredClone({ ...o, ownerId: publisher.id, published: true, publishTime: copy.publishTime });
  }
  return copy;
}

function demoTenant(b: Builder): TenantCredentials {
  const { admin, creds } = b.basics();
  const r = b.rng;
  const sub = (): string => `auth0|${r.hex(24)}`;
  const ben = b.user("Ben Builder", "ben.builder@example.com", sub(), ["Developer", "SharedSpaceCreator", "ManagedSpaceCreator"]);
  const chloe = b.user("Chloe Chen", "chloe.chen@example.com", sub(), ["SharedSpaceCreator"]);
  const dev = b.user("Dev Patel", "dev.patel@example.com", sub(), []);
  const emma = b.user("Emma Evans", "emma.evans@example.com", sub(), ["Developer", "SharedSpaceCreator"]);
  const farid = b.user("Farid Haddad", "farid.haddad@example.com", sub(), []);
  const grace = b.user("Grace Kim", "grace.kim@example.com", sub(), []);
  const hiro = b.user("Hiro Tanaka", "hiro.tanaka@example.com", sub(), []);
  b.user("Ines Invited", "ines.invited@example.com", sub(), [], "invited");
  b.user("Dan Disabled", "dan.disabled@example.com", sub(), [], "disabled");

  const salesGroup = b.group("Sales", "idp", [chloe, dev, grace]);
  const financeGroup = b.group("Finance", "idp", [emma, farid, hiro]);
  b.group("Analysts", "custom", [chloe, farid]);
  salesGroup.roles = [];
  financeGroup.roles = [];

  const salesDev = b.space("Sales Dev", "shared", ben, "Development of sales apps");
  b.assign(salesDev, chloe, ["producer"]);
  b.assign(salesDev, dev, ["consumer"]);
  b.assign(salesDev, admin, ["facilitator"]);
  const financeDev = b.space("Finance Dev", "shared", emma, "Development of finance apps");
  b.assign(financeDev, farid, ["producer"]);
  b.assign(financeDev, admin, ["facilitator"]);
  const sales = b.space("Sales", "managed", admin, "Published sales apps");
  b.assign(sales, ben, ["publisher", "consumer"]);
  b.assign(sales, chloe, ["contributor", "consumer"]);
  b.assign(sales, salesGroup, ["consumer"]);
  b.assign(sales, grace, ["basicconsumer"]);
  const finance = b.space("Finance", "managed", admin, "Published finance apps");
  b.assign(finance, emma, ["publisher", "consumer"]);
  b.assign(finance, farid, ["contributor", "consumer"]);
  b.assign(finance, hiro, ["consumer"]);
  b.space("Landing", "data", admin, "Data integration landing area");

  const KB = 1024;
  const fill = (app: App, owner: User, members: User[], size: "full" | "small"): void => {
    b.systemObjects(app, owner);
    b.sheet(app, owner, "base", "Overview", 3);
    b.sheet(app, owner, "base", "Details", 2);
    if (size === "full") {
      b.story(app, owner, "base", "Quarterly story");
      b.masterObject(app, owner, "Amount by product");
      b.dimension(app, owner, "Region");
      b.dimension(app, owner, "Product");
      b.measure(app, owner, "Total amount", "Sum(Amount)");
      b.measure(app, owner, "Average amount", "Avg(Amount)");
      b.variable(app, owner, "vCurrency", "'EUR'");
      b.variable(app, owner, "vThreshold", "100");
      b.bookmark(app, owner, "base", "North only", "North", "Widgets");
      b.bookmark(app, owner, "base", "Story snapshot", "South", undefined, "snapshot");
    }
    members.forEach((m, i) => {
      b.sheet(app, m, "private", `${m.name.split(" ")[0]}'s private sheet`, 1 + (i % 2));
      b.bookmark(app, m, "private", `${m.name.split(" ")[0]}'s bookmark`, "South");
    });
  };

  const salesOverview = b.app("Sales Overview", ben, salesDev, { dataModelBytes: 512 * KB });
  salesOverview.media["images/logo.png"] = TINY_PNG;
  fill(salesOverview, ben, [chloe], "full");
  b.sheet(salesOverview, chloe, "community", "Chloe's regional view", 2);
  const pipeline = b.app("Pipeline Analysis", chloe, salesDev, { dataModelBytes: 256 * KB });
  fill(pipeline, chloe, [ben], "full");
  const customer = b.app("Customer 360", ben, salesDev, { dataModelBytes: 1024 * KB });
  fill(customer, ben, [], "small");
  const pnl = b.app("P&L", emma, financeDev, { dataModelBytes: 768 * KB, sectionAccess: true });
  pnl.media["images/logo.png"] = TINY_PNG;
  fill(pnl, emma, [farid], "full");
  const budget = b.app("Budget vs Actual", farid, financeDev, { dataModelBytes: 128 * KB });
  fill(budget, farid, [emma], "small");

  const salesPub = publishedCopy(b, salesOverview, sales, ben);
  b.sheet(salesPub, chloe, "community", "Chloe's community sheet", 2);
  b.sheet(salesPub, dev, "private", "Dev's private sheet", 1);
  b.bookmark(salesPub, dev, "private", "Dev's bookmark");
  b.bookmark(salesPub, grace, "private", "Grace's bookmark");
  const pipelinePub = publishedCopy(b, pipeline, sales, ben);
  b.sheet(pipelinePub, dev, "private", "Dev's pipeline notes", 1);
  const pnlPub = publishedCopy(b, pnl, finance, emma);
  b.sheet(pnlPub, farid, "community", "Farid's variance sheet", 2);
  b.sheet(pnlPub, hiro, "private", "Hiro's private sheet", 1);
  b.bookmark(pnlPub, hiro, "private", "Hiro's bookmark");

  const scratch = b.app("Admin Scratchpad", admin, undefined, { dataModelBytes: 64 * KB });
  fill(scratch, admin, [], "small");
  const sandbox = b.app("Ben's Sandbox", ben, undefined);
  fill(sandbox, ben, [], "small");
  const experiments = b.app("Experiments", dev, undefined, { dataModelBytes: 32 * KB });
  fill(experiments, dev, [], "small");
  b.sheet(experiments, dev, "private", "Dev's draft", 1);
  const quick = b.app("Quick Look", hiro, undefined);
  fill(quick, hiro, [], "small");
  return creds;
}

function generatedTenant(b: Builder, opts: FixtureOptions): TenantCredentials {
  const { admin, creds } = b.basics();
  const r = b.rng;
  const userCount = opts.users ?? 10;
  const appCount = opts.apps ?? 20;
  const perApp = opts.objectsPerApp ?? 10;
  const users: User[] = [admin];
  for (let i = 0; i < userCount; i++) {
    const n = String(i + 1).padStart(4, "0");
    users.push(b.user(`User ${n}`, `user${n}@example.com`, `auth0|${r.hex(24)}`, i % 10 === 0 ? ["Developer"] : []));
  }
  const spaceCount = Math.max(1, Math.ceil(appCount / 100));
  const shared: Space[] = [];
  const managed: Space[] = [];
  for (let i = 0; i < spaceCount; i++) {
    const owner = r.pick(users);
    const s = b.space(`Shared ${i + 1}`, "shared", owner);
    const m = b.space(`Managed ${i + 1}`, "managed", admin);
    shared.push(s);
    managed.push(m);
    for (const u of users) {
      if (u.id === owner.id) continue;
      if (r.next() < 0.5) b.assign(s, u, [r.pick(["producer", "consumer", "facilitator"])]);
      if (u.id !== admin.id && r.next() < 0.5) b.assign(m, u, [r.pick(["consumer", "contributor", "publisher"])]);
    }
  }
  const types: [string, GenericType][] = [
    ["sheet", "genericObject"],
    ["sheet", "genericObject"],
    ["bookmark", "genericBookmark"],
    ["measure", "genericMeasure"],
    ["dimension", "genericDimension"],
    ["variable", "genericVariable"],
    ["story", "genericObject"],
  ];
  for (let i = 0; i < appCount; i++) {
    const owner = r.pick(users);
    const roll = r.next();
    const space = roll < 0.6 ? r.pick(shared) : roll < 0.8 ? r.pick(managed) : undefined;
    const app = b.app(`Generated app ${String(i + 1).padStart(4, "0")}`, owner, space, { dataModelBytes: 16 * 1024 * (1 + r.int(8)) });
    if (space?.type === "managed") app.publishTime = app.createdDate;
    b.systemObjects(app, owner);
    for (let j = 0; j < perApp; j++) {
      const [type, genericType] = types[j % types.length] ?? ["sheet", "genericObject"];
      const objOwner = genericType === "genericObject" || genericType === "genericBookmark" ? r.pick(users) : owner;
      const state = objOwner.id === owner.id ? "base" : r.next() < 0.3 ? "community" : "private";
      const title = `${type} ${j + 1}`;
      const props: Record<string, unknown> =
        type === "variable"
          ? { qMetaDef: {}, qName: `v${j + 1}`, qDefinition: String(j), qComment: "" }
          : type === "measure"
            ? { qMetaDef: { title }, qMeasure: { qLabel: title, qDef: `Sum(F${j})` } }
            : type === "dimension"
              ? { qMetaDef: { title }, qDim: { qGrouping: "N", qFieldDefs: [`F${j}`] } }
              : { qMetaDef: { title } };
      // Sheets hold a chart each, as real sheets do (a child: no dates or owner of its own in qMeta).
      const children = type === "sheet" ? [b.chart(objOwner, state, "barchart", `${title} chart`)] : [];
      const o = b.object(app, type, genericType, objOwner, state, props, children);
      if (type === "sheet") o.properties.cells = children.map((c) => ({ name: c.id, type: c.type, col: 0, row: 0, colspan: 12, rowspan: 6 }));
      if (genericType === "genericBookmark") {
        o.bookmark = { qStateData: [{ qStateName: "$", qFieldItems: [{ qDef: { qName: "Region", qType: "PRESENT" }, qValues: [{ qText: j % 2 ? "North" : "South", qIsNumeric: false }], qExcludedValues: [] }] }] };
      }
      app.objects[o.id] = o;
    }
  }
  return creds;
}

/** Builds one tenant of a fixture; deterministic from (seed, tenantIndex, options). */
export function buildTenant(opts: FixtureOptions): { tenant: Tenant; credentials: TenantCredentials } {
  const b = new Builder(opts.seed, opts.tenantIndex, opts.fixture === "generated" ? "generated" : opts.fixture === "empty" ? "empty" : "demo");
  let credentials: TenantCredentials;
  if (opts.fixture === "demo") credentials = demoTenant(b);
  else if (opts.fixture === "generated") credentials = generatedTenant(b, opts);
  else credentials = b.basics().creds;
  return { tenant: b.tenant, credentials };
}

/** The credentials stored in a tenant (first API key and first OAuth client). */
export function tenantCredentials(tenant: Tenant): TenantCredentials {
  const key = Object.values(tenant.apiKeys)[0];
  const client = Object.values(tenant.oauthClients)[0];
  if (!key || !client) throw new Error(`tenant ${tenant.hostname} has no API key or OAuth client`);
  return { apiKey: key.token, clientId: client.clientId, clientSecret: client.clientSecret };
}
