/**
 * Seeded QSEoW site fixtures:
 * - `qseow-demo`: directory ACME with an administrator (RootAdmin, the sandbox's header user)
 *   and four users, one user in directory LEGACY (whose `LEGACY\…` will not match a Cloud
 *   subject), streams Everyone, Sales and Finance, tags and a custom property, five apps —
 *   four published in streams (base, community and private sheets, bookmarks and stories of
 *   several users, master items, variables) and one in no stream.
 * - `qseow-generated`: N apps × M objects × K users in one stream per 50 apps (a fifth of the
 *   apps in no stream), random owners and private/community/base states.
 * Deterministic from (seed, index).
 */
import type { App, AppObject, GenericType } from "../model.ts";
import { createRng, type Rng } from "../internal/rng.ts";
import { emptySite, type QrsCustomPropertyValue, type QrsStream, type QrsUser, type Site, type SiteApp } from "./model.ts";

export type SiteFixtureName = "qseow-demo" | "qseow-generated";
export const SITE_FIXTURES: readonly SiteFixtureName[] = ["qseow-demo", "qseow-generated"];

export function isSiteFixture(name: string): name is SiteFixtureName {
  return (SITE_FIXTURES as readonly string[]).includes(name);
}

export interface SiteFixtureOptions {
  fixture: SiteFixtureName;
  seed: string;
  /** qseow-generated: apps (default 20), objects per app (default 10), users besides the admin (default 10). */
  apps?: number;
  objectsPerApp?: number;
  users?: number;
  index: number;
}

/** The header virtual proxy every fixture site has. */
export const HEADER_PROXY = { prefix: "hdr", headerName: "hdr-usr" } as const;

const BASE_TIME = Date.parse("2024-03-04T08:00:00.000Z");
type State = "base" | "community" | "private";

class SiteBuilder {
  readonly site: Site;
  readonly rng: Rng;
  private minutes = 0;

  constructor(seed: string, index: number, fixture: SiteFixtureName) {
    this.rng = createRng(`${seed}:${fixture}:site:${index}`);
    const hostname = `${fixture}${index === 0 ? "" : `-${index + 1}`}.acme.local`;
    this.site = emptySite(this.rng.guid(), hostname, fixture, this.rng.guid());
    this.site.virtualProxies.push({ ...HEADER_PROXY });
  }

  tick(minutes = 5): string {
    this.minutes += minutes;
    return new Date(BASE_TIME + this.minutes * 60_000).toISOString();
  }

  user(directory: string, userId: string, name: string, roles: string[] = []): QrsUser {
    const t = this.tick(1);
    const u: QrsUser = {
      id: this.rng.guid(),
      userId,
      userDirectory: directory,
      name,
      roles,
      email: `${userId}@${directory.toLowerCase()}.example.com`,
      inactive: false,
      removedExternally: false,
      blacklisted: false,
      createdDate: t,
      modifiedDate: t,
      tagIds: [],
      customProperties: [],
    };
    this.site.users[u.id] = u;
    return u;
  }

  tag(name: string): string {
    const t = this.tick(1);
    const id = this.rng.guid();
    this.site.tags[id] = { id, name, createdDate: t, modifiedDate: t };
    return id;
  }

  property(name: string, choiceValues: string[], objectTypes: string[]): string {
    const t = this.tick(1);
    const id = this.rng.guid();
    this.site.customPropertyDefinitions[id] = { id, name, valueType: "Text", choiceValues, objectTypes, description: `${name} the resource belongs to`, createdDate: t, modifiedDate: t };
    return id;
  }

  value(definitionId: string, value: string): QrsCustomPropertyValue {
    const t = this.tick(0);
    return { id: this.rng.guid(), definitionId, value, createdDate: t, modifiedDate: t };
  }

  stream(name: string, owner: QrsUser, tagIds: string[] = [], customProperties: QrsCustomPropertyValue[] = []): QrsStream {
    const t = this.tick(2);
    const s: QrsStream = { id: this.rng.guid(), name, ownerId: owner.id, createdDate: t, modifiedDate: t, tagIds, customProperties };
    this.site.streams[s.id] = s;
    return s;
  }

  app(name: string, owner: QrsUser, stream: QrsStream | undefined, dataModelBytes: number): SiteApp {
    const created = this.tick(13);
    const id = this.rng.guid();
    const script = ["///$tab Main", "SET ThousandSep=',';", "SET DecimalSep='.';", "", "///$tab Data", `// ${name}`, "Sales:", "LOAD * INLINE [", "Region, Product, Amount", "North, Widgets, 120", "South, Gadgets, 95", "];"].join("\n");
    const app: App = {
      id,
      tenantId: this.site.id,
      name,
      description: `${name} — QSEoW emulator fixture app`,
      ownerId: owner.id,
      createdDate: created,
      modifiedDate: created,
      lastReloadTime: created,
      usage: "ANALYTICS",
      hasSectionAccess: false,
      script,
      // Client-managed keeps no script history; the export carries the current script only.
      scriptHistory: [{ scriptId: this.rng.hex(24), script, versionMessage: "", modifiedTime: created, modifierId: owner.id }],
      media: {},
      objects: {},
      dataModelBytes,
      dataSeed: `${this.site.id}:${id}`,
      itemId: "",
    };
    const siteApp: SiteApp = {
      app,
      published: stream !== undefined,
      tagIds: [],
      customProperties: [],
      savedInProductVersion: "12.1477.3",
      objectRepoIds: {},
    };
    if (stream) {
      siteApp.streamId = stream.id;
      siteApp.publishTime = this.tick(1);
    }
    this.site.apps[id] = siteApp;
    return siteApp;
  }

  objectId(): string {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let s = "";
    for (let i = 0; i < 8; i++) s += alphabet[this.rng.int(alphabet.length)];
    return s;
  }

  private make(type: string, genericType: GenericType, owner: QrsUser, state: State, properties: Record<string, unknown>, children: AppObject[] = []): AppObject {
    const id = this.objectId();
    const t = this.tick(1);
    const o: AppObject = {
      id,
      type,
      genericType,
      ownerId: owner.id,
      approved: state === "base",
      published: state !== "private",
      createdDate: t,
      modifiedDate: t,
      properties: { ...properties, qInfo: { qId: id, qType: type } },
      children,
    };
    if (state !== "private") o.publishTime = t;
    return o;
  }

  /** A top-level object: stored in the app and given a repository row. */
  private add(a: SiteApp, o: AppObject, listed = true): AppObject {
    a.app.objects[o.id] = o;
    if (listed) a.objectRepoIds[o.id] = this.rng.guid();
    return o;
  }

  sheet(a: SiteApp, owner: QrsUser, state: State, title: string, charts: number): AppObject {
    const vis = ["barchart", "linechart", "kpi", "table", "piechart"];
    const children = Array.from({ length: charts }, (_, i) => {
      const visualization = vis[(i + title.length) % vis.length] ?? "barchart";
      return this.make(visualization, "genericObject", owner, state, {
        qMetaDef: {},
        title: `${title} chart ${i + 1}`,
        visualization,
        qHyperCubeDef: { qDimensions: [{ qDef: { qFieldDefs: ["Region"] } }], qMeasures: [{ qDef: { qDef: "Sum(Amount)", qLabel: "Amount" } }] },
      });
    });
    return this.add(
      a,
      this.make("sheet", "genericObject", owner, state, {
        qMetaDef: { title, description: `${title} (${state})` },
        rank: Object.keys(a.app.objects).length,
        columns: 24,
        rows: 12,
        cells: children.map((c, i) => ({ name: c.id, type: c.type, col: (i % 2) * 12, row: Math.floor(i / 2) * 6, colspan: 12, rowspan: 6 })),
        qChildListDef: { qData: { title: "/title" } },
      }, children),
    );
  }

  story(a: SiteApp, owner: QrsUser, state: State, title: string): AppObject {
    return this.add(a, this.make("story", "genericObject", owner, state, { qMetaDef: { title, description: "" }, rank: 0, qChildListDef: { qData: { title: "/title", rank: "/rank" } } }));
  }

  bookmark(a: SiteApp, owner: QrsUser, state: State, title: string): AppObject {
    return this.add(
      a,
      this.make("bookmark", "genericBookmark", owner, state, {
        qMetaDef: { title, description: "" },
        creationDate: this.tick(0),
        qBookmark: { qStateData: [{ qStateName: "$", qFieldItems: [{ qDef: { qName: "Region", qType: "PRESENT" }, qSelectInfo: { qTextSearch: "", qNumberFormat: {} }, qValues: [], qExcludedValues: [] }] }] },
      }),
    );
  }

  masterItems(a: SiteApp, owner: QrsUser, state: State): void {
    this.add(a, this.make("masterobject", "genericObject", owner, state, { qMetaDef: { title: "Amount by product", description: "", tags: [] }, visualization: "barchart" }));
    this.add(a, this.make("dimension", "genericDimension", owner, state, { qMetaDef: { title: "Region", description: "Master dimension Region", tags: [] }, qDim: { qGrouping: "N", qFieldDefs: ["Region"], qFieldLabels: ["Region"], title: "Region" } }));
    this.add(a, this.make("measure", "genericMeasure", owner, state, { qMetaDef: { title: "Total amount", description: "Master measure", tags: [] }, qMeasure: { qLabel: "Total amount", qDef: "Sum(Amount)", qGrouping: "N", qExpressions: [], qActiveExpression: 0 } }));
    // Variables live in the app only: QRS has no repository row for them.
    this.add(a, this.make("variable", "genericVariable", owner, state, { qMetaDef: {}, qName: "vCurrency", qDefinition: "'EUR'", qComment: "" }), false);
  }
}

function demoSite(b: SiteBuilder): void {
  const admin = b.user("ACME", "qadmin", "Quinn Admin", ["RootAdmin"]);
  b.site.adminUserId = admin.id;
  const john = b.user("ACME", "johnsmith", "John Smith");
  const maria = b.user("ACME", "mgarcia", "Maria Garcia");
  const li = b.user("ACME", "liwei", "Li Wei");
  const olga = b.user("ACME", "opetrova", "Olga Petrova", ["ContentAdmin"]);
  const tomasz = b.user("LEGACY", "tkowalski", "Tomasz Kowalski");

  const certified = b.tag("Certified");
  const salesTag = b.tag("Sales");
  b.tag("Finance");
  const dept = b.property("Department", ["Sales", "Finance", "IT"], ["App", "Stream", "User"]);
  john.customProperties.push(b.value(dept, "Sales"));
  olga.customProperties.push(b.value(dept, "Finance"));
  tomasz.tagIds.push(certified);

  const everyone = b.stream("Everyone", admin);
  const sales = b.stream("Sales", admin, [salesTag], [b.value(dept, "Sales")]);
  const finance = b.stream("Finance", admin, [], [b.value(dept, "Finance")]);

  const KB = 1024;
  const dash = b.app("Sales Dashboard", john, sales, 256 * KB);
  dash.tagIds.push(certified, salesTag);
  dash.customProperties.push(b.value(dept, "Sales"));
  dash.app.media["images/logo.png"] = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
  b.sheet(dash, john, "base", "Overview", 3);
  b.sheet(dash, john, "base", "Details", 2);
  b.story(dash, john, "base", "Quarterly story");
  b.masterItems(dash, john, "base");
  b.bookmark(dash, john, "base", "North only");
  b.sheet(dash, maria, "community", "Maria's regional view", 2);
  b.sheet(dash, maria, "private", "Maria's private sheet", 1);
  b.story(dash, maria, "private", "Maria's draft story");
  b.sheet(dash, li, "private", "Li's private sheet", 2);
  b.bookmark(dash, li, "private", "Li's bookmark");
  b.bookmark(dash, maria, "community", "Maria's shared bookmark");

  const report = b.app("Finance Report", olga, finance, 128 * KB);
  report.customProperties.push(b.value(dept, "Finance"));
  b.sheet(report, olga, "base", "P&L", 2);
  b.sheet(report, olga, "base", "Balance", 1);
  b.masterItems(report, olga, "base");
  b.sheet(report, tomasz, "community", "Tomasz's variance sheet", 1);
  b.sheet(report, john, "private", "John's private sheet", 1);
  b.bookmark(report, olga, "private", "Olga's bookmark");

  const kpis = b.app("Company KPIs", admin, everyone, 64 * KB);
  b.sheet(kpis, admin, "base", "KPIs", 2);
  b.sheet(kpis, li, "private", "Li's KPI notes", 1);
  b.story(kpis, li, "community", "Li's KPI story");

  const forecast = b.app("Legacy Forecast", tomasz, finance, 32 * KB);
  b.sheet(forecast, tomasz, "base", "Forecast", 1);
  b.bookmark(forecast, olga, "private", "Olga's forecast bookmark");

  // In no stream: a work app, everything in it its owner's and unpublished.
  const work = b.app("Work in Progress", maria, undefined, 16 * KB);
  b.sheet(work, maria, "private", "Draft sheet", 1);
  b.bookmark(work, maria, "private", "Draft bookmark");
}

function generatedSite(b: SiteBuilder, opts: SiteFixtureOptions): void {
  const r = b.rng;
  const admin = b.user("ACME", "qadmin", "Quinn Admin", ["RootAdmin"]);
  b.site.adminUserId = admin.id;
  const users: QrsUser[] = [admin];
  for (let i = 0; i < (opts.users ?? 10); i++) {
    const n = String(i + 1).padStart(4, "0");
    users.push(b.user(i % 10 === 9 ? "LEGACY" : "ACME", `user${n}`, `User ${n}`));
  }
  const appCount = opts.apps ?? 20;
  const perApp = opts.objectsPerApp ?? 10;
  const streams = Array.from({ length: Math.max(1, Math.ceil(appCount / 50)) }, (_, i) => b.stream(`Stream ${i + 1}`, admin));
  const kinds: [string, GenericType][] = [
    ["sheet", "genericObject"],
    ["sheet", "genericObject"],
    ["bookmark", "genericBookmark"],
    ["story", "genericObject"],
  ];
  for (let i = 0; i < appCount; i++) {
    const owner = r.pick(users);
    const stream = r.next() < 0.8 ? r.pick(streams) : undefined;
    const a = b.app(`Generated app ${String(i + 1).padStart(4, "0")}`, owner, stream, 16 * 1024 * (1 + r.int(4)));
    for (let j = 0; j < perApp; j++) {
      const [kind] = kinds[j % kinds.length] ?? ["sheet"];
      const objOwner = r.pick(users);
      const state: State = !stream ? "private" : objOwner.id === owner.id ? "base" : r.next() < 0.3 ? "community" : "private";
      const title = `${kind} ${j + 1}`;
      if (kind === "sheet") b.sheet(a, objOwner, state, title, 0);
      else if (kind === "bookmark") b.bookmark(a, objOwner, state, title);
      else b.story(a, objOwner, state, title);
    }
  }
}

/** Builds one site of a fixture; deterministic from (seed, index, options). */
export function buildSite(opts: SiteFixtureOptions): Site {
  const b = new SiteBuilder(opts.seed, opts.index, opts.fixture);
  if (opts.fixture === "qseow-demo") demoSite(b);
  else generatedSite(b, opts);
  return b.site;
}
