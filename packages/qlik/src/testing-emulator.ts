/**
 * Test helpers for the connector's emulator tests (tests only): one emulator per describe
 * with the usual teardown (`useEmulator`), client factories for the private-content bot and
 * the admin's API key, and `seedContractFixture`, which writes the contract suites' tenant
 * (`contractFixture()` of `@lifeboat/engine/testing`, with the resources of the kinds the connector
 * lists) into an emulator tenant's state — the
 * setup a harness may do outside the ports.
 */
import { afterAll, beforeAll } from "vitest";
import { createHash } from "node:crypto";
import { kindsOf, startEmulator, type App, type AppObject, type EmulatorHandle, type EmulatorOptions, type Tenant, type Webhook } from "@lifeboat/emulator";
import type { ContractFixture, FixtureObject, SeededTenant } from "@lifeboat/engine/testing";
import { createTenantClient, type TenantClient, type TenantClientConfig } from "./client.ts";

/** The OAuth private-content bot of an emulator tenant. */
export function botOf(emu: EmulatorHandle, extra: Partial<TenantClientConfig> = {}): TenantClient {
  return createTenantClient({ host: emu.host, auth: { type: "oauth2", clientId: emu.clientId, clientSecret: emu.clientSecret }, ...extra });
}

/** The tenant admin's API key (no private-content bot). */
export function keyOf(emu: EmulatorHandle, extra: Partial<TenantClientConfig> = {}): TenantClient {
  return createTenantClient({ host: emu.host, auth: { type: "apikey", apiKey: emu.apiKey }, ...extra });
}

/**
 * Starts an emulator before the describe's tests and closes it after them. The returned
 * object's `emu` and `tenant` (the first tenant's live state) are set once `beforeAll` ran.
 */
export function useEmulator(options: EmulatorOptions = {}): { emu: EmulatorHandle; tenant: Tenant } {
  const ctx = {} as { emu: EmulatorHandle; tenant: Tenant };
  beforeAll(async () => {
    ctx.emu = await startEmulator({ fixture: "demo", port: 0, rateLimits: "off", ...options });
    ctx.tenant = ctx.emu.state.tenants[0] as Tenant;
  });
  afterAll(async () => {
    await ctx.emu?.close();
  });
  return ctx;
}

/** Long ago: every seeded app is older than 45 minutes (its deletion is a soft one). */
const SEEDED_AT = "2026-01-05T09:00:00.000Z";

function appObject(o: FixtureObject, createdDate: string): AppObject {
  const obj: AppObject = {
    id: o.id,
    type: o.type,
    genericType: o.genericType,
    ownerId: o.ownerId,
    approved: o.approved,
    published: o.published,
    ...(o.published ? { publishTime: createdDate } : {}),
    createdDate,
    modifiedDate: createdDate,
    properties: structuredClone(o.properties),
    // Children carry their parent's owner and state, as the engine keeps them.
    children: o.children.map((c) => ({
      id: c.id,
      type: c.type,
      genericType: "genericObject",
      ownerId: o.ownerId,
      approved: o.approved,
      published: o.published,
      createdDate,
      modifiedDate: createdDate,
      properties: structuredClone(c.properties),
      children: [],
    })),
  };
  if (o.genericType === "genericBookmark") obj.bookmark = { qStateData: [{ qStateName: "$", qFieldItems: [] }] };
  return obj;
}

/**
 * Writes the contract fixture into an emulator tenant (users, groups, a custom role, spaces,
 * assignments, apps with their objects) and says who its OAuth bot — the caller of
 * `botOf(emu)` — is.
 */
export function seedContractFixture(tenant: Tenant, f: ContractFixture): SeededTenant {
  const t = SEEDED_AT;
  for (const r of f.roles)
    tenant.roles[r.id] = { id: r.id, tenantId: tenant.id, name: r.name, description: r.description ?? "", type: "custom", level: "user", assignedScopes: r.assignedScopes ?? [], createdAt: t, lastUpdatedAt: t };
  for (const g of f.groups)
    tenant.groups[g.id] = { id: g.id, tenantId: tenant.id, name: g.name, ...(g.description ? { description: g.description } : {}), providerType: g.providerType === "custom" ? "custom" : "idp", status: "active", roles: [], createdAt: t, lastUpdatedAt: t };
  for (const u of f.users)
    tenant.users[u.id] = {
      id: u.id,
      tenantId: tenant.id,
      subject: u.subject,
      name: u.name ?? "",
      email: u.email ?? "",
      status: u.status as "active",
      createdAt: t,
      lastUpdatedAt: t,
      roles: u.assignedRoles.map((r) => r.name),
      groups: u.assignedGroups.map((g) => g.id),
    };
  for (const s of f.spaces)
    tenant.spaces[s.id] = { id: s.id, tenantId: tenant.id, name: s.name, description: s.description ?? "", type: s.type, ownerId: s.ownerId, createdAt: t, createdBy: s.ownerId, updatedAt: t };
  for (const [spaceId, list] of Object.entries(f.assignments))
    for (const a of list)
      tenant.assignments[a.id] = { id: a.id, spaceId, tenantId: tenant.id, type: a.type, assigneeId: a.assigneeId, roles: [...a.roles], createdAt: t, createdBy: f.refs.ownerUserId, updatedAt: t, updatedBy: f.refs.ownerUserId };
  let item = 0;
  for (const a of f.apps) {
    const app: App = {
      id: a.id,
      tenantId: tenant.id,
      name: a.name,
      description: "",
      ownerId: a.ownerId,
      ...(a.spaceId ? { spaceId: a.spaceId } : {}),
      createdDate: t,
      modifiedDate: t,
      lastReloadTime: t,
      ...(a.originAppId ? { originAppId: a.originAppId, publishTime: t } : {}),
      usage: "ANALYTICS",
      hasSectionAccess: false,
      script: a.script,
      scriptHistory: [{ scriptId: `c0de0000000000000000${String(++item).padStart(4, "0")}`, script: a.script, versionMessage: "seeded", modifiedTime: t, modifierId: a.ownerId }],
      media: {},
      objects: Object.fromEntries(a.objects.map((o) => [o.id, appObject(o, t)])),
      fields: { Region: ["North", "South"], Amount: ["95", "120"] },
      dataModelBytes: 16 * 1024,
      dataSeed: `${tenant.id}:${a.id}`,
      itemId: `c0de1000${String(item).padStart(16, "0")}`,
    };
    tenant.apps[a.id] = app;
  }
  // Resources of the kinds the connector lists (resources/), as the emulator keeps them (the
  // others are left out: the suites skip kinds a target lacks).
  const kinds = kindsOf(tenant);
  for (const r of f.resources) {
    if (r.record.kind === "dataConnections") {
      const b = r.record.body;
      kinds.dataConnections[r.record.id] = {
        id: r.record.id,
        name: r.record.name,
        type: String(b.qType),
        connectStatement: String(b.qConnectStatement),
        datasourceID: String(b.datasourceID),
        ...(r.record.spaceId ? { spaceId: r.record.spaceId } : {}),
        ownerId: r.record.ownerId!,
        logOn: b.qLogOn === 1 ? 1 : 0,
        architecture: b.qArchitecture === 1 ? 1 : 0,
        separateCredentials: b.qSeparateCredentials === true,
        tags: (b.tags as string[] | undefined) ?? [],
        ...(r.secretValues?.qUsername ? { username: r.secretValues.qUsername } : {}),
        ...(r.secretValues?.qPassword ? { password: r.secretValues.qPassword } : {}),
        created: t,
        updated: t,
      };
      continue;
    }
    if (r.record.kind !== "webhooks") continue;
    const b = r.record.body as Partial<Webhook> & Record<string, unknown>;
    const owner = r.record.ownerId ?? Object.values(tenant.users)[0]!.id;
    kinds.webhooks[r.record.id] = {
      id: r.record.id,
      name: r.record.name,
      description: b.description ?? "",
      url: String(b.url),
      eventTypes: b.eventTypes ?? [],
      ...(b.filter ? { filter: b.filter } : {}),
      level: b.level ?? "tenant",
      enabled: b.enabled ?? false,
      headers: b.headers ?? {},
      encryptedHeaders: {},
      checkCertificateRevocation: b.checkCertificateRevocation ?? false,
      enableCloudEventDelivery: b.enableCloudEventDelivery ?? false,
      ...(r.secretValues?.secret ? { secret: r.secretValues.secret } : {}),
      ownerId: owner,
      origin: "api",
      createdByUserId: owner,
      updatedByUserId: owner,
      createdAt: r.record.stamp ?? t,
      updatedAt: r.record.stamp ?? t,
    };
  }
  const client = Object.values(tenant.oauthClients)[0];
  const bot = client ? tenant.users[client.userId] : undefined;
  if (!bot) throw new Error(`emulator tenant ${tenant.hostname} has no OAuth bot to read the fixture with`);
  // The fixture's themes and extensions (the emulator's ArchiveItem: model fields apart, the archive byte for byte).
  for (const { record: r, files } of f.resources) {
    if (r.kind !== "themes" && r.kind !== "extensions") continue;
    const archive = files?.["archive.zip"];
    const { name: _n, qextFilename, tags, ...model } = r.body as Record<string, unknown>;
    kindsOf(tenant)[r.kind][r.id] = {
      id: r.id,
      name: r.name,
      qextFilename: typeof qextFilename === "string" ? qextFilename : r.name,
      model: Object.fromEntries(Object.entries(model).filter(([, v]) => typeof v === "string")),
      tags: Array.isArray(tags) ? (tags as string[]) : [],
      dependencies: {},
      supernova: false,
      ...(archive ? { archive: Buffer.from(archive).toString("base64"), checksum: createHash("sha256").update(archive).digest("hex") } : {}),
      userId: bot.id,
      createdAt: t,
      updatedAt: r.stamp ?? t,
    };
  }
  return { fixture: f, caller: { userId: bot.id, subject: bot.subject, isPrivateContentBot: true } };
}
