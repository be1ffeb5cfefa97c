/**
 * The data and automation declarations (data.ts, automation.ts): their classes and reasons,
 * the secrets each item names, the reference paths resolving in records shaped as Qlik's, and
 * a capture of all four kinds into a test repository (nothing secret stored even when a reader
 * hands one over, the manifest's re-entry labels, unchanged items) and the diff of two
 * snapshots (changed fields named, volatile ones not).
 */
import { createTestRepository } from "@lifeboat/repository/testing";
import type { SnapshotRepository } from "@lifeboat/repository";
import type { ResourceKindName, ResourceRecord, TenantReader } from "@lifeboat/model";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { backup } from "../../../backup/run.ts";
import { diffSnapshots } from "../../../diff.ts";
import { createFakeTenant, sampleTenantState } from "../../../testing.ts";
import { valuesAt } from "../fields.ts";
import { automationConnections, automations } from "./automation.ts";
import { dataConnections, dataCredentials } from "./data.ts";

const conn = (over: Partial<ResourceRecord> & { body?: Record<string, unknown> } = {}): ResourceRecord => ({
  kind: "dataConnections",
  id: "7d8f1a2e-0000-4000-8000-000000000001",
  name: "Sales DB",
  ownerId: "u-ben",
  spaceId: "sp-sales",
  stamp: "2026-01-05T09:00:00.000Z",
  secrets: ["qUsername", "qPassword", "qConnectionSecret"],
  ...over,
  body: {
    qID: "7d8f1a2e-0000-4000-8000-000000000001",
    qEngineObjectID: "7d8f1a2e-0000-4000-8000-000000000001",
    qName: "Sales DB",
    qType: "QvOdbcConnectorPackage.exe",
    qConnectStatement: 'CUSTOM CONNECT TO "provider=QvOdbcConnectorPackage.exe;driver=snowflake;"',
    qLogOn: 0,
    qSeparateCredentials: false,
    datasourceID: "snowflake",
    space: "sp-sales",
    user: "u-ben",
    tenant: "t-1",
    tags: ["sales"],
    created: "2026-01-05T09:00:00.000Z",
    updated: "2026-01-05T09:00:00.000Z",
    ...over.body,
  },
});

const autoConn = (over: Partial<ResourceRecord> = {}): ResourceRecord => ({
  kind: "automationConnections",
  id: "ac-1",
  name: "Snowflake (Ben)",
  ownerId: "u-ben",
  stamp: "2026-01-05T09:00:00.000Z",
  secrets: ["params.password"],
  body: {
    id: "ac-1",
    name: "Snowflake (Ben)",
    connectorId: "61a87510-c7a3-11ea-95da-0fb0c241e75c",
    ownerId: "u-ben",
    isConnected: true,
    params: [
      { id: "p1", name: "account", value: "acme", fieldType: "string", isOptional: false },
      { id: "p2", name: "password", fieldType: "password", isOptional: false },
    ],
  },
  ...over,
});

const automation = (over: Partial<ResourceRecord> & { body?: Record<string, unknown> } = {}): ResourceRecord => ({
  kind: "automations",
  id: "au-1",
  name: "Nightly sales refresh",
  ownerId: "u-ben",
  stamp: "2026-01-05T09:00:00.000Z",
  ...over,
  body: {
    id: "au-1",
    name: "Nightly sales refresh",
    description: "",
    runMode: "scheduled",
    state: "available",
    ownerId: "u-ben",
    maxConcurrentRuns: 1,
    workspace: { blocks: [{ id: "start", type: "StartBlock", runMode: "scheduled" }, { id: "b1", type: "EndpointBlock", connectionId: "ac-1" }, { id: "b2", type: "EndpointBlock", connectionId: "ac-2" }] },
    schedules: [{ id: "s1", interval: 86400, timezone: "Europe/Stockholm", nextRunAt: "2026-01-06T02:00:00.000Z" }],
    lastRunAt: "2026-01-05T02:00:00.000Z",
    lastRunStatus: "finished",
    updatedAt: "2026-01-05T09:00:00.000Z",
    ...over.body,
  },
});

describe("classes and reasons", () => {
  it("data connections: input when they may hold a secret, direct with separate credentials; credentials reference only", () => {
    expect(dataConnections.def.classify(conn())).toMatchObject({ class: "input", reason: expect.stringMatching(/never returns a connection's user name, password or connection secret/) });
    expect(dataConnections.def.classify(conn({ secrets: [], body: { qSeparateCredentials: true } }))).toMatchObject({ class: "direct", reason: expect.stringMatching(/separate credentials/) });
    const labels = (r: ResourceRecord) => (dataConnections.def.secrets ?? []).filter((s) => s.when?.(r)).map((s) => s.label);
    expect(labels(conn())).toEqual(["user name", "password", "connection secret"]);
    expect(labels(conn({ secrets: [] }))).toEqual([]);
    const cred: ResourceRecord = { kind: "dataCredentials", id: "c1", name: "Emma's login", body: { qID: "c1", qName: "Emma's login" }, secrets: ["qUsername", "qPassword"] };
    expect(dataCredentials.def.classify(cred)).toMatchObject({ class: "reference", reason: expect.stringMatching(/its user enters it when they first connect/) });
  });

  it("automation connections: input for password-typed parameters or OAuth, direct when every parameter is readable", () => {
    expect(automationConnections.def.classify(autoConn())).toMatchObject({ class: "input", reason: expect.stringContaining("(password)") });
    expect(automationConnections.def.classify(autoConn({ secrets: [], body: { oauthAccountName: "chloe@example.com", params: [] } }))).toMatchObject({ class: "input", reason: expect.stringMatching(/OAuth.*signs in again/) });
    expect(automationConnections.def.classify(autoConn({ secrets: [], body: { params: [{ name: "host", value: "x" }] } }))).toMatchObject({ class: "direct" });
    const labels = (r: ResourceRecord) => (automationConnections.def.secrets ?? []).filter((s) => s.when?.(r)).map((s) => s.field);
    expect(labels(autoConn())).toEqual(["params.password"]);
    expect(labels(autoConn({ secrets: ["params.apiKey", "params.pat"] }))).toEqual(["params.apiKey", "params.*"]);
  });

  it("automations: reference only without a definition; a new execution token said for triggered ones", () => {
    const { workspace: _w, ...summary } = automation().body;
    expect(automations.def.classify({ ...automation(), body: summary })).toMatchObject({ class: "reference", reason: expect.stringMatching(/admin\.automations/) });
    expect(automations.def.classify(automation({ body: { runMode: "webhook" } }))).toMatchObject({ class: "direct", reason: expect.stringMatching(/new execution token/) });
    expect(automations.def.classify(automation())).toMatchObject({ class: "direct" });
  });

  it("reference paths name what a restore remaps", () => {
    const paths = (refs: readonly { path: string; to: string }[] | undefined, r: ResourceRecord) => Object.fromEntries((refs ?? []).map((x) => [`${x.path} → ${x.to}`, valuesAt(r.body, x.path)]));
    expect(paths(dataConnections.def.refs, conn({ body: { qCredentialsID: "cred-1" } }))).toEqual({ "space → space": ["sp-sales"], "user → user": ["u-ben"], "qCredentialsID → dataCredentials": ["cred-1"] });
    expect(paths(automations.def.refs, automation({ body: { spaceId: "sp-sales" } }))).toEqual({
      "spaceId → space": ["sp-sales"],
      "ownerId → user": ["u-ben"],
      "workspace.blocks[].connectionId → automationConnections": ["ac-1", "ac-2"],
    });
  });
});

describe("capture and diff", () => {
  let repo: SnapshotRepository;
  beforeEach(async () => {
    repo = await createTestRepository();
  });
  afterEach(async () => {
    await repo.close();
  });

  /** The fake tenant with these kinds listed from `items` (a reader that wrongly hands a secret over, too). */
  function reader(items: () => ResourceRecord[]): TenantReader {
    const tenant = createFakeTenant(sampleTenantState());
    const kinds: ResourceKindName[] = ["dataConnections", "dataCredentials", "automationConnections", "automations"];
    return Object.assign(Object.create(tenant) as TenantReader, {
      resourceKinds: () => kinds,
      async *listResources(kind: ResourceKindName) {
        for (const r of items()) if (r.kind === kind) yield structuredClone(r);
      },
    });
  }

  it("stores every item without its secrets, says what a restore needs re-entered, and diffs changed fields only", async () => {
    let items = [
      conn({ body: { qPassword: "SECRET-leaked-by-reader" } }),
      { kind: "dataCredentials", id: "c1", name: "Emma's login", stamp: "2026-01-05T09:00:00.000Z", body: { qID: "c1", qName: "Emma's login", qUsername: "SECRET-user" }, secrets: ["qUsername", "qPassword"] } satisfies ResourceRecord,
      autoConn(),
      automation(),
    ];
    const first = await backup({ tenant: reader(() => items), repository: repo });
    const stored: string[] = [];
    for (const e of first.manifest.items.filter((i) => ["dataConnections", "dataCredentials", "automationConnections", "automations"].includes(i.layer))) stored.push(`${e.layer}:${e.name}:${e.status}:${(e.reenter ?? []).join("+")}`);
    expect(stored).toEqual([
      "dataConnections:Sales DB:captured:user name+password+connection secret",
      "dataCredentials:Emma's login:captured:user name+password",
      "automationConnections:Snowflake (Ben):captured:parameter 'password'",
      "automations:Nightly sales refresh:captured:",
    ]);
    const root = await repo.loadTree(first.snapshot.tree);
    for (const path of ["data-connections", "data-credentials", "automation-connections", "automations"]) {
      const entry = root.entries.find((e) => e.name === path);
      expect(entry?.type, path).toBe("tree");
      for (const e of entry?.type === "tree" ? (await repo.loadTree(entry.subtree)).entries : []) {
        if (e.type === "blob") expect(JSON.stringify(await repo.readJson(e.blob))).not.toContain("SECRET-");
      }
    }

    // Second run: a volatile field and a real one changed; another automation added.
    items = [
      conn({ stamp: "2026-02-01T00:00:00.000Z", body: { updated: "2026-02-01T00:00:00.000Z", qConnectStatement: 'CUSTOM CONNECT TO "changed"' } }),
      items[1]!,
      autoConn(),
      automation({ stamp: "2026-02-01T00:00:00.000Z", body: { lastRunAt: "2026-02-01T02:00:00.000Z", updatedAt: "2026-02-01T00:00:00.000Z" } }),
      automation({ id: "au-2", name: "Month-end mail", body: { id: "au-2", name: "Month-end mail" } }),
    ];
    const second = await backup({ tenant: reader(() => items), repository: repo });
    const diff = await diffSnapshots(repo, first.snapshot, second.snapshot);
    const ours = diff.changes.filter((c) => ["dataConnections", "automations", "automationConnections", "dataCredentials"].includes(c.layer));
    expect(ours.map((c) => [c.layer, c.kind, c.details ?? []])).toEqual([
      ["dataConnections", "changed", ["qConnectStatement"]],
      ["automations", "added", []],
    ]);
  });
});
