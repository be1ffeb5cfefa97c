/**
 * Snapshots stay byte-identical across refactors of the backup: the same tenant in gives the
 * same trees, blobs and manifest documents out, so that a snapshot taken after an upgrade
 * deduplicates against one taken before it. Blob and tree ids are keyed per repository, so
 * this walks what a snapshot holds (entry names, types, meta, each blob's content hash) and
 * compares the hash of that walk, per root entry and per manifest document, with values
 * recorded before the backup was split along resource kinds.
 *
 * If a change here is intended (a new layout, a new field), it breaks deduplication for every
 * user's next backup: say so in the change and record the new values on purpose.
 */
import { createHash } from "node:crypto";
import { type Snapshot, type SnapshotRepository } from "@lifeboat/repository";
import { createTestRepository } from "@lifeboat/repository/testing";
import type { ObjectRecord, ObjectStamp, TenantReader } from "@lifeboat/model";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { backup } from "./run.ts";
import { createFakeTenant, type FakeTenant, sampleTenantState } from "../testing.ts";

let repo: SnapshotRepository;
afterEach(async () => {
  await repo.close();
});
beforeEach(async () => {
  repo = await createTestRepository();
});

const sha = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex").slice(0, 16);

async function blobHash(id: string): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const p of repo.readBlob(id)) parts.push(p);
  return sha(Buffer.concat(parts));
}

/** A repository-independent rendering of a tree: names, types, meta and blob contents, recursively. */
async function walk(treeId: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const e of (await repo.loadTree(treeId)).entries) {
    if (e.type === "blob") out.push([e.name, "blob", e.meta ?? null, e.blob.size, await blobHash(e.blob.id)]);
    else out.push([e.name, "tree", e.meta ?? null, await walk(e.subtree)]);
  }
  return out;
}

/** Per root entry and per manifest document, the hash of its contents. */
async function fingerprint(snapshot: Snapshot): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of (await repo.loadTree(snapshot.tree)).entries) {
    out[e.name] = sha(JSON.stringify(e.type === "blob" ? [e.meta ?? null, e.blob.size, await blobHash(e.blob.id)] : [e.meta ?? null, await walk(e.subtree)]));
  }
  const stored = await repo.readJson<Record<string, unknown>>(snapshot.manifest!);
  // The previous snapshot's id is keyed per repository; that it is named is what counts.
  if (typeof stored.previousSnapshot === "string") stored.previousSnapshot = "(previous)";
  out["(snapshot.manifest)"] = sha(JSON.stringify(stored));
  out["(manifestTree)"] = sha(JSON.stringify(await walk(snapshot.manifestTree!)));
  const { tenant, time, toolVersion, tags, partial } = snapshot;
  out["(snapshot)"] = sha(JSON.stringify({ tenant, time, toolVersion, tags, partial }));
  return out;
}

/**
 * The fake tenant with the incremental path a real connector has (`readAppContent`): stamps
 * from each object's modified date, the objects left out when the engine says "unchanged".
 */
function withStamps(tenant: FakeTenant, modified: Map<string, string>): TenantReader {
  const stampOf = (o: ObjectRecord): ObjectStamp => ({
    id: o.id,
    type: o.type,
    modifiedDate: modified.get(o.id) ?? "2026-01-01T00:00:00.000Z",
    ownerId: o.ownerId,
    published: o.published,
    approved: o.approved,
  });
  return Object.assign(Object.create(tenant) as TenantReader, {
    async readAppContent(appId: string, opts: { unchanged?: (stamps: ObjectStamp[]) => boolean; script?: boolean }) {
      const objects = await tenant.readAppObjects(appId);
      const stamps = objects.map(stampOf);
      const script = opts.script ? await tenant.getAppScript(appId) : undefined;
      if (opts.unchanged?.(stamps)) return { stamps, ...(script !== undefined ? { script } : {}) };
      return { stamps, objects, ...(script !== undefined ? { script } : {}) };
    },
  });
}

describe("backup output is stable", () => {
  it("a seeded tenant backed up twice (first, then incremental with changes) gives the recorded trees and manifests", async () => {
    const tenant = createFakeTenant(sampleTenantState());
    const modified = new Map<string, string>();
    const reader = withStamps(tenant, modified);
    const skipped = (appId: string) => (appId === "app-sales-pub" ? [{ objectId: "bm-1", objectType: "bookmark", reason: "the engine returned no layout" }] : []);

    const first = await backup({ tenant: reader, repository: repo, now: () => new Date("2026-03-01T10:00:00.000Z"), skippedObjects: skipped });

    // Between the runs: a private sheet edited (its stamp moves), a user and a group added,
    // a role renamed, an app's attributes changed, one space's assignments unreadable.
    const sales = tenant.state.apps.find((a) => a.summary.appId === "app-sales")!;
    sales.objects.find((o) => o.id === "sh-jane")!.title = "Q3 review (final)";
    modified.set("sh-jane", "2026-03-01T12:00:00.000Z");
    tenant.state.users.push({ id: "u-zoe", subject: "auth0|zoe", name: "Zoë", email: "zoe@example.com", status: "invited", assignedRoles: [], assignedGroups: [] });
    tenant.state.groups.push({ id: "g-2", name: "Finance", providerType: "idp", assignedRoles: [] });
    tenant.state.roles[0]!.name = "TenantAdmin (renamed)";
    tenant.state.apps.find((a) => a.summary.appId === "app-jane")!.attributes.description = "scratch work";
    tenant.fail("listSpaceAssignments", "sp-managed", new Error("503 Service Unavailable"));

    const second = await backup({ tenant: reader, repository: repo, now: () => new Date("2026-03-02T10:00:00.000Z"), skippedObjects: skipped });
    expect(second.manifest.items.find((i) => i.layer === "apps" && i.id === "app-jane")?.reason).toMatch(/objects not read again/);

    expect({ first: await fingerprint(first.snapshot), second: await fingerprint(second.snapshot) }).toEqual(RECORDED);
  });
});

/** Recorded on the code before the split (one backup.ts); see the file's comment before changing them. */
const RECORDED = {
  first: {
    "(manifestTree)": "19cfe150a5cc2e11",
    "(snapshot)": "206f944f7d919d13",
    "(snapshot.manifest)": "7a8f57c8a872e5a4",
    apps: "b3708fce90db9a53",
    "groups.json": "3833957bcad0e6a0",
    "roles.json": "71b300f3499c9c2f",
    spaces: "afc7924204386032",
    "tenant.json": "b1c22485781d6856",
    users: "e809ebe2e40b0d44",
  },
  second: {
    "(manifestTree)": "794465189f637170",
    "(snapshot)": "a2d1cdf96bea92db",
    "(snapshot.manifest)": "6be2c7cf0a769a1f",
    apps: "7b7deee30d4395c1",
    "groups.json": "0e7f529ddc267596",
    "roles.json": "9a5ba89347c3e7bd",
    spaces: "2aee115a3bbb65a6",
    "tenant.json": "b1c22485781d6856",
    users: "71cfe7c3bfa14df6",
  },
};
