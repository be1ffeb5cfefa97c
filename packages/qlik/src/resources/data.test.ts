/**
 * Data connections and data credentials (data.ts) against the emulator's demo tenant and an
 * empty second tenant: listing (no DataFiles, no secret, what a restore needs named), the
 * credentials reached through connections, create (same qID across tenants, secrets written,
 * owner handed over, a taken id) and update (PUT, tags, owner), errors named.
 */
import { describe, expect, it } from "vitest";
import type { ResourceRecord } from "@lifeboat/model";
import { kindsOf, type Tenant } from "@lifeboat/emulator";
import { createTenantClient, createTenantCore, type TenantClient } from "../client.ts";
import { dataConnectionsApi } from "./data.ts";
import { QlikApiError } from "../errors.ts";
import { createRestoreTarget } from "../restore-target.ts";
import { keyOf, useEmulator } from "../testing-emulator.ts";

const ctx = useEmulator({ tenants: 2, tenantFixtures: ["demo", "empty"] });

const collect = async <T>(it: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

/** Every write-only secret the tenant holds for these kinds (what no answer may carry). */
function heldSecrets(t: Tenant): string[] {
  const k = kindsOf(t);
  return [
    ...Object.values(k.dataConnections).flatMap((c) => [c.password, c.connectionSecret]),
    ...Object.values(k.dataCredentials).map((c) => c.password),
  ].filter((s): s is string => typeof s === "string" && s.length > 0);
}

/** A client acting as a fixture user (an API key added to the tenant). */
function asUser(name: string, tenantIndex = 0): TenantClient {
  const t = ctx.emu.state.tenants[tenantIndex]!;
  const user = Object.values(t.users).find((u) => u.name === name)!;
  const token = `data_${user.id}`;
  t.apiKeys[token] = { id: token, token, userId: user.id };
  return createTenantClient({ host: ctx.emu.tenants[tenantIndex]!.host, auth: { type: "apikey", apiKey: token } });
}

const byName = (rs: ResourceRecord[], name: string): ResourceRecord => {
  const r = rs.find((x) => x.name === name);
  if (!r) throw new Error(`no record named ${name}: ${rs.map((x) => x.name).join(", ")}`);
  return r;
};

describe("data connections", () => {
  it("lists every connection for a tenant admin (others' personal ones asked per user) — no DataFiles connection, no secret, owner, space and stamp lifted out, the secrets it may hold named", async () => {
    const client = keyOf(ctx.emu);
    const rs = await collect(client.listResources("dataConnections"));
    const names = rs.map((r) => r.name).sort();
    expect(names).toEqual(["Ben's scratch DB", "CRM REST", "Finance Warehouse", "Ledger Files", "Sales DB"]);
    const scratch = byName(rs, "Ben's scratch DB");
    expect(scratch.ownerId).toBe(Object.values(ctx.tenant.users).find((u) => u.name === "Ben Builder")!.id);
    expect(scratch.spaceId).toBeUndefined();
    expect(names).not.toContain("DataFiles");
    const sales = byName(rs, "Sales DB");
    const conn = Object.values(kindsOf(ctx.tenant).dataConnections).find((c) => c.name === "Sales DB")!;
    expect(sales).toMatchObject({ kind: "dataConnections", id: conn.id, ownerId: conn.ownerId, spaceId: conn.spaceId, stamp: conn.updated, secrets: ["qUsername", "qPassword", "qConnectionSecret"] });
    expect(sales.body).toMatchObject({ qID: conn.id, qName: "Sales DB", qConnectStatement: conn.connectStatement, tags: ["sales", "snowflake"] });
    expect(sales.body).not.toHaveProperty("links");
    expect(sales.body).not.toHaveProperty("privileges");
    // Separate credentials: no secret of its own (each user's login is a data credential).
    expect(byName(rs, "Finance Warehouse").secrets).toEqual([]);
    const text = JSON.stringify(rs);
    for (const s of heldSecrets(ctx.tenant)) expect(text).not.toContain(s);
    // A user sees their own personal connection, never another's (Qlik refuses a non-admin's `userId`).
    expect((await collect(asUser("Ben Builder").listResources("dataConnections"))).map((r) => r.name)).toContain("Ben's scratch DB");
    expect((await collect(asUser("Chloe Chen").listResources("dataConnections"))).map((r) => r.name)).not.toContain("Ben's scratch DB");
  });

  it("a single read drops the connection secret Qlik returns there (quirk connectionSecretOnGet=plaintext)", async () => {
    const crm = Object.values(kindsOf(ctx.tenant).dataConnections).find((c) => c.name === "CRM REST")!;
    const core = createTenantCore({ host: ctx.emu.host, auth: { type: "apikey", apiKey: ctx.emu.apiKey } });
    const got = await dataConnectionsApi.get!(core, crm.id);
    core.close();
    expect(got).toMatchObject({ id: crm.id, name: "CRM REST" });
    expect(got.body).not.toHaveProperty("qConnectionSecret");
    expect(JSON.stringify(got)).not.toContain(crm.connectionSecret!);
  });

  it("creates into another tenant with the same qID, the secrets given written (never answered), owned by the caller there", async () => {
    const source = byName(await collect(keyOf(ctx.emu).listResources("dataConnections")), "Ledger Files");
    const target = createRestoreTarget(createTenantClient({ host: ctx.emu.tenants[1]!.host, auth: { type: "apikey", apiKey: ctx.emu.tenants[1]!.apiKey } }));
    const res = await target.createResource!("dataConnections", { body: source.body, secrets: { qUsername: "ledger_reader", qPassword: "restored-pw" } });
    expect(res).toEqual({ id: source.id });
    const made = kindsOf(ctx.emu.state.tenants[1]!).dataConnections[source.id]!;
    expect(made).toMatchObject({ name: "Ledger Files", connectStatement: source.body.qConnectStatement, username: "ledger_reader", password: "restored-pw", spaceId: undefined });
    const back = byName(await collect(target.listResources!("dataConnections")), "Ledger Files");
    expect(JSON.stringify(back)).not.toContain("restored-pw");
    expect(back.body.qConnectStatement).toBe(source.body.qConnectStatement);
  });

  it("recreates a deleted connection in its space with its id and owner; a taken id gives a new one (noted)", async () => {
    const k = kindsOf(ctx.tenant);
    const conn = Object.values(k.dataConnections).find((c) => c.name === "Sales DB")!;
    const source = byName(await collect(keyOf(ctx.emu).listResources("dataConnections")), "Sales DB");
    delete k.dataConnections[conn.id];
    const target = createRestoreTarget(keyOf(ctx.emu));
    const res = await target.createResource!("dataConnections", { body: source.body, ownerId: source.ownerId, spaceId: source.spaceId, secrets: { qPassword: "pw-given" } });
    expect(res).toEqual({ id: conn.id });
    expect(k.dataConnections[conn.id]).toMatchObject({ ownerId: conn.ownerId, spaceId: conn.spaceId, tags: ["sales", "snowflake"], password: "pw-given" });
    // Same id, another name (a copy): Qlik answers 409 for the id; created with a new one.
    const copy = await target.createResource!("dataConnections", { body: { ...source.body, qName: "Sales DB (copy)" }, spaceId: source.spaceId });
    expect(copy.id).not.toBe(conn.id);
    expect(copy.notes?.[0]).toMatch(/its id .* is used by another connection in the target: created with a new id/);
  });

  it("updates a connection: PUT of its fields (secrets kept when not given), tags by PATCH, owner handed back", async () => {
    const k = kindsOf(ctx.tenant);
    const conn = Object.values(k.dataConnections).find((c) => c.name === "Ledger Files")!;
    const source = byName(await collect(keyOf(ctx.emu).listResources("dataConnections")), "Ledger Files");
    const before = { password: conn.password, ownerId: conn.ownerId };
    conn.connectStatement = "CUSTOM CONNECT TO \"changed\"";
    conn.tags = ["drifted"];
    conn.ownerId = Object.values(ctx.tenant.users).find((u) => u.name === "Ben Builder")!.id;
    const res = await createRestoreTarget(keyOf(ctx.emu)).updateResource!("dataConnections", conn.id, { body: source.body, ownerId: before.ownerId, spaceId: source.spaceId });
    expect(res).toEqual({ id: conn.id });
    expect(conn).toMatchObject({ connectStatement: source.body.qConnectStatement, tags: [], password: before.password, ownerId: before.ownerId });
  });

  it("names the connection and the place when Qlik refuses a create", async () => {
    const source = byName(await collect(keyOf(ctx.emu).listResources("dataConnections")), "CRM REST");
    const err = await createRestoreTarget(keyOf(ctx.emu))
      .createResource!("dataConnections", { body: { ...source.body, qName: "Elsewhere", qID: "" }, spaceId: "000000000000000000000000" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QlikApiError);
    expect((err as QlikApiError).kind).toBe("not-found");
    expect((err as Error).message).toMatch(/data connection 'Elsewhere'/);
    expect((err as Error).message).toContain(ctx.emu.host);
  });
});

describe("data credentials", () => {
  it("are reached through their connections, by their user only, without user name or password", async () => {
    expect(await collect(keyOf(ctx.emu).listResources("dataCredentials"))).toEqual([]);
    const emma = await collect(asUser("Emma Evans").listResources("dataCredentials"));
    const cred = Object.values(kindsOf(ctx.tenant).dataCredentials).find((c) => c.name === "Emma's warehouse login")!;
    expect(emma).toHaveLength(1);
    expect(emma[0]).toMatchObject({ kind: "dataCredentials", id: cred.id, name: cred.name, stamp: cred.updated, secrets: ["qUsername", "qPassword"] });
    expect(emma[0]!.body).toMatchObject({ qID: cred.id, qType: cred.type, qConnCount: 1 });
    expect(JSON.stringify(emma)).not.toContain(cred.password);
    expect(JSON.stringify(emma)).not.toContain(cred.username);
  });
});
