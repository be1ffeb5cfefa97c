/**
 * The contract suites' shared tenant: one plain-data description that every implementation
 * of a port is seeded with (the in-memory fakes, the emulator, …), so the suites compare
 * what a port returns with what is known to be there.
 *
 * It holds a few users with subjects, two groups, a custom role, a shared and a managed
 * space with assignments, an app in each of them and one in a personal space, objects of
 * every generic type — another user's private sheet with a chart, a private bookmark,
 * master items, a community sheet, approved/published base content — and enough filler
 * users, spaces, assignments and apps that every listing spans more than one page of
 * `pageSize` (Qlik's REST pages are 100 long where the connector pages).
 *
 * Ids look like Qlik's (24 hex digits for users, groups, roles and spaces; GUIDs for apps),
 * so a seeding harness can use them as they are.
 */
import type { AssignmentRecord, GroupRecord, ObjectRecord, ResourceRecord, RoleRecord, SpaceRecord, UserRecord } from "@lifeboat/model";

export interface FixtureObject {
  id: string;
  type: string;
  genericType: ObjectRecord["genericType"];
  /** The title a reader records (`qMetaDef.title`, or the variable's `qName`). */
  title: string;
  ownerId: string;
  approved: boolean;
  published: boolean;
  /** `GetProperties` output, `qInfo` and `qMetaDef` included. */
  properties: Record<string, unknown>;
  /** Embedded children (charts on a sheet): their `GetProperties` output. */
  children: { id: string; type: string; properties: Record<string, unknown> }[];
}

export interface FixtureApp {
  id: string;
  name: string;
  /** Undefined: the owner's personal space. */
  spaceId?: string;
  ownerId: string;
  /** The published copy's development app (an app in a managed space). */
  originAppId?: string;
  script: string;
  objects: FixtureObject[];
}

/** A resource of a declared kind (issue 12) as the tenant holds it. */
export interface FixtureResource {
  /** As a reader lists it: every field, no secret value (`secrets` names the ones set). */
  record: ResourceRecord;
  /** Its files, byte for byte (`record.files` names them). */
  files?: Record<string, Uint8Array>;
  /** The write-only secrets the tenant holds for it (field → value): no read ever returns them. */
  secretValues?: Record<string, string>;
  /** The body field holding its name (default "name"): a copy the target contract creates renames it there. */
  nameField?: string;
  /** Body fields a copy leaves out (the source's id, where the kind keeps ids on create). */
  copyWithout?: string[];
}

export interface ContractFixture {
  users: UserRecord[];
  groups: GroupRecord[];
  roles: RoleRecord[];
  spaces: SpaceRecord[];
  /** By space id. */
  assignments: Record<string, AssignmentRecord[]>;
  apps: FixtureApp[];
  /**
   * Resources of declared kinds (webhooks, themes): the contract suites check the resource
   * methods on the kinds an implementation lists (`resourceKinds()`), and skip the others.
   */
  resources: FixtureResource[];
  /** Well-known parts, for checks that need one of a kind. */
  refs: {
    /** The shared space and its app. */
    sharedSpaceId: string;
    managedSpaceId: string;
    sharedAppId: string;
    /** The published copy of the shared app, in the managed space. */
    managedAppId: string;
    /** An app in a user's personal space. */
    personalAppId: string;
    /** In the shared app: another user's private sheet (with a chart), a private bookmark, an approved sheet, a master measure. */
    privateSheetId: string;
    bookmarkId: string;
    approvedSheetId: string;
    measureId: string;
    /** Users: the shared space's owner, and two members who own private content. */
    ownerUserId: string;
    producerUserId: string;
    consumerUserId: string;
    /** A webhook with a write-only secret set, and one without; a theme with a file; a data connection with a password, in the shared space. */
    secretWebhookId: string;
    dataConnectionId: string;
    plainWebhookId: string;
    themeId: string;
  };
}

/** The secret values the fixture's resources hold: no read, backup or plan may ever show them. */
export const FIXTURE_SECRETS = ["SECRET-contract-webhook-hmac-0123456789abcdef0123", "SECRET-contract-dc-password-0123456789"] as const;

/** What a suite knows of a seeded tenant: the fixture, and who the port's caller is. */
export interface SeededTenant {
  fixture: ContractFixture;
  caller: { userId: string; subject: string; isPrivateContentBot: boolean };
}

const hex24 = (kind: number, n: number): string => `c0de${kind.toString(16).padStart(4, "0")}${n.toString(16).padStart(16, "0")}`;
const guid = (n: number): string => `c0de0000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
const USER = 1;
const GROUP = 2;
const ROLE = 3;
const SPACE = 4;
const ASSIGNMENT = 5;

function object(
  id: string,
  type: string,
  genericType: ObjectRecord["genericType"],
  title: string,
  owner: UserRecord,
  state: "base" | "community" | "private",
  extra: Record<string, unknown> = {},
  children: FixtureObject["children"] = [],
): FixtureObject {
  const metaDef = genericType === "genericVariable" ? {} : { title, description: `${title} (${state})` };
  return {
    id,
    type,
    genericType,
    title,
    ownerId: owner.id,
    approved: state === "base",
    published: state !== "private",
    properties: { qInfo: { qId: id, qType: type }, qMetaDef: metaDef, ...extra },
    children,
  };
}

function chart(id: string, title: string): FixtureObject["children"][number] {
  return {
    id,
    type: "barchart",
    properties: {
      qInfo: { qId: id, qType: "barchart" },
      qMetaDef: {},
      title,
      visualization: "barchart",
      qHyperCubeDef: { qDimensions: [{ qDef: { qFieldDefs: ["Region"] } }], qMeasures: [{ qDef: { qDef: "Sum(Amount)" } }] },
    },
  };
}

function sheet(id: string, title: string, owner: UserRecord, state: "base" | "community" | "private", charts: string[]): FixtureObject {
  const children = charts.map((c) => chart(c, `${title}: ${c}`));
  return object(id, "sheet", "genericObject", title, owner, state, { rank: 0, columns: 24, rows: 12, cells: charts.map((c) => ({ name: c, type: "barchart", col: 0, row: 0, colspan: 12, rowspan: 6 })) }, children);
}

/**
 * The fixture. `pageSize`: the longest page a listing returns (100 in Qlik Cloud's REST
 * API); users, spaces, the shared space's assignments and apps each get more than that.
 */
export function contractFixture(opts: { pageSize?: number } = {}): ContractFixture {
  const over = (opts.pageSize ?? 100) + 3;
  const sales: GroupRecord = { id: hex24(GROUP, 1), name: "Contract Sales", providerType: "idp", status: "active", assignedRoles: [] };
  const auditors: GroupRecord = { id: hex24(GROUP, 2), name: "Contract Auditors", providerType: "custom", status: "active", assignedRoles: [] };
  const reviewer: RoleRecord = { id: hex24(ROLE, 1), name: "ContractReviewer", description: "Reviews contracts", type: "custom", assignedScopes: [] };
  const user = (n: number, name: string, roles: string[], groups: GroupRecord[]): UserRecord => ({
    id: hex24(USER, n),
    subject: `auth0|contract-${n}`,
    name,
    email: `${name.toLowerCase().replace(/[^a-z]+/g, ".")}@example.com`,
    status: "active",
    assignedRoles: roles.map((r) => ({ name: r })),
    assignedGroups: groups.map((g) => ({ id: g.id, name: g.name })),
  });
  const olivia = user(1, "Olivia Owner", ["ContractReviewer"], []);
  const pat = user(2, "Pat Producer", [], [sales]);
  const cara = user(3, "Cara Consumer", [], [sales, auditors]);
  const users = [olivia, pat, cara];
  for (let i = 0; i < over; i++) users.push(user(100 + i, `Filler User ${String(i + 1).padStart(3, "0")}`, [], []));

  const shared: SpaceRecord = { id: hex24(SPACE, 1), name: "Contract Dev", type: "shared", description: "where the apps are built", ownerId: olivia.id };
  const managed: SpaceRecord = { id: hex24(SPACE, 2), name: "Contract Prod", type: "managed", description: "where they are published", ownerId: olivia.id };
  const filler: SpaceRecord = { id: hex24(SPACE, 3), name: "Contract Fillers", type: "shared", ownerId: olivia.id };
  const spaces = [shared, managed, filler];
  for (let i = 0; i < over; i++) spaces.push({ id: hex24(SPACE, 100 + i), name: `Filler Space ${String(i + 1).padStart(3, "0")}`, type: "shared", ownerId: olivia.id });

  let a = 0;
  const assign = (type: "user" | "group", assigneeId: string, roles: string[]): AssignmentRecord => ({ id: hex24(ASSIGNMENT, ++a), type, assigneeId, roles });
  const assignments: Record<string, AssignmentRecord[]> = {
    [shared.id]: [assign("user", pat.id, ["producer"]), assign("user", cara.id, ["consumer"]), assign("group", sales.id, ["consumer"])],
    [managed.id]: [assign("user", pat.id, ["publisher", "consumer"]), assign("user", cara.id, ["consumer"]), assign("group", sales.id, ["consumer"])],
    [filler.id]: users.slice(3).map((u) => assign("user", u.id, ["consumer"])),
  };

  const script = (name: string) => `///$tab Main\n// ${name}\nSales:\nLOAD * INLINE [\nRegion, Amount\nNorth, 120\nSouth, 95\n];`;
  const overview = sheet("ctOvw001", "Overview", olivia, "base", ["ctChart01", "ctChart02"]);
  const sharedApp: FixtureApp = {
    id: guid(1),
    name: "Contract Sales",
    spaceId: shared.id,
    ownerId: olivia.id,
    script: script("Contract Sales"),
    objects: [
      overview,
      sheet("ctPriv001", "Pat's private sheet", pat, "private", ["ctChart03"]),
      sheet("ctComm001", "Pat's community sheet", pat, "community", []),
      object("ctBkmk001", "bookmark", "genericBookmark", "Cara's bookmark", cara, "private", { creationDate: "2026-01-05T10:00:00.000Z" }),
      object("ctMast001", "masterobject", "genericObject", "Amount by region", olivia, "base", { visualization: "barchart", qHyperCubeDef: { qDimensions: [{ qDef: { qFieldDefs: ["Region"] } }], qMeasures: [{ qDef: { qDef: "Sum(Amount)" } }] } }),
      object("ctMeas001", "measure", "genericMeasure", "Total amount", olivia, "base", { qMeasure: { qLabel: "Total amount", qDef: "Sum(Amount)", qGrouping: "N", qExpressions: [], qActiveExpression: 0 } }),
      object("ctDime001", "dimension", "genericDimension", "Region", olivia, "base", { qDim: { qGrouping: "N", qFieldDefs: ["Region"], qFieldLabels: ["Region"], title: "Region" } }),
      object("ctVari001", "variable", "genericVariable", "vCurrency", olivia, "base", { qName: "vCurrency", qDefinition: "'EUR'", qComment: "" }),
    ],
  };
  const managedApp: FixtureApp = {
    id: guid(2),
    name: "Contract Sales",
    spaceId: managed.id,
    ownerId: olivia.id,
    originAppId: sharedApp.id,
    script: sharedApp.script,
    objects: [structuredClone(overview), sheet("ctPriv002", "Cara's private notes", cara, "private", [])],
  };
  const personalApp: FixtureApp = {
    id: guid(3),
    name: "Pat's scratch",
    ownerId: pat.id,
    script: script("Pat's scratch"),
    objects: [sheet("ctScra001", "Scratch", pat, "private", ["ctChart09"])],
  };
  const apps = [sharedApp, managedApp, personalApp];
  for (let i = 0; i < over; i++) apps.push({ id: guid(100 + i), name: `Filler App ${String(i + 1).padStart(3, "0")}`, spaceId: filler.id, ownerId: olivia.id, script: script("filler"), objects: [] });

  const webhook = (n: number, name: string, owner: UserRecord, secret?: string): FixtureResource => ({
    record: {
      kind: "webhooks",
      id: `c0de0000-0000-4000-9000-${n.toString(16).padStart(12, "0")}`,
      name,
      ownerId: owner.id,
      stamp: "2026-01-05T09:00:00.000Z",
      body: {
        name,
        description: `${name} (contract)`,
        url: `https://hooks.example.com/contract/${n}`,
        eventTypes: ["com.qlik.v1.app.reload.finished"],
        level: "tenant",
        enabled: !secret,
        headers: { "X-Contract": String(n) },
        checkCertificateRevocation: true,
        enableCloudEventDelivery: false,
        ownerId: owner.id,
      },
      ...(secret ? { secrets: ["secret"] } : {}),
    },
    ...(secret ? { secretValues: { secret } } : {}),
  });
  // A readable ZIP (an emulator or a tenant refuses anything else, 422): an empty archive whose
  // end-of-central-directory comment carries bytes a re-encoding would change.
  const comment = new TextEncoder().encode("contract theme archive, byte for byte \u00ff\u0000\r\n");
  const archive = new Uint8Array([0x50, 0x4b, 0x05, 0x06, ...new Array<number>(16).fill(0), comment.length & 0xff, comment.length >> 8, ...comment]);
  const theme: FixtureResource = {
    record: {
      kind: "themes",
      id: "c0de0000-0000-4000-a000-000000000001",
      name: "Contract Theme",
      stamp: "2026-01-05T09:00:00.000Z",
      body: { name: "Contract Theme", qextFilename: "contract-theme", qextVersion: "1.0.0", type: "theme", version: "1.0.0", description: "the contract's theme" },
      files: ["archive.zip"],
    },
    files: { "archive.zip": archive },
  };
  const dcId = "c0de0000-0000-4000-b000-000000000001";
  // As the Qlik Cloud connector lists it (API-FACTS §6.6): the three write-only fields named, none returned.
  const connection: FixtureResource = {
    record: {
      kind: "dataConnections",
      id: dcId,
      name: "Contract DB",
      ownerId: olivia.id,
      spaceId: shared.id,
      stamp: "2026-01-05T09:00:00.000Z",
      body: {
        qID: dcId,
        qName: "Contract DB",
        qType: "QvOdbcConnectorPackage.exe",
        qConnectStatement: "ODBC CONNECT TO [Contract DB]",
        qArchitecture: 0,
        qLogOn: 0,
        qSeparateCredentials: false,
        datasourceID: "odbc",
        tags: [],
        user: olivia.id,
        space: shared.id,
      },
      secrets: ["qUsername", "qPassword", "qConnectionSecret"],
    },
    secretValues: { qUsername: "contract", qPassword: FIXTURE_SECRETS[1] },
    nameField: "qName",
    copyWithout: ["qID"],
  };
  const resources = [webhook(1, "Contract reload alerts", olivia, FIXTURE_SECRETS[0]), webhook(2, "Contract audit feed", pat), theme, connection];

  return {
    users,
    groups: [sales, auditors],
    roles: [reviewer],
    spaces,
    assignments,
    apps,
    resources,
    refs: {
      sharedSpaceId: shared.id,
      managedSpaceId: managed.id,
      sharedAppId: sharedApp.id,
      managedAppId: managedApp.id,
      personalAppId: personalApp.id,
      privateSheetId: "ctPriv001",
      bookmarkId: "ctBkmk001",
      approvedSheetId: overview.id,
      measureId: "ctMeas001",
      ownerUserId: olivia.id,
      producerUserId: pat.id,
      consumerUserId: cara.id,
      secretWebhookId: resources[0]!.record.id,
      plainWebhookId: resources[1]!.record.id,
      themeId: theme.record.id,
      dataConnectionId: dcId,
    },
  };
}

/** A fixture object as a reader records it (its property tree built from properties and children). */
export function fixtureObjectRecord(o: FixtureObject, users: readonly UserRecord[], publishTime = "2026-01-02T03:04:05.000Z"): ObjectRecord {
  return {
    id: o.id,
    type: o.type,
    genericType: o.genericType,
    title: o.title,
    ownerId: o.ownerId,
    ownerSubject: users.find((u) => u.id === o.ownerId)?.subject ?? "",
    approved: o.approved,
    published: o.published,
    ...(o.published ? { publishTime } : {}),
    propertyTree: {
      qProperty: structuredClone(o.properties),
      qChildren: o.children.map((c) => ({ qProperty: structuredClone(c.properties), qChildren: [] })),
      qEmbeddedSnapshotRef: null,
    },
  };
}

/** The space type an app of the fixture lives in ("personal" without a space). */
export function fixtureSpaceType(f: ContractFixture, app: FixtureApp): "shared" | "managed" | "data" | "personal" {
  return app.spaceId ? (f.spaces.find((s) => s.id === app.spaceId)?.type ?? "shared") : "personal";
}
