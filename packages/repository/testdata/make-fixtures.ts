/**
 * Writes the frozen repositories in this folder. Run only on purpose, when the format
 * changes (a new version gets new folders; old ones stay as they are):
 *
 *   npx tsx packages/repository/testdata/make-fixtures.ts          # everything, anew
 *   npx tsx packages/repository/testdata/make-fixtures.ts --add    # only folders that are missing
 *
 * then regenerate the expected verify reports with
 *
 *   LIFEBOAT_UPDATE_GOLDEN=1 npx vitest run packages/repository/src/frozen.test.ts
 */
import { existsSync } from "node:fs";
import { cp, readdir, rm, truncate, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { LocalBackend } from "../src/backend/local.ts";
import type { TreeEntry } from "../src/api.ts";
import { initRepository } from "../src/repository.ts";
import { FROZEN_KDF, FROZEN_PASSWORD, frozenContent } from "./frozen-content.ts";

const here = dirname(fileURLToPath(import.meta.url));
const v1 = join(here, "v1");
const v2 = join(here, "v2");

/** Format 2: a good repository whose 150-entry `apps` tree is stored in parts. Written once, kept. */
async function goodV2(): Promise<void> {
  const dir = join(v2, "good");
  if (existsSync(dir)) return;
  const repo = await initRepository({ backend: new LocalBackend(dir), password: FROZEN_PASSWORD, kdf: FROZEN_KDF, chunker: { min: 512, avg: 1024, max: 4096 }, packSize: 4096, autoLock: "none" });
  const c = frozenContent();
  const entries: TreeEntry[] = [];
  for (const a of c.apps) entries.push({ name: a.id, type: "blob", blob: await repo.saveJson(a), meta: { name: a.name, owner: a.owner } });
  const apps = await repo.saveTree({ entries });
  const users = await repo.saveJson(c.users);
  const root = await repo.saveTree({ entries: [{ name: "apps", type: "tree", subtree: apps }, { name: "users.json", type: "blob", blob: users }] });
  await repo.saveSnapshot({ tenant: "acme.example", time: "2026-02-01T02:00:00.000Z", toolVersion: "lifeboat 0.1.0", tags: [], partial: false, tree: root });
  await repo.close();
}

/** A good repository as today's writer lays it out (small blobs inline). Written once, kept. */
async function goodInline(): Promise<void> {
  const dir = join(v1, "good-inline");
  if (existsSync(dir)) return;
  const repo = await initRepository({ backend: new LocalBackend(dir), password: FROZEN_PASSWORD, kdf: FROZEN_KDF, chunker: { min: 512, avg: 1024, max: 4096 }, packSize: 4096, autoLock: "none" });
  const c = frozenContent();
  const app1 = await repo.saveBlob(c.app1);
  const users = await repo.saveJson(c.users);
  const empty = await repo.saveBlob(new Uint8Array(0));
  const root = await repo.saveTree({ entries: [{ name: "app1.qvf", type: "blob", blob: app1 }, { name: "users.json", type: "blob", blob: users }, { name: "empty", type: "blob", blob: empty }] });
  await repo.saveSnapshot({ tenant: "acme.example", time: "2026-01-03T02:00:00.000Z", toolVersion: "lifeboat 0.1.0", tags: [], partial: false, tree: root, manifest: users });
  await repo.close();
}

async function main(): Promise<void> {
  if (process.argv.includes("--add")) {
    await goodInline();
    await goodV2();
    process.stdout.write(`added missing fixtures under ${v1} and ${v2}\n`);
    return;
  }
  await rm(v1, { recursive: true, force: true });
  const good = join(v1, "good");
  const repo = await initRepository({
    backend: new LocalBackend(good),
    password: FROZEN_PASSWORD,
    kdf: FROZEN_KDF,
    chunker: { min: 512, avg: 1024, max: 4096 },
    packSize: 4096,
    autoLock: "none",
  });
  const c = frozenContent();
  const app1 = await repo.saveBlob(c.app1);
  await repo.flush(); // app1's chunks in packs of their own: the missing-pack case removes one
  const users = await repo.saveJson(c.users);
  const apps = await repo.saveTree({ entries: [{ name: "app1.qvf", type: "blob", blob: app1, meta: { owner: "alice" } }] });
  const root1 = await repo.saveTree({ entries: [{ name: "apps", type: "tree", subtree: apps }, { name: "users.json", type: "blob", blob: users }] });
  await repo.saveSnapshot({ tenant: "acme.example", time: "2026-01-01T02:00:00.000Z", toolVersion: "lifeboat 0.1.0", tags: ["nightly"], partial: false, tree: root1 });
  const users2 = await repo.saveJson(c.users2);
  const root2 = await repo.saveTree({ entries: [{ name: "users.json", type: "blob", blob: users2 }] });
  await repo.saveSnapshot({ tenant: "acme.example", time: "2026-01-02T02:00:00.000Z", toolVersion: "lifeboat 0.1.0", tags: [], partial: true, tree: root2, manifest: users2 });
  await repo.close();

  // Damaged copies.
  const missing = join(v1, "missing-pack");
  await cp(good, missing, { recursive: true });
  const firstPack = repo.index.get("chunk", (await repo.blobChunks(app1.id)).chunks[0]![0])!.pack;
  await rm(join(missing, "data", firstPack.slice(0, 2), firstPack));

  const corrupt = join(v1, "corrupt-index");
  await cp(good, corrupt, { recursive: true });
  const indexes = (await readdir(join(corrupt, "index"))).sort();
  const target = repo.index.packs.get(firstPack)!.indexFiles.values().next().value as string;
  await writeFile(join(corrupt, "index", target), Buffer.from("this is not an index file"));
  void indexes;

  const truncated = join(v1, "truncated-snapshot");
  await cp(good, truncated, { recursive: true });
  const snaps = (await readdir(join(truncated, "snapshots"))).sort();
  await truncate(join(truncated, "snapshots", snaps[0]!), 40);

  await goodInline();
  await goodV2();
  process.stdout.write(`wrote ${v1}\n`);
}

await main();
