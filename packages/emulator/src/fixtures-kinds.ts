/**
 * Fixture content of the issue-12 kinds (data connections, data credentials, reload tasks,
 * webhooks, web integrations, CSP origins, OAuth clients, the API-key configuration, automations, automation connections), added after a fixture's apps, spaces and people exist.
 *
 * Every secret the demo fixture plants has a recognisable value starting `SECRET-demo-` (and
 * the generated fixture's `SECRET-gen-`), listed in `DEMO_SECRETS`, so a test can search
 * every stored byte of a backup for them.
 */
import type { App, Space, Tenant, User } from "./model.ts";
import type { Rng } from "./internal/rng.ts";
import { createHash } from "node:crypto";
import { writeZip } from "./internal/zip.ts";
import { kindsOf, type AlertCondition, type Automation, type AutomationConnection, type CspOrigin, type DataAlert, type DataConnection, type DataCredential, type IdentityProvider, type ManagedOAuthClient, type ReloadTask, type ReportTemplate, type SharingTask, type Webhook, type WebIntegration } from "./kinds.ts";
import { demoLookKinds, generatedLookKinds } from "./fixtures-look.ts";

export interface KindsBuilder {
  tenant: Tenant;
  rng: Rng;
  /** Advances the fixture clock and returns its ISO time. */
  tick(minutes?: number): string;
}

/** Counts of the generated fixture (defaults scale with the number of apps). */
export interface KindCounts {
  connections?: number;
  automations?: number;
  automationConnections?: number;
  reloadTasks?: number;
  webhooks?: number;
  /** Sharing tasks (subscriptions), report templates, data alerts and tags (public collections). */
  sharingTasks?: number;
  reportTemplates?: number;
  dataAlerts?: number;
  tags?: number;
  /** Web integrations (default 2), CSP origins (default 3), OAuth clients (default 2). */
  webIntegrations?: number;
  cspOrigins?: number;
  oauthClients?: number;
  /** Custom roles (identity and settings; default 3). */
  customRoles?: number;
  brands?: number;
  glossaries?: number;
}

const byName = <T extends { name: string }>(items: Record<string, T>, name: string): T => {
  const found = Object.values(items).find((x) => x.name === name);
  if (!found) throw new Error(`fixture: no "${name}"`);
  return found;
};

function connection(b: KindsBuilder, f: Partial<DataConnection> & Pick<DataConnection, "name" | "type" | "connectStatement" | "datasourceID" | "ownerId">): DataConnection {
  const t = b.tick(2);
  const conn: DataConnection = { id: b.rng.guid(), logOn: 0, architecture: 0, separateCredentials: false, tags: [], created: t, updated: t, ...f };
  kindsOf(b.tenant).dataConnections[conn.id] = conn;
  return conn;
}

function credential(b: KindsBuilder, f: Pick<DataCredential, "name" | "type" | "datasourceID" | "ownerId" | "username" | "password">): DataCredential {
  const t = b.tick(1);
  const cred: DataCredential = { id: b.rng.guid(), created: t, updated: t, ...f };
  kindsOf(b.tenant).dataCredentials[cred.id] = cred;
  return cred;
}

function reloadTask(b: KindsBuilder, app: App, owner: User, f: Partial<ReloadTask> & Pick<ReloadTask, "timeZone" | "recurrence">): ReloadTask {
  const t = b.tick(3);
  const task: ReloadTask = {
    id: b.rng.hex(24),
    appId: app.id,
    userId: owner.id,
    spaceId: app.spaceId,
    partial: false,
    autoReload: false,
    autoReloadPartial: false,
    state: "Enabled",
    startDateTime: t,
    createdAt: t,
    updatedAt: t,
    ...f,
  };
  kindsOf(b.tenant).reloadTasks[task.id] = task;
  return task;
}

function webhook(b: KindsBuilder, owner: User, f: Partial<Webhook> & Pick<Webhook, "name" | "url" | "eventTypes" | "level">): Webhook {
  const t = b.tick(2);
  const h: Webhook = {
    id: b.rng.guid(),
    description: "",
    enabled: true,
    headers: {},
    encryptedHeaders: {},
    checkCertificateRevocation: false,
    enableCloudEventDelivery: false,
    ownerId: owner.id,
    origin: "api",
    createdByUserId: owner.id,
    updatedByUserId: owner.id,
    createdAt: t,
    updatedAt: t,
    ...f,
  };
  kindsOf(b.tenant).webhooks[h.id] = h;
  return h;
}

function webIntegration(b: KindsBuilder, creator: User, name: string, validOrigins: string[]): WebIntegration {
  const t = b.tick(2);
  const wi: WebIntegration = { id: b.rng.hex(22), name, validOrigins, created: t, createdBy: creator.id, lastUpdated: t };
  kindsOf(b.tenant).webIntegrations[wi.id] = wi;
  return wi;
}

const CSP_OFF: CspOrigin["directives"] = { childSrc: false, connectSrc: false, connectSrcWSS: false, fontSrc: false, formAction: false, frameAncestors: false, frameSrc: false, imgSrc: false, mediaSrc: false, objectSrc: false, scriptSrc: false, styleSrc: false, workerSrc: false };

function cspOrigin(b: KindsBuilder, name: string, origin: string, on: Partial<CspOrigin["directives"]>, description = ""): CspOrigin {
  const t = b.tick(1);
  const e: CspOrigin = { id: b.rng.hex(24), name, origin, description, directives: { ...CSP_OFF, ...on }, createdDate: t, modifiedDate: t };
  kindsOf(b.tenant).cspOrigins[e.id] = e;
  return e;
}

/** An OAuth client's management record; `secrets` are planted values (hint: the last 4 characters). */
function oauthClient(b: KindsBuilder, owner: User, f: Partial<ManagedOAuthClient> & Pick<ManagedOAuthClient, "clientName" | "appType">, secrets: string[] = []): ManagedOAuthClient {
  const t = b.tick(2);
  const x: ManagedOAuthClient = {
    clientId: b.rng.hex(32),
    redirectUris: [],
    allowedOrigins: [],
    allowedScopes: ["user_default"],
    allowedGrantTypes: [],
    allowedAuthMethods: f.appType === "web" ? ["client_secret"] : [],
    ownerId: owner.id,
    secrets: secrets.map((secret) => ({ hint: secret.slice(-4), secret, createdAt: t, createdBy: owner.id })),
    createdAt: t,
    updatedAt: t,
    ...f,
  };
  kindsOf(b.tenant).oauthClients[x.clientId] = x;
  return x;
}

function automationConnection(b: KindsBuilder, owner: User, f: Partial<AutomationConnection> & Pick<AutomationConnection, "name" | "connectorId">, params: [string, string, boolean][]): AutomationConnection {
  const t = b.tick(2);
  const x: AutomationConnection = {
    id: b.rng.guid(),
    ownerId: owner.id,
    params: params.map(([name, value, secret]) => ({ id: b.rng.guid(), name, value, fieldType: secret ? "password" : "string", isOptional: false })),
    isConnected: true,
    createdAt: t,
    updatedAt: t,
    ...f,
  };
  kindsOf(b.tenant).automationConnections[x.id] = x;
  return x;
}

/** A small editor workspace: a start block (run mode) and one block per connection it uses. */
function workspaceOf(runMode: Automation["runMode"], connections: AutomationConnection[]): Record<string, unknown> {
  return {
    blocks: [
      { id: "start", type: "StartBlock", runMode, x: 0, y: 0 },
      ...connections.map((x, i) => ({ id: `b${i + 1}`, type: "EndpointBlock", connectorId: x.connectorId, connectionId: x.id, x: 0, y: 120 * (i + 1) })),
    ],
    variables: [],
  };
}

function automation(b: KindsBuilder, owner: User, f: Partial<Automation> & Pick<Automation, "name" | "runMode">, uses: AutomationConnection[] = []): Automation {
  const t = b.tick(4);
  const a: Automation = {
    id: b.rng.guid(),
    description: "",
    workspace: workspaceOf(f.runMode, uses),
    schedules: [],
    state: "available",
    maxConcurrentRuns: 1,
    ownerId: owner.id,
    connectorIds: [...new Set(uses.map((x) => x.connectorId))],
    executionToken: b.rng.hex(40),
    lastRunStatus: "finished",
    lastRunAt: t,
    createdAt: t,
    updatedAt: t,
    ...f,
  };
  kindsOf(b.tenant).automations[a.id] = a;
  return a;
}

/**
 * A report template's file as the Qlik add-in writes one: an Office Open XML package whose
 * `docProps/custom.xml` names the source app (`QlikSourceAppId`, read by the emulator's
 * `sourceAppAction` check).
 */
export function templateFile(sourceAppId: string, sheet: string): Buffer {
  return writeZip([
    { name: "[Content_Types].xml", data: '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>' },
    { name: "xl/workbook.xml", data: `<?xml version="1.0" encoding="UTF-8"?><workbook><sheets><sheet name="${sheet}" sheetId="1"/></sheets></workbook>` },
    {
      name: "docProps/custom.xml",
      data: `<?xml version="1.0" encoding="UTF-8"?><Properties xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="QlikSourceAppId"><vt:lpwstr>${sourceAppId}</vt:lpwstr></property></Properties>`,
    },
  ]);
}

function sharingTask(b: KindsBuilder, app: App, owner: User, f: Partial<SharingTask> & Pick<SharingTask, "name" | "type" | "templates">): SharingTask {
  const t = b.tick(2);
  const x: SharingTask = {
    id: b.rng.hex(24),
    description: "",
    appId: app.id,
    spaceId: app.spaceId,
    state: { selections: [] },
    recipients: { userIds: [], groupIds: [], emailAddresses: [] },
    transportChannels: ["email"],
    tags: [],
    enabledByUser: true,
    ownerId: owner.id,
    createdBy: owner.id,
    updatedBy: owner.id,
    dateCreated: t,
    lastUpdated: t,
    ...f,
  };
  kindsOf(b.tenant).sharingTasks[x.id] = x;
  return x;
}

function reportTemplate(b: KindsBuilder, app: App, owner: User, name: string, description = ""): ReportTemplate {
  const t = b.tick(2);
  const x: ReportTemplate = { id: b.rng.guid(), name, description, type: "excel", sourceAppId: app.id, ownerId: owner.id, createdBy: owner.id, updatedBy: owner.id, file: templateFile(app.id, name).toString("base64"), createdAt: t, updatedAt: t };
  kindsOf(b.tenant).reportTemplates[x.id] = x;
  return x;
}

/** A data alert and the data condition it evaluates (on the same app, by the same owner). */
function dataAlert(b: KindsBuilder, app: App, owner: User, f: Partial<DataAlert> & Pick<DataAlert, "name" | "triggerType">, measure: string): DataAlert {
  const t = b.tick(2);
  const cond: AlertCondition = {
    id: b.rng.guid(),
    type: "data",
    appId: app.id,
    body: { conditionBase: { appId: app.id, description: `${f.name} condition` }, conditionData: { type: "measure", operator: ">", value: 0 }, measures: [{ title: measure, qLibraryId: "" }], dimensions: [], headers: [measure] },
    ownerId: owner.id,
    created: t,
    updated: t,
  };
  kindsOf(b.tenant).conditions[cond.id] = cond;
  const x: DataAlert = { id: b.rng.guid(), description: "", appId: app.id, conditionId: cond.id, recipients: { userIds: [{ value: owner.id, enabled: true }], groupIds: [] }, enabled: true, ownerId: owner.id, dateCreated: t, lastUpdated: t, ...f };
  kindsOf(b.tenant).dataAlerts[x.id] = x;
  return x;
}

const snowflake = (db: string): string => `CUSTOM CONNECT TO "provider=QvOdbcConnectorPackage.exe;driver=snowflake;server=acme.eu-west-1.snowflakecomputing.com;database=${db};warehouse=ANALYTICS;"`;
const rest = (url: string): string => `CUSTOM CONNECT TO "provider=QvRestConnector.exe;url=${url};timeout=30;method=GET;httpProtocol=1.1;isKeepAlive=true;bodyEncoding=UTF-8;sendExpect100Continue=true;autoDetectResponseType=true;checkResponseTypeOnTestConnection=true;keyGenerator=GenericRestConnector;"`;

/** The demo fixture's connections, credential, reload tasks and webhooks (in several spaces, by several owners). */
export function demoKinds(b: KindsBuilder): void {
  const t = b.tenant;
  const user = (name: string): User => byName(t.users, name);
  const space = (name: string): Space => byName(t.spaces, name);
  const app = (name: string): App => {
    const found = Object.values(t.apps).find((a) => a.name === name && !a.originAppId);
    if (!found) throw new Error(`fixture: no app "${name}"`);
    return found;
  };
  const [admin, ben, chloe, emma, farid] = ["Ada Admin", "Ben Builder", "Chloe Chen", "Emma Evans", "Farid Haddad"].map(user) as [User, User, User, User, User];

  connection(b, { name: "Sales DB", type: "QvOdbcConnectorPackage.exe", datasourceID: "snowflake", connectStatement: snowflake("SALES"), spaceId: space("Sales Dev").id, ownerId: ben.id, username: "svc_sales", password: "SECRET-demo-conn-1", tags: ["sales", "snowflake"] });
  connection(b, { name: "CRM REST", type: "QvRestConnector.exe", datasourceID: "rest", connectStatement: rest("https://crm.example.com/api/v2/accounts"), spaceId: space("Sales Dev").id, ownerId: chloe.id, connectionSecret: "SECRET-demo-conn-2" });
  const emmaLogin = credential(b, { name: "Emma's warehouse login", type: "QvOdbcConnectorPackage.exe", datasourceID: "snowflake", ownerId: emma.id, username: "emma.evans", password: "SECRET-demo-cred-1" });
  connection(b, { name: "Finance Warehouse", type: "QvOdbcConnectorPackage.exe", datasourceID: "snowflake", connectStatement: snowflake("FINANCE"), spaceId: space("Finance Dev").id, ownerId: emma.id, separateCredentials: true, logOn: 1, credentialsId: emmaLogin.id, tags: ["finance"] });
  connection(b, { name: "Ledger Files", type: "QvOdbcConnectorPackage.exe", datasourceID: "postgresql", connectStatement: `CUSTOM CONNECT TO "provider=QvOdbcConnectorPackage.exe;driver=postgres;host=ledger.example.com;port=5432;db=ledger;"`, spaceId: space("Finance").id, ownerId: admin.id, username: "ledger_reader", password: "SECRET-demo-conn-3" });
  connection(b, { name: "Ben's scratch DB", type: "QvOdbcConnectorPackage.exe", datasourceID: "postgresql", connectStatement: `CUSTOM CONNECT TO "provider=QvOdbcConnectorPackage.exe;driver=postgres;host=localhost;port=5432;db=scratch;"`, ownerId: ben.id, username: "ben", password: "SECRET-demo-conn-4" });

  reloadTask(b, app("Sales Overview"), ben, { timeZone: "Europe/Stockholm", recurrence: ["RRULE:FREQ=DAILY;INTERVAL=1;BYHOUR=6;BYMINUTE=0;BYSECOND=0"] });
  reloadTask(b, app("Pipeline Analysis"), chloe, { timeZone: "UTC", partial: true, recurrence: ["RRULE:FREQ=HOURLY;INTERVAL=4;BYMINUTE=15;BYSECOND=0"] });
  reloadTask(b, app("P&L"), emma, { timeZone: "America/New_York", recurrence: ["RRULE:FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=5;BYMINUTE=30;BYSECOND=0"], autoReload: true });
  reloadTask(b, app("Budget vs Actual"), farid, { timeZone: "Asia/Tokyo", recurrence: ["RRULE:FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=2;BYMINUTE=0;BYSECOND=0"], state: "Disabled", disabledCode: "MANUALLY" });

  webhook(b, admin, {
    name: "Reload alerts",
    description: "Posts failed reloads to the operations channel",
    url: "https://hooks.example.com/qlik/reloads",
    eventTypes: ["com.qlik.v1.app.reload.finished"],
    filter: 'data.status eq "error"',
    level: "tenant",
    headers: { "X-Team": "operations" },
    encryptedHeaders: { "X-Api-Token": "SECRET-demo-webhook-header-1" },
    secret: "SECRET-demo-webhook-1-0123456789abcdef",
  });
  webIntegration(b, admin, "Customer portal", ["https://portal.example.com", "https://www.example.com"]);
  webIntegration(b, admin, "Intranet mashup", ["https://intranet.example.com"]);
  cspOrigin(b, "Portal embedding", "portal.example.com", { frameAncestors: true });
  cspOrigin(b, "Map tiles", "*.tiles.example.net", { imgSrc: true, connectSrc: true });
  cspOrigin(b, "Fonts", "https://fonts.example.org", { fontSrc: true, styleSrc: true });
  const sfConn = automationConnection(b, ben, { name: "Snowflake (Ben)", connectorId: "61a87510-c7a3-11ea-95da-0fb0c241e75c", spaceId: space("Sales Dev").id }, [
    ["account", "acme.eu-west-1", false],
    ["username", "svc_automation", false],
    ["password", "SECRET-demo-autoconn-1", true],
  ]);
  const slack = automationConnection(b, chloe, { name: "Slack (Chloe)", connectorId: "c7e48240-e0f2-11ea-a3f1-9d8b7a0c3a41", oauthAccountName: "chloe.chen@example.com" }, []);
  const mail = automationConnection(b, emma, { name: "SMTP (Emma)", connectorId: "5b3f2a10-0c1d-11eb-9a0e-7f3c2b1a0d9e" }, [
    ["host", "smtp.example.com", false],
    ["apiKey", "SECRET-demo-autoconn-2", true],
  ]);
  automation(b, ben, { name: "Nightly sales refresh", description: "Reloads Sales Overview after the warehouse load", runMode: "scheduled", spaceId: space("Sales Dev").id, schedules: [{ id: b.rng.guid(), startAt: "2025-01-07T02:00:00.000Z", interval: 86400, recurrence: "RRULE:FREQ=DAILY;BYHOUR=2;BYMINUTE=0", timezone: "Europe/Stockholm" }] }, [sfConn]);
  automation(b, chloe, { name: "Pipeline to Slack", runMode: "triggered" }, [slack]);
  automation(b, emma, { name: "Month-end mail", runMode: "manual", state: "disabled", maxConcurrentRuns: 2 }, [mail]);
  automation(b, admin, { name: "Audit webhook relay", runMode: "webhook", lastRunStatus: "failed" });

  const archiveItem = (kind: "themes" | "extensions", name: string, qext: string, files: { name: string; data: string }[], model: Record<string, unknown>): void => {
    const tc = b.tick(3);
    const zip = writeZip(files);
    kindsOf(t)[kind][`${b.rng.hex(24)}`] = {
      id: "",
      name,
      qextFilename: qext,
      model,
      tags: [],
      dependencies: {},
      supernova: false,
      archive: zip.toString("base64"),
      checksum: createHash("sha256").update(zip).digest("hex"),
      userId: admin.id,
      createdAt: tc,
      updatedAt: tc,
    };
  };
  archiveItem("themes", "Acme corporate", "acme-theme", [
    { name: "acme-theme.qext", data: JSON.stringify({ name: "Acme corporate", type: "theme", version: "1.2.0", author: "Acme BI team" }) },
    { name: "theme.json", data: JSON.stringify({ _inherit: true, color: "#1d3557", palettes: { data: [{ name: "Acme", scale: ["#1d3557", "#457b9d", "#a8dadc"] }] } }) },
  ], { type: "theme", version: "1.2.0", author: "Acme BI team" });
  archiveItem("extensions", "Sankey chart", "sankey-chart", [
    { name: "sankey-chart/sankey-chart.qext", data: JSON.stringify({ name: "Sankey chart", type: "visualization", version: "2.0.1", author: "Example Labs" }) },
    { name: "sankey-chart/sankey-chart.js", data: "define([], function () { return { paint: function () {} }; });" },
  ], { type: "visualization", version: "2.0.1", author: "Example Labs" });
  archiveItem("extensions", "KPI tiles", "kpi-tiles", [
    { name: "kpi-tiles.qext", data: JSON.stringify({ name: "KPI tiles", type: "visualization", version: "0.9.0" }) },
    { name: "kpi-tiles.js", data: "define([], function () { return {}; });" },
    { name: "kpi-tiles.css", data: ".kpi { font-weight: bold; }" },
  ], { type: "visualization", version: "0.9.0" });
  for (const kind of ["themes", "extensions"] as const) for (const [id, x] of Object.entries(kindsOf(t)[kind])) x.id = id;

  const collection = (name: string, type: "private" | "public" | "publicgoverned", creator: User, apps: App[], description = ""): void => {
    const tc = b.tick(2);
    const id = b.rng.hex(24);
    kindsOf(t).collections[id] = { id, name, description, type, creatorId: creator.id, updaterId: creator.id, itemIds: apps.map((a) => a.itemId), createdAt: tc, updatedAt: tc };
  };
  const published = (name: string): App => Object.values(t.apps).find((a) => a.name === name && a.originAppId)!;
  collection("Sales essentials", "public", admin, [published("Sales Overview"), published("Pipeline Analysis")], "Start here for sales");
  collection("Finance certified", "publicgoverned", admin, [published("P&L")]);
  collection("Ben's shortlist", "private", ben, [app("Sales Overview"), app("Customer 360"), app("Ben's Sandbox")]);
  collection("Emma's month end", "private", emma, [app("P&L"), app("Budget vs Actual")]);

  webhook(b, ben, { name: "Ben's app events", url: "https://ben.example.com/qlik-events", eventTypes: ["com.qlik.v1.app.created", "com.qlik.v1.app.published"], level: "user", enabled: false, secret: "SECRET-demo-webhook-2-0123456789abcdef" });

  // Scheduling and distribution (API-FACTS §6.15): subscriptions, report templates, data alerts.
  const group = (name: string) => Object.values(t.groups).find((g) => g.name === name)!;
  const salesOverview = app("Sales Overview");
  const sheetOf = (a: App): string => Object.values(a.objects).find((o) => o.type === "sheet")?.id ?? "sheet-1";
  sharingTask(b, salesOverview, ben, {
    name: "Weekly sales sheet",
    type: "sheet-sharing",
    templates: [{ type: "sheet", subType: "pdf", fileName: "Weekly sales", sheetData: { appId: salesOverview.id, sheetId: sheetOf(salesOverview), widthPx: 1280, heightPx: 720 } }],
    recipients: { userIds: [{ value: chloe.id, enabled: true }], groupIds: [{ value: group("Sales").id, enabled: true }], emailAddresses: ["board@example.com"] },
    scheduleOptions: { timezone: "Europe/Stockholm", recurrence: ["RRULE:FREQ=WEEKLY;BYDAY=MO;BYHOUR=7;BYMINUTE=0"], startDateTime: "2026-01-05T07:00:00" },
    emailContent: { subject: "Weekly sales", body: "SECRET-demo-sharing-email-1" },
    tags: ["sales"],
  });
  const pnl = app("P&L");
  sharingTask(b, pnl, emma, {
    name: "P&L margin chart",
    type: "chart-sharing",
    templates: [{ type: "chart", subType: "image", chartData: { appId: pnl.id, sheetId: sheetOf(pnl), objectId: "margin-kpi", widthPx: 800, heightPx: 400 } }],
    recipients: { userIds: [{ value: farid.id, enabled: true }], groupIds: [], emailAddresses: [] },
    scheduleOptions: { timezone: "America/New_York", recurrence: ["RRULE:FREQ=MONTHLY;BYMONTHDAY=2;BYHOUR=8;BYMINUTE=0"] },
    enabledByUser: false,
  });
  reportTemplate(b, salesOverview, admin, "Sales by region", "Monthly regional breakdown");
  reportTemplate(b, pnl, emma, "P&L pack");
  dataAlert(b, app("Pipeline Analysis"), chloe, { name: "Pipeline drop", triggerType: "RELOAD", recipients: { userIds: [{ value: chloe.id, enabled: true }, { value: ben.id, enabled: true }], groupIds: [{ value: group("Sales").id, enabled: true }] } }, "Pipeline value");
  dataAlert(b, pnl, admin, { name: "Margin below target", triggerType: "SCHEDULED", scheduleOptions: { timezone: "UTC", recurrence: ["RRULE:FREQ=DAILY;BYHOUR=6;BYMINUTE=0"] }, throttling: { capacity: 1, replenishRate: 1, recurrenceRule: "RRULE:FREQ=DAILY", timezone: "UTC" } }, "Margin %");

  // Organisation (§6.16): tags are public collections; favourites are each user's own.
  collection("certified", "public", admin, [published("P&L"), published("Sales Overview")], "Certified by the BI team");
  const favorite = (creator: User, apps: App[]): void => {
    const tc = b.tick(1);
    const id = b.rng.hex(24);
    kindsOf(t).collections[id] = { id, name: "Favorites", description: "", type: "favorite", creatorId: creator.id, updaterId: creator.id, itemIds: apps.map((a) => a.itemId), createdAt: tc, updatedAt: tc };
  };
  favorite(admin, [pnl, salesOverview]);
  favorite(ben, [salesOverview, app("Customer 360")]);
  demoLookKinds(b, { admin, ben, chloe, emma, farid }, { "Sales Dev": space("Sales Dev"), Finance: space("Finance") }, { "Sales Overview": app("Sales Overview"), "Pipeline Analysis": app("Pipeline Analysis"), "P&L": app("P&L") });
  demoIdentity(b);
  // A filter on a space id (API-FACTS §6.10): an id of this tenant inside a SCIM string.
  webhook(b, admin, { name: "Sales Dev app events", url: "https://hooks.example.com/qlik/sales-dev", eventTypes: ["com.qlik.v1.app.created", "com.qlik.v1.app.deleted"], filter: `spaceId eq "${space("Sales Dev").id}"`, level: "tenant", enabled: true });
  oauthClient(b, admin, {
    clientName: "Customer portal (SPA)",
    appType: "spa",
    description: "Embeds Sales Overview in the customer portal",
    redirectUris: ["https://portal.example.com/auth/callback"],
    allowedOrigins: ["https://portal.example.com"],
    consentMethod: "trusted",
  });
  oauthClient(
    b,
    admin,
    { clientName: "Reporting service", appType: "web", allowedGrantTypes: ["client_credentials"], allowedScopes: ["user_default", "admin.apps"], clientUri: "https://reports.example.com", publishedAt: b.tick(1) },
    ["SECRET-demo-oauth-1-5f0c2a9e41d7b3c8a6e2f9d14b7c0e35a8d2f6b1c9e4a7d03f5b8c2e6a9d1f4"],
  );
  oauthClient(b, admin, { clientName: "Analyst notebooks", appType: "native", redirectUris: ["http://localhost:8765/callback"], allowedScopes: ["user_default", "offline_access"] });
  Object.assign(kindsOf(t).apiKeysConfig, { api_keys_enabled: true, max_keys_per_user: 10, max_api_key_expiry: "P30D", scim_externalClient_expiry: "P180D" });

  const note = (owner: User, name: string, description: string, spaceId?: string): void => {
    const tc = b.tick(1);
    const id = b.rng.hex(24);
    kindsOf(t).notes[id] = { id, name, description, ownerId: owner.id, ...(spaceId ? { spaceId } : {}), createdAt: tc, updatedAt: tc };
  };
  note(admin, "Q3 close checklist", "Steps before the quarter closes", space("Finance").id);
  note(ben, "Pipeline ideas", "");
}

/**
 * The demo's identity and settings: two custom roles held by users and groups (and a default
 * role given to the Everyone group), identity providers (an active Okta OIDC with a planted
 * client secret, a SAML one waiting for verification, a jwtAuth one with a public key), tenant
 * settings, licence assignments (professional and analyzer) and two IP policies (one enabled).
 */
function demoIdentity(b: KindsBuilder): void {
  const t = b.tenant;
  const k = kindsOf(t);
  const user = (name: string): User => byName(t.users, name);
  const customRole = (name: string, description: string, assignedScopes: string[]): void => {
    const tc = b.tick(1);
    const id = b.rng.hex(24);
    t.roles[id] = { id, tenantId: t.id, name, description, type: "custom", level: "user", assignedScopes, createdAt: tc, lastUpdatedAt: tc };
  };
  customRole("Report Publisher", "Publishes tabular reports to managed spaces", ["reports:publish", "apps:read"]);
  customRole("Automation Operator", "Runs and monitors automations", ["automations:run", "automations:read"]);
  user("Emma Evans").roles.push("Report Publisher");
  user("Ben Builder").roles.push("Automation Operator");
  byName(t.groups, "Finance").roles.push("Report Publisher");
  byName(t.groups, "Analysts").roles.push("PrivateAnalyticsContentCreator");
  k.settings.groups.everyoneRoles = ["PrivateAnalyticsContentCreator"];
  k.settings.groups.autoCreateGroups = false;
  k.settings.flags.enableAppOpeningFeedback = true;
  k.settings.flags.autoAssignDataServicesContributorRoleToProfessionals = false;
  k.settings.licenses = { autoAssignProfessional: false, autoAssignAnalyzer: true };
  const ts = b.tick(1);
  k.settings.settings = {
    id: b.rng.hex(24),
    customizeNoAccess: { linkEnabled: true, linkLabel: "Request access", linkUrl: "https://intranet.example.com/qlik-access", message: "Ask the BI team for access." },
    preferredStartPage: "analytics-hub",
    releaseCadence: "continuous",
    sessionReplayOptOut: true,
    createdAt: ts,
    createdBy: user("Ada Admin").id,
    updatedAt: ts,
  };

  const idp = (f: Omit<IdentityProvider, "id" | "created" | "lastUpdated" | "clockToleranceSec"> & { clockToleranceSec?: number }): void => {
    const tc = b.tick(2);
    const id = b.rng.hex(24);
    k.identityProviders[id] = { id, clockToleranceSec: 5, created: tc, lastUpdated: tc, ...f };
  };
  const claims = { sub: ["sub"], name: ["name"], email: ["email"], groups: ["groups"] };
  idp({
    protocol: "OIDC",
    provider: "okta",
    interactive: true,
    active: true,
    description: "Acme Okta",
    createNewUsersOnLogin: true,
    postLogoutRedirectUri: "https://acme.okta.example.com/logout",
    options: { clientId: "0oa1acmeclient", clientSecret: "SECRET-demo-idp-1", discoveryUrl: "https://acme.okta.example.com/.well-known/openid-configuration", realm: "acme", claimsMapping: claims, scope: "openid profile email groups" },
    pendingState: "verified",
  });
  idp({
    protocol: "SAML",
    provider: "adfs",
    interactive: true,
    active: false,
    description: "Partner ADFS (pilot)",
    pendingOptions: {
      entityId: "https://adfs.partner.example.com/adfs/services/trust",
      signOnUrl: "https://adfs.partner.example.com/adfs/ls/",
      nameIdFormat: "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
      certificates: [{ name: "adfs-signing", certificate: "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUdemo\n-----END CERTIFICATE-----", signature: true }],
      claimsMapping: { sub: ["nameid"], name: ["displayname"], email: ["emailaddress"], groups: ["group"], picture: [] },
    },
    pendingState: "pending",
  });
  idp({
    protocol: "jwtAuth",
    provider: "external",
    interactive: false,
    active: true,
    description: "Portal JWT",
    options: { issuer: "https://portal.example.com", staticKeys: [{ kid: "portal-2025", pem: "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEdemo\n-----END PUBLIC KEY-----" }] },
  });

  for (const [name, type] of [
    ["Ada Admin", "professional"],
    ["Ben Builder", "professional"],
    ["Chloe Chen", "professional"],
    ["Emma Evans", "professional"],
    ["Dev Patel", "analyzer"],
    ["Farid Haddad", "analyzer"],
    ["Grace Kim", "analyzer"],
    ["Hiro Tanaka", "analyzer"],
  ] as const) {
    const u = user(name);
    k.licenseAssignments[u.subject] = { subject: u.subject, type, created: b.tick(1), excess: false };
  }

  const admin = user("Ada Admin");
  const policy = (name: string, allowedIps: string[], enabled: boolean): void => {
    const tc = b.tick(1);
    const id = b.rng.hex(24);
    k.ipPolicies[id] = { id, name, allowedIps, enabled, createdAt: tc, createdBy: admin.id, updatedAt: tc, updatedBy: admin.id };
  };
  // Enabled, and it allows the loopback address the emulator's clients come from.
  policy("Head office and automation hosts", ["203.0.113.0/24", "127.0.0.1/32"], true);
  policy("VPN egress (staged)", ["198.51.100.7", "198.51.100.8"], false);
}

/** Every secret value `demoKinds` plants (a backup must contain none of them). */
export const DEMO_SECRETS = [
  "SECRET-demo-conn-1",
  "SECRET-demo-conn-2",
  "SECRET-demo-cred-1",
  "SECRET-demo-conn-3",
  "SECRET-demo-conn-4",
  "SECRET-demo-webhook-header-1",
  "SECRET-demo-webhook-1-0123456789abcdef",
  "SECRET-demo-webhook-2-0123456789abcdef",
  "SECRET-demo-autoconn-1",
  "SECRET-demo-autoconn-2",
  "SECRET-demo-sharing-email-1",
  "SECRET-demo-oauth-1-5f0c2a9e41d7b3c8a6e2f9d14b7c0e35a8d2f6b1c9e4a7d03f5b8c2e6a9d1f4",
  "SECRET-demo-idp-1",
];

/**
 * The generated fixture's kinds: `connections` (default: one per 20 apps, at least 2) spread
 * over the shared spaces and personal spaces, `reloadTasks` (default: one per 4 apps) on
 * distinct apps, `webhooks` (default 2), `webIntegrations` (2), `cspOrigins` (3), `oauthClients` (2), `automationConnections` (one per 6 apps: ~330 for the
 * realistic 2,000-app tenant), `automations` (one per 10 apps). Secrets are `SECRET-gen-<kind>-<n>`.
 */
export function generatedKinds(b: KindsBuilder, counts: KindCounts, users: User[], spaces: Space[], apps: App[]): void {
  const r = b.rng;
  const admin = users[0]!;
  const nConn = counts.connections ?? Math.max(2, Math.ceil(apps.length / 20));
  const nTasks = Math.min(apps.length, counts.reloadTasks ?? Math.ceil(apps.length / 4));
  const nHooks = counts.webhooks ?? 2;
  const shared = spaces.filter((s) => s.type !== "managed");
  const all = spaces;
  for (let i = 0; i < nConn; i++) {
    const n = String(i + 1).padStart(4, "0");
    const roll = r.next();
    const space = roll < 0.7 && shared.length ? r.pick(shared) : roll < 0.85 && all.length ? r.pick(all) : undefined;
    const owner = space ? (r.next() < 0.5 ? (users.find((u) => u.id === space.ownerId) ?? admin) : r.pick(users)) : r.pick(users);
    connection(b, { name: `Connection ${n}`, type: "QvOdbcConnectorPackage.exe", datasourceID: "snowflake", connectStatement: snowflake(`DB${n}`), spaceId: space?.id, ownerId: owner.id, username: `svc_${n}`, password: `SECRET-gen-conn-${n}` });
  }
  const zones = ["UTC", "Europe/Stockholm", "America/New_York", "Asia/Tokyo", "Europe/London"];
  for (let i = 0; i < nTasks; i++) {
    const app = apps[i]!;
    const owner = users.find((u) => u.id === app.ownerId) ?? admin;
    reloadTask(b, app, owner, { timeZone: r.pick(zones), recurrence: [`RRULE:FREQ=DAILY;INTERVAL=1;BYHOUR=${r.int(24)};BYMINUTE=${r.int(60)};BYSECOND=0`], state: r.next() < 0.9 ? "Enabled" : "Disabled" });
  }
  const nAutoConns = counts.automationConnections ?? Math.ceil(apps.length / 6);
  const nAutos = counts.automations ?? Math.ceil(apps.length / 10);
  const autoConns: AutomationConnection[] = [];
  const sharedOnly = spaces.filter((s) => s.type === "shared");
  for (let i = 0; i < nAutoConns; i++) {
    const n = String(i + 1).padStart(4, "0");
    const owner = r.pick(users);
    const space = r.next() < 0.5 && sharedOnly.length ? r.pick(sharedOnly) : undefined;
    autoConns.push(automationConnection(b, owner, { name: `Automation connection ${n}`, connectorId: "61a87510-c7a3-11ea-95da-0fb0c241e75c", spaceId: space?.id }, [["account", `acme-${n}.eu-west-1`, false], ["username", `svc_${n}`, false], ["password", `SECRET-gen-autoconn-${n}`, true]]));
  }
  for (let i = 0; i < nAutos; i++) {
    const n = String(i + 1).padStart(4, "0");
    const owner = r.pick(users);
    const uses = autoConns.length ? [r.pick(autoConns)] : [];
    const scheduled = r.next() < 0.5;
    automation(b, owner, { name: `Automation ${n}`, runMode: scheduled ? "scheduled" : "manual", schedules: scheduled ? [{ id: r.guid(), interval: 3600 * (1 + r.int(24)), timezone: r.pick(zones) }] : [] }, uses);
  }
  for (let i = 0; i < nHooks; i++) {
    const n = String(i + 1).padStart(4, "0");
    webhook(b, admin, { name: `Webhook ${n}`, url: `https://hooks.example.com/gen/${n}`, eventTypes: ["com.qlik.v1.app.reload.finished"], level: "tenant", secret: `SECRET-gen-webhook-${n}-0123456789abcdef0123` });
  }
  // Distribution and organisation: sharing tasks (one per 25 apps), report templates (one per
  // 50), data alerts with their conditions (one per 25), tags (one per 40, at least 2) on apps.
  const nShares = counts.sharingTasks ?? Math.ceil(apps.length / 25);
  const nTemplates = counts.reportTemplates ?? Math.ceil(apps.length / 50);
  const nAlerts = counts.dataAlerts ?? Math.ceil(apps.length / 25);
  const nTags = counts.tags ?? Math.max(2, Math.ceil(apps.length / 40));
  const ownerOf = (a: App): User => users.find((u) => u.id === a.ownerId) ?? admin;
  for (let i = 0; i < nShares && apps.length; i++) {
    const n = String(i + 1).padStart(4, "0");
    const a = apps[i % apps.length]!;
    const sheet = Object.values(a.objects).find((o) => o.type === "sheet")?.id ?? "sheet-1";
    sharingTask(b, a, ownerOf(a), {
      name: `Subscription ${n}`,
      type: "sheet-sharing",
      templates: [{ type: "sheet", subType: "pdf", sheetData: { appId: a.id, sheetId: sheet, widthPx: 1280, heightPx: 720 } }],
      recipients: { userIds: [{ value: r.pick(users).id, enabled: true }], groupIds: [], emailAddresses: [] },
      scheduleOptions: { timezone: r.pick(zones), recurrence: [`RRULE:FREQ=WEEKLY;BYDAY=MO;BYHOUR=${r.int(24)};BYMINUTE=0`] },
      emailContent: { subject: `Subscription ${n}`, body: `SECRET-gen-sharing-email-${n}` },
    });
  }
  for (let i = 0; i < nTemplates && apps.length; i++) {
    const a = apps[(i * 7) % apps.length]!;
    reportTemplate(b, a, ownerOf(a), `Report template ${String(i + 1).padStart(4, "0")}`);
  }
  for (let i = 0; i < nAlerts && apps.length; i++) {
    const a = apps[(i * 3 + 1) % apps.length]!;
    dataAlert(b, a, ownerOf(a), { name: `Data alert ${String(i + 1).padStart(4, "0")}`, triggerType: "RELOAD" }, `Measure ${i + 1}`);
  }
  for (let i = 0; i < nTags; i++) {
    const tc = b.tick(1);
    const id = r.hex(24);
    const tagged = apps.filter((_a, j) => j % nTags === i).slice(0, 50);
    kindsOf(b.tenant).collections[id] = { id, name: `tag-${String(i + 1).padStart(3, "0")}`, description: "", type: "public", creatorId: admin.id, updaterId: admin.id, itemIds: tagged.map((a) => a.itemId), createdAt: tc, updatedAt: tc };
  }
  generatedLookKinds(b, counts, users, spaces, apps);
  generatedIdentity(b, counts, users);
  for (let i = 0; i < (counts.webIntegrations ?? 2); i++) {
    const n = String(i + 1).padStart(4, "0");
    webIntegration(b, admin, `Web integration ${n}`, [`https://embed${i + 1}.example.com`]);
  }
  const directives = Object.keys(CSP_OFF) as (keyof CspOrigin["directives"])[];
  for (let i = 0; i < (counts.cspOrigins ?? 3); i++) {
    const n = String(i + 1).padStart(4, "0");
    cspOrigin(b, `CSP origin ${n}`, `cdn${i + 1}.example.net`, { [r.pick(directives)]: true, imgSrc: true });
  }
  for (let i = 0; i < (counts.oauthClients ?? 2); i++) {
    const n = String(i + 1).padStart(4, "0");
    const web = i % 2 === 0;
    oauthClient(
      b,
      admin,
      web ? { clientName: `OAuth client ${n}`, appType: "web", allowedGrantTypes: ["client_credentials"] } : { clientName: `OAuth client ${n}`, appType: "spa", allowedOrigins: [`https://spa${i + 1}.example.com`] },
      web ? [`SECRET-gen-oauth-${n}-0123456789abcdef0123456789abcdef`] : [],
    );
  }
}

/**
 * The generated fixture's identity and settings: `customRoles` custom roles (default 3), each
 * held by some users; a licence for every user (one in five professional; the allotments sized
 * to fit); one OIDC identity provider with a `SECRET-gen-idp-1` client secret; one disabled IP policy.
 */
function generatedIdentity(b: KindsBuilder, counts: KindCounts, users: User[]): void {
  const t = b.tenant;
  const k = kindsOf(t);
  const r = b.rng;
  const nRoles = counts.customRoles ?? 3;
  for (let i = 0; i < nRoles; i++) {
    const n = String(i + 1).padStart(4, "0");
    const tc = b.tick(1);
    const id = r.hex(24);
    t.roles[id] = { id, tenantId: t.id, name: `Custom role ${n}`, description: `Generated custom role ${n}`, type: "custom", level: "user", assignedScopes: [`scope-${n}:read`], createdAt: tc, lastUpdatedAt: tc };
    for (const u of users) if (r.next() < 0.1) u.roles.push(`Custom role ${n}`);
  }
  users.forEach((u, i) => {
    k.licenseAssignments[u.subject] = { subject: u.subject, type: i % 5 === 0 ? "professional" : "analyzer", created: b.tick(0), excess: false };
  });
  k.settings.licenseUnits = { professional: Math.ceil(users.length / 5) + 10, analyzer: users.length + 10 };
  const tc = b.tick(1);
  const idpId = r.hex(24);
  k.identityProviders[idpId] = {
    id: idpId,
    protocol: "OIDC",
    provider: "generic",
    interactive: true,
    active: true,
    description: "Generated OIDC",
    clockToleranceSec: 5,
    options: { clientId: "generated-client", clientSecret: "SECRET-gen-idp-1", discoveryUrl: "https://idp.example.com/.well-known/openid-configuration", claimsMapping: { sub: ["sub"], name: ["name"], email: ["email"] } },
    pendingState: "verified",
    created: tc,
    lastUpdated: tc,
  };
  const pid = r.hex(24);
  k.ipPolicies[pid] = { id: pid, name: "Generated policy", allowedIps: ["192.0.2.0/24"], enabled: false, createdAt: tc, createdBy: users[0]!.id, updatedAt: tc, updatedBy: users[0]!.id };
}
