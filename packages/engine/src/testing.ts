/**
 * Test helpers: an in-memory `TenantReader` over plain data, with call counts and
 * injectable failures, so engine tests run without a network or the emulator.
 *
 * ```ts
 * const tenant = createFakeTenant(sampleTenantState());
 * tenant.state.apps[0]!.objects[0]!.title = "changed";
 * tenant.fail("exportApp", "app-1", new Error("boom"));
 * ```
 */
import type {
  AppSummary,
  AssignmentRecord,
  CallerInfo,
  GroupRecord,
  ObjectRecord,
  RoleRecord,
  ScriptVersionInfo,
  SpaceRecord,
  TenantReader,
  UserRecord,
} from "@lifeboat/model";

export interface FakeApp {
  summary: AppSummary;
  attributes: Record<string, unknown>;
  script: string;
  scriptHistory: ScriptVersionInfo[];
  objects: ObjectRecord[];
  /** The bytes an export returns; defaults to a deterministic function of the app's content. */
  qvf?: Uint8Array;
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
}

type Method = keyof Omit<TenantReader, "host" | "stats">;

export interface FakeTenant extends TenantReader {
  state: FakeTenantState;
  /** Calls per method. */
  calls: Record<string, number>;
  /** Exports per app id. */
  exported: string[];
  /** Makes `method` fail for `key` (an app or space id, or "*" for every call). */
  fail(method: Method, key: string, error: Error, times?: number): void;
}

export function createFakeTenant(state: FakeTenantState): FakeTenant {
  const calls: Record<string, number> = {};
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
  async function* iterate<T>(method: Method, items: T[], key?: string): AsyncIterable<T> {
    hit(method, key);
    for (const item of items) yield structuredClone(item);
  }
  return {
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
      const visible = app(appId).objects.filter(
        (o) => state.caller.isPrivateContentBot || o.approved || o.published || o.ownerId === state.caller.userId,
      );
      return structuredClone(visible);
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

/** A small seeded generator (mulberry32) in [0, 1), so a failing interleaving of a concurrency test can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
