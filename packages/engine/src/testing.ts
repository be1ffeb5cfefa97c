/**
 * Test helpers: an in-memory `TenantReader` over plain data, with call counts and
 * injectable failures, so engine tests run without a network or the emulator; an in-memory
 * `RestoreTarget` (`FakeTarget`); and the ports' contract suites (`tenantReaderContract`,
 * `restoreTargetContract`) with the tenant they are seeded with (`contractFixture`).
 *
 * ```ts
 * const tenant = createFakeTenant(sampleTenantState());
 * tenant.state.apps[0]!.objects[0]!.title = "changed";
 * tenant.fail("exportApp", "app-1", new Error("boom"));
 * ```
 */
import { createHash } from "node:crypto";
import type {
  AppContent,
  AppSummary,
  AssignmentRecord,
  CallerInfo,
  GroupRecord,
  ObjectRecord,
  ObjectStamp,
  ResourceKindName,
  ResourceRecord,
  RoleRecord,
  ScriptVersionInfo,
  SpaceRecord,
  TenantReader,
  UserRecord,
} from "@lifeboat/model";
import { RESOURCE_KINDS } from "@lifeboat/model";
import { FakeTarget } from "./testing/fake-target.ts";
import { fixtureObjectRecord, fixtureSpaceType, type ContractFixture } from "./testing/fixture.ts";

export interface FakeApp {
  summary: AppSummary;
  attributes: Record<string, unknown>;
  script: string;
  scriptHistory: ScriptVersionInfo[];
  objects: ObjectRecord[];
  /** The bytes an export returns; defaults to a deterministic function of the app's content. */
  qvf?: Uint8Array;
  /**
   * `qMeta.modifiedDate` of objects, by id, as the fake's `readAppContent` stamps them. An
   * object without an entry gets a date the fake moves whenever the object's content
   * changes (as Qlik's engine does); a date set here stays put whatever changes — a change
   * the stamps do not show.
   */
  modifiedDates?: Record<string, string>;
}

/** A resource of a declared kind in a fake tenant (or target): its record, files and write-only secrets. */
export interface FakeResource {
  /** As listed: every field, no secret value. `secrets` (when absent) is derived from `secretValues`. */
  record: ResourceRecord;
  files?: Record<string, Uint8Array>;
  /** Write-only secrets (field → value): kept apart, never returned by any read. */
  secretValues?: Record<string, string>;
}

export interface FakeTenantState {
  host: string;
  caller: CallerInfo;
  users: UserRecord[];
  groups: GroupRecord[];
  roles: RoleRecord[];
  spaces: SpaceRecord[];
  assignments: Record<string, AssignmentRecord[]>;
  apps: FakeApp[];
  /** Resources of declared kinds (issue 12). */
  resources?: FakeResource[];
  /** The kinds the reader can list (default: the kinds of `resources`; none without resources). */
  resourceKinds?: ResourceKindName[];
}

/** A reader method, or "getResource": the detail read of one resource (skipped when `unchanged` says so). */
type Method = keyof Omit<TenantReader, "host" | "stats"> | "getResource";

export interface FakeTenant extends TenantReader {
  state: FakeTenantState;
  /** Calls per method (`readAppContent` reads its objects through `readAppObjects`, which counts too). */
  calls: Record<string, number>;
  /** Exports per app id. */
  exported: string[];
  /** Makes `method` fail for `key` (an app or space id, or "*" for every call). */
  fail(method: Method, key: string, error: Error, times?: number): void;
}

export interface FakeTenantOptions {
  /**
   * Implement `readAppContent` (object stamps: the backup's incremental path, as the Qlik
   * Cloud connector does). Off by default: such a reader is read through `readAppObjects`
   * every run (as the QRS reader is), which most engine tests count on.
   */
  readAppContent?: boolean;
}

const FAKE_EPOCH = Date.parse("2026-01-01T00:00:00.000Z");

export function createFakeTenant(state: FakeTenantState, opts: FakeTenantOptions = {}): FakeTenant {
  const calls: Record<string, number> = {};
  // The dates the fake's "engine" keeps: moved when an object's content is seen changed.
  const kept = new Map<string, { hash: string; date: string }>();
  let tick = 0;
  const stampOf = (a: FakeApp, o: ObjectRecord): ObjectStamp => {
    const hash = createHash("sha256").update(JSON.stringify([o.type, o.title, o.propertyTree])).digest("hex");
    const key = `${a.summary.appId}\u0000${o.id}`;
    let seen = kept.get(key);
    if (!seen || seen.hash !== hash) kept.set(key, (seen = { hash, date: new Date(FAKE_EPOCH + ++tick * 1000).toISOString() }));
    return { id: o.id, type: o.type, modifiedDate: a.modifiedDates?.[o.id] ?? seen.date, ownerId: o.ownerId, published: o.published, approved: o.approved };
  };
  const exported: string[] = [];
  const failures: { method: Method; key: string; error: Error; times: number }[] = [];
  const hit = (method: Method, key = "*") => {
    calls[method] = (calls[method] ?? 0) + 1;
    const f = failures.find((x) => x.method === method && (x.key === "*" || x.key === key) && x.times > 0);
    if (f) {
      f.times--;
      throw f.error;
    }
  };
  const app = (appId: string): FakeApp => {
    const found = state.apps.find((a) => a.summary.appId === appId);
    if (!found) throw new Error(`app ${appId} not found`);
    return found;
  };
  const visible = (a: FakeApp): ObjectRecord[] =>
    a.objects.filter((o) => state.caller.isPrivateContentBot || o.approved || o.published || o.ownerId === state.caller.userId);
  async function* iterate<T>(method: Method, items: T[], key?: string): AsyncIterable<T> {
    hit(method, key);
    for (const item of items) yield structuredClone(item);
  }
  const fake: FakeTenant = {
    state,
    calls,
    exported,
    fail(method, key, error, times = Number.POSITIVE_INFINITY) {
      failures.push({ method, key, error, times });
    },
    get host() {
      return state.host;
    },
    async whoAmI() {
      hit("whoAmI");
      return { ...state.caller };
    },
    listUsers: () => iterate("listUsers", state.users),
    listGroups: () => iterate("listGroups", state.groups),
    listRoles: () => iterate("listRoles", state.roles),
    listSpaces: () => iterate("listSpaces", state.spaces),
    listSpaceAssignments: (spaceId) => iterate("listSpaceAssignments", state.assignments[spaceId] ?? [], spaceId),
    listApps: () => iterate("listApps", state.apps.map((a) => a.summary)),
    async getAppInfo(appId) {
      hit("getAppInfo", appId);
      return { attributes: structuredClone(app(appId).attributes) };
    },
    async getAppScript(appId) {
      hit("getAppScript", appId);
      return app(appId).script;
    },
    async getAppScriptHistory(appId) {
      hit("getAppScriptHistory", appId);
      return structuredClone(app(appId).scriptHistory);
    },
    async readAppObjects(appId) {
      hit("readAppObjects", appId);
      return structuredClone(visible(app(appId)));
    },
    async exportApp(appId, opts) {
      hit("exportApp", appId);
      exported.push(appId);
      const a = app(appId);
      const bytes =
        a.qvf ?? new TextEncoder().encode(JSON.stringify({ qvf: appId, withData: opts.withData, script: a.script, objects: a.objects }));
      return {
        size: bytes.length,
        body: (async function* () {
          // In chunks, the way a download arrives.
          for (let i = 0; i < bytes.length; i += 1024) yield bytes.subarray(i, i + 1024);
        })(),
      };
    },
    stats() {
      return { calls: { ...calls } };
    },
  };
  if (state.resources?.length || state.resourceKinds) {
    const kinds = (): ResourceKindName[] => state.resourceKinds ?? [...new Set((state.resources ?? []).map((r) => r.record.kind))];
    const find = (kind: ResourceKindName, id: string): FakeResource => {
      const r = (state.resources ?? []).find((x) => x.record.kind === kind && x.record.id === id);
      if (!r) throw new Error(`${kind} ${id} not found (404)`);
      return r;
    };
    fake.resourceKinds = kinds;
    fake.listResources = async function* (kind, o = {}) {
      hit("listResources", kind);
      if (!kinds().includes(kind)) throw new Error(`this fake tenant cannot list ${kind}`);
      for (const r of state.resources ?? []) {
        if (r.record.kind !== kind) continue;
        const { summaryOnly: _s, ...rec } = structuredClone(r.record);
        const secrets = rec.secrets ?? Object.keys(r.secretValues ?? {});
        const full: ResourceRecord = { ...rec, ...(secrets.length ? { secrets } : {}) };
        if (o.unchanged?.(structuredClone(full))) {
          yield { ...full, summaryOnly: true };
          continue;
        }
        hit("getResource", rec.id);
        yield full;
      }
    };
    fake.readResourceFile = (kind, id, file) => {
      hit("readResourceFile", id);
      const bytes = find(kind, id).files?.[file];
      if (!bytes) throw new Error(`${kind} ${id} has no file ${file} (404)`);
      return (async function* () {
        for (let i = 0; i < bytes.length; i += 1024) yield bytes.slice(i, i + 1024);
      })();
    };
  }
  if (opts.readAppContent === true) {
    // Objects through `readAppObjects`, so that a test's override of it (or an injected failure)
    // applies here too — on the object it was called on, e.g. a `{ ...tenant, readAppObjects }` copy.
    fake.readAppContent = async function (this: FakeTenant | undefined, appId, o): Promise<AppContent> {
      hit("readAppContent", appId);
      const a = app(appId);
      const stamps = visible(a)
        .map((x) => stampOf(a, x))
        .sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
      const content: AppContent = { stamps };
      if (!o.unchanged?.(structuredClone(stamps))) content.objects = await (this ?? fake).readAppObjects(appId);
      if (o.script) content.script = a.script;
      return content;
    };
  }
  return fake;
}

function sheet(id: string, title: string, owner: UserRecord, state: { approved: boolean; published: boolean }, charts: string[]): ObjectRecord {
  return {
    id,
    type: "sheet",
    genericType: "genericObject",
    title,
    ownerId: owner.id,
    ownerSubject: owner.subject,
    approved: state.approved,
    published: state.published,
    ...(state.published ? { publishTime: "2026-01-02T03:04:05.000Z" } : {}),
    propertyTree: {
      qProperty: { qInfo: { qId: id, qType: "sheet" }, qMetaDef: { title }, cells: charts.map((c) => ({ name: c })) },
      qChildren: charts.map((c) => ({
        qProperty: { qInfo: { qId: c, qType: "barchart" }, title: `chart ${c}`, color: "blue" },
        qChildren: [],
      })),
      qEmbeddedSnapshotRef: null,
    },
  };
}

/** A small tenant: 3 users, 2 spaces, 3 apps (shared, managed, personal), private and public sheets. */
export function sampleTenantState(opts: { bot?: boolean } = {}): FakeTenantState {
  const users: UserRecord[] = [
    { id: "u-admin", subject: "auth0|admin", name: "Ada Admin", email: "ada@example.com", status: "active", assignedRoles: [{ name: "TenantAdmin" }], assignedGroups: [] },
    { id: "u-jane", subject: "auth0|jane", name: "Jane Doe", email: "jane@example.com", status: "active", assignedRoles: [], assignedGroups: [{ id: "g-1", name: "Sales" }] },
    { id: "u-bob", subject: "auth0|bob", name: "Bob", email: "bob@example.com", status: "active", assignedRoles: [], assignedGroups: [] },
  ];
  const [admin, jane, bob] = users as [UserRecord, UserRecord, UserRecord];
  const mkApp = (appId: string, name: string, spaceId: string | undefined, spaceType: AppSummary["spaceType"], owner: UserRecord, objects: ObjectRecord[]): FakeApp => ({
    summary: { appId, itemId: `item-${appId}`, name, ...(spaceId ? { spaceId } : {}), spaceType, ownerId: owner.id },
    attributes: { id: appId, name, ownerId: owner.id, modifiedDate: "2026-01-01T00:00:00.000Z", publishTime: spaceType === "managed" ? "2026-01-02T00:00:00.000Z" : "", originAppId: spaceType === "managed" ? "app-sales" : undefined },
    script: `// ${name}\nLOAD 1 AS x AUTOGENERATE 1;`,
    scriptHistory: [{ scriptId: `${appId}-s1`, modifiedTime: "2026-01-01T00:00:00.000Z", modifierId: owner.id }],
    objects,
  });
  return {
    host: "https://acme.example.qlikcloud.com",
    caller: { userId: "u-admin", subject: "auth0|admin", name: "Ada Admin", isPrivateContentBot: opts.bot ?? true },
    users,
    groups: [{ id: "g-1", name: "Sales", providerType: "idp", assignedRoles: [] }],
    roles: [{ id: "r-1", name: "TenantAdmin", type: "default" }],
    spaces: [
      { id: "sp-shared", name: "Sales (dev)", type: "shared", ownerId: admin.id },
      { id: "sp-managed", name: "Sales", type: "managed", ownerId: admin.id },
    ],
    assignments: {
      "sp-shared": [{ id: "as-1", type: "user", assigneeId: jane.id, roles: ["producer"] }],
      "sp-managed": [{ id: "as-2", type: "group", assigneeId: "g-1", roles: ["consumer"] }],
    },
    apps: [
      mkApp("app-sales", "Sales", "sp-shared", "shared", admin, [
        sheet("sh-overview", "Overview", admin, { approved: true, published: true }, ["c-1", "c-2"]),
        sheet("sh-jane", "Q3 review", jane, { approved: false, published: false }, ["c-3", "c-4"]),
      ]),
      mkApp("app-sales-pub", "Sales", "sp-managed", "managed", admin, [
        sheet("sh-overview", "Overview", admin, { approved: true, published: true }, ["c-1"]),
        sheet("sh-bob", "Bob's community sheet", bob, { approved: false, published: true }, []),
      ]),
      mkApp("app-jane", "Jane's scratch", undefined, "personal", jane, [
        sheet("sh-scratch", "Scratch", jane, { approved: false, published: false }, ["c-9"]),
      ]),
    ],
  };
}

export { FakeTarget, FAKE_TARGET_CALLER, type FakeTargetApp } from "./testing/fake-target.ts";
export { contractFixture, FIXTURE_SECRETS, fixtureObjectRecord, fixtureSpaceType, type ContractFixture, type FixtureApp, type FixtureObject, type FixtureResource, type SeededTenant } from "./testing/fixture.ts";
export { tenantReaderContract, type ContractOptions, type ReaderUnderTest } from "./testing/reader-contract.ts";
export { restoreTargetContract, type TargetUnderTest } from "./testing/target-contract.ts";

/** The bot the fakes seeded from the contract fixture are called by. */
export const FIXTURE_BOT: UserRecord = { id: "c0de00090000000000000001", subject: "qlikbot\\contract", name: "Lifeboat Bot", status: "active", assignedRoles: [{ name: "TenantAdmin" }], assignedGroups: [] };

/** The fake reader's state for the contract fixture, read by `FIXTURE_BOT` (a private-content bot). */
export function fakeTenantStateFrom(f: ContractFixture): FakeTenantState {
  const users = [...structuredClone(f.users), FIXTURE_BOT];
  return {
    host: "https://contract.example.qlikcloud.com",
    caller: { userId: FIXTURE_BOT.id, subject: FIXTURE_BOT.subject, name: FIXTURE_BOT.name ?? "", isPrivateContentBot: true },
    users,
    groups: structuredClone(f.groups),
    roles: structuredClone(f.roles),
    spaces: structuredClone(f.spaces),
    assignments: structuredClone(f.assignments),
    resources: structuredClone(f.resources),
    apps: f.apps.map((a) => ({
      summary: { appId: a.id, itemId: `item-${a.id}`, name: a.name, ...(a.spaceId ? { spaceId: a.spaceId } : {}), spaceType: fixtureSpaceType(f, a), ownerId: a.ownerId },
      attributes: { id: a.id, name: a.name, ownerId: a.ownerId, ...(a.spaceId ? { spaceId: a.spaceId } : {}), ...(a.originAppId ? { originAppId: a.originAppId } : {}) },
      script: a.script,
      scriptHistory: [{ scriptId: `${a.id}-v1`, modifiedTime: "2026-01-01T00:00:00.000Z", modifierId: a.ownerId, versionMessage: "first version" }],
      objects: a.objects.map((o) => fixtureObjectRecord(o, users)),
    })),
  };
}

/** A `FakeTarget` holding the contract fixture, called by `FIXTURE_BOT`. */
export function fakeTargetFrom(f: ContractFixture): FakeTarget {
  const t = new FakeTarget({ host: "https://contract-target.example.qlikcloud.com", caller: FIXTURE_BOT });
  t.users.push(...structuredClone(f.users));
  t.groups = structuredClone(f.groups);
  t.spaces = structuredClone(f.spaces);
  t.assignments = structuredClone(f.assignments);
  for (const a of f.apps)
    t.apps.set(a.id, {
      summary: { appId: a.id, itemId: `item-${a.id}`, name: a.name, ...(a.spaceId ? { spaceId: a.spaceId } : {}), spaceType: fixtureSpaceType(f, a), ownerId: a.ownerId },
      objects: new Map(a.objects.map((o) => [o.id, fixtureObjectRecord(o, t.users)])),
      script: a.script,
      ...(a.originAppId ? { originAppId: a.originAppId } : {}),
    });
  for (const r of f.resources) t.seedResource(r);
  return t;
}

/**
 * A manifest's coverage gaps of the apps, objects, spaces and people only: the resource kinds
 * say what their listings cannot see (`ResourceKindDef.unseen`) on every backup that lists them.
 */
export function coreGaps(m: { coverageGaps: { layer: string; description: string }[] }): { layer: string; description: string }[] {
  return m.coverageGaps.filter((g) => !(RESOURCE_KINDS as readonly string[]).includes(g.layer));
}
