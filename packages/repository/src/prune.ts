/**
 * forget and prune. Both hold the exclusive lock. prune removes everything no snapshot
 * references: whole packs, and — by repacking — the unused parts of partly used packs.
 * Order (docs/design.md, invariant 5): new packs, new index, old index files, old packs.
 */
import type { Snapshot } from "./api.ts";
import { DamageError, RepositoryError } from "./errors.ts";
import { sealJson, sha256, unseal } from "./internal/crypto.ts";
import { entryKey, type IndexPack, type PackEntry } from "./internal/index-store.ts";
import type { Repository } from "./repository.ts";
import { planRetention, type RetentionPlan, type RetentionPolicy } from "./retention.ts";

export interface ForgetResult {
  plan: RetentionPlan;
  removed: string[];
  dryRun: boolean;
}

/** Plans retention over all snapshots and, unless `dryRun`, removes the snapshots it drops. */
export async function forget(repo: Repository, policy: RetentionPolicy, opts: { dryRun?: boolean } = {}): Promise<ForgetResult> {
  if (!opts.dryRun) await repo.acquireLock("exclusive", "forget");
  const plan = planRetention(await repo.listSnapshots(), policy);
  const removed: string[] = [];
  if (!opts.dryRun) {
    for (const s of plan.remove) {
      await repo.removeSnapshot(s.id);
      removed.push(s.id);
    }
  }
  return { plan, removed, dryRun: opts.dryRun === true };
}

export interface PruneOptions {
  dryRun?: boolean;
  /** Repack a partly used pack when at least this fraction of its bytes is unused. Default 0.2. */
  repackThreshold?: number;
}

export interface PruneReport {
  dryRun: boolean;
  snapshots: number;
  packs: { total: number; kept: number; deleted: number; repacked: number; unindexedDeleted: number; written: number };
  bytes: { before: number; after: number; freed: number };
  indexFiles: { removed: number; written: number };
}

/** An index file holds up to this many entries (a few MB of JSON), and at least one pack. */
const ENTRIES_PER_INDEX_FILE = 50_000;

export async function prune(repo: Repository, opts: PruneOptions = {}): Promise<PruneReport> {
  const threshold = opts.repackThreshold ?? 0.2;
  if (!opts.dryRun) await repo.acquireLock("exclusive", "prune");
  await repo.flush();
  await repo.reloadIndex();
  const backend = repo.backend;
  // A damaged index file hides which packs are in use: deleting "unindexed" packs would lose data.
  for (const f of await backend.list("index")) {
    if (!repo.index.files.has(f.name)) {
      throw new RepositoryError(`index file index/${f.name} is damaged, so prune cannot tell which packs are in use — run 'lifeboat repair index' (it rebuilds the index from the packs), then prune again; nothing was removed`, "DAMAGED");
    }
  }

  // 1. What do the snapshots use? Refuse when anything is damaged or missing.
  const snapshots: Snapshot[] = [];
  for (const f of await backend.list("snapshot")) {
    try {
      snapshots.push(await repo.readSnapshotFile(f.name));
    } catch (err) {
      if (err instanceof DamageError) {
        throw new RepositoryError(`snapshot ${f.name} is damaged, so prune cannot tell what it needs — run 'lifeboat verify', then forget it; nothing was removed`, "DAMAGED");
      }
      throw err;
    }
  }
  const used = new Set<string>();
  const need = (type: "chunk" | "blob" | "inline" | "tree", id: string, from: string) => {
    if (!repo.index.has(type, id)) {
      throw new RepositoryError(`${type} ${id} (referenced by ${from}) is in no index — run 'lifeboat verify'; nothing was removed`, "MISSING");
    }
    used.add(entryKey(type, id));
  };
  const markBlob = async (id: string, from: string) => {
    if (used.has(entryKey("blob", id)) || used.has(entryKey("inline", id))) return;
    if (repo.index.has("inline", id)) return need("inline", id, from);
    need("blob", id, from);
    for (const [cid] of (await repo.blobChunks(id)).chunks) need("chunk", cid, `blob ${id}`);
  };
  const markTree = async (id: string, from: string): Promise<void> => {
    if (used.has(entryKey("tree", id))) return;
    need("tree", id, from);
    const obj = await repo.loadTreeObject(id);
    // A tree stored in parts: each part is a tree object of its own (docs/design.md, "Trees in parts").
    if ("parts" in obj) {
      for (const [i, part] of obj.parts.entries()) await markTree(part, `tree ${id} (part ${i + 1} of ${obj.parts.length})`);
      return;
    }
    for (const e of obj.entries) {
      if (e.type === "tree") await markTree(e.subtree, `tree ${id}`);
      else await markBlob(e.blob.id, `tree ${id}`);
    }
  };
  for (const s of snapshots) {
    await markTree(s.tree, `snapshot ${s.id}`);
    if (s.manifest) await markBlob(s.manifest.id, `snapshot ${s.id}`);
    if (s.manifestTree) await markTree(s.manifestTree, `snapshot ${s.id} (manifest)`);
  }

  // 2. Plan per pack. An entry counts as used only in the pack the index resolves it to.
  const stored = new Map((await backend.list("data")).map((f) => [f.name, f.size]));
  const keep: IndexPack[] = [];
  const repack: IndexPack[] = [];
  const drop: string[] = [];
  for (const [id, meta] of repo.index.packs) {
    if (!stored.has(id)) continue; // missing packs are verify's business; nothing to delete
    const live = meta.entries.filter((e) => used.has(entryKey(e.type, e.id)) && repo.index.get(e.type, e.id)!.pack === id);
    const liveBytes = live.reduce((s, e) => s + e.length, 0);
    if (live.length === 0) drop.push(id);
    else if (meta.size - liveBytes >= threshold * meta.size && live.length < meta.entries.length) repack.push({ id, size: meta.size, entries: live });
    else keep.push({ id, size: meta.size, entries: meta.entries });
  }
  const unindexed = [...stored.keys()].filter((n) => !repo.index.packs.has(n));
  const before = [...stored.values()].reduce((a, b) => a + b, 0);
  const report: PruneReport = {
    dryRun: opts.dryRun === true,
    snapshots: snapshots.length,
    packs: { total: stored.size, kept: keep.length, deleted: drop.length, repacked: repack.length, unindexedDeleted: unindexed.length, written: 0 },
    bytes: { before, after: 0, freed: 0 },
    indexFiles: { removed: 0, written: 0 },
  };
  const keptBytes = keep.reduce((s, p) => s + p.size, 0);
  if (opts.dryRun) {
    const repackLive = repack.reduce((s, p) => s + p.entries.reduce((a, e) => a + e.length, 0), 0);
    report.bytes.after = keptBytes + repackLive;
    report.bytes.freed = before - report.bytes.after;
    return report;
  }

  // 3. Repack: copy live sealed entries (after checking they decrypt) into new packs.
  const written: IndexPack[] = [];
  let parts: Buffer[] = [];
  let entries: PackEntry[] = [];
  let size = 0;
  const flushNew = async () => {
    if (entries.length === 0) return;
    const header = await sealJson(repo.encKey, "pack-header", entries, true);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(header.length);
    const bytes = Buffer.concat([...parts, header, len]);
    const id = sha256(bytes);
    await backend.save({ type: "data", name: id }, bytes);
    written.push({ id, size: bytes.length, entries });
    parts = [];
    entries = [];
    size = 0;
  };
  for (const p of repack) {
    const bytes = Buffer.from(await backend.load({ type: "data", name: p.id }));
    for (const e of p.entries) {
      const sealed = bytes.subarray(e.offset, e.offset + e.length);
      await unseal(repo.encKey, entryKey(e.type, e.id), sealed, `${e.type} ${e.id} in pack ${p.id}`);
      entries.push({ ...e, offset: size });
      parts.push(Buffer.from(sealed));
      size += sealed.length;
      if (size >= repo.config.packSize) await flushNew();
    }
  }
  await flushNew();
  report.packs.written = written.length;

  // 4. New index covering every remaining pack, then drop the old index files and packs.
  const oldIndexFiles = await backend.list("index");
  const remaining = [...keep, ...written];
  const newIndexFiles = new Set<string>();
  const batches: IndexPack[][] = [];
  let batch: IndexPack[] = [];
  let batchEntries = 0;
  for (const p of remaining) {
    if (batch.length > 0 && batchEntries + p.entries.length > ENTRIES_PER_INDEX_FILE) {
      batches.push(batch);
      batch = [];
      batchEntries = 0;
    }
    batch.push(p);
    batchEntries += p.entries.length;
  }
  if (batch.length > 0) batches.push(batch);
  for (const packs of batches) {
    const doc = { version: 1, packs };
    const bytes = await sealJson(repo.encKey, "index", doc, true);
    const name = sha256(bytes);
    await backend.save({ type: "index", name }, bytes);
    newIndexFiles.add(name);
  }
  report.indexFiles.written = newIndexFiles.size;
  for (const f of oldIndexFiles) {
    if (newIndexFiles.has(f.name)) continue;
    await backend.remove({ type: "index", name: f.name });
    report.indexFiles.removed++;
  }
  for (const id of [...drop, ...repack.map((p) => p.id), ...unindexed]) await backend.remove({ type: "data", name: id });
  report.bytes.after = keptBytes + written.reduce((s, p) => s + p.size, 0);
  report.bytes.freed = before - report.bytes.after;
  await repo.reloadIndex();
  return report;
}
