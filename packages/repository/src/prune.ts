/**
 * forget and prune. Both hold the exclusive lock. prune removes everything no snapshot
 * references: whole packs, and — by repacking — the unused parts of partly used packs.
 * Order (docs/design.md, invariant 5): new packs, new index, old index files, old packs.
 * Nothing is deleted once our exclusive lock may have been judged stale by another process
 * (docs/design.md, "Locking"): that process may be writing, deduplicating against what we delete.
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
  /**
   * Temporary files (a killed writer's half-written pack) untouched for this long are removed.
   * Default 15 minutes: a save in progress writes to its file continuously, and every live
   * writer holds a lock, so under our exclusive lock an old temporary file belongs to no one.
   */
  temporaryMinAgeMs?: number;
  now?: () => number;
}

export const TEMPORARY_MIN_AGE_MS = 15 * 60_000;

export interface PruneReport {
  dryRun: boolean;
  snapshots: number;
  packs: { total: number; kept: number; deleted: number; repacked: number; unindexedDeleted: number; written: number };
  bytes: { before: number; after: number; freed: number };
  indexFiles: { removed: number; written: number };
  /** Temporary files of interrupted saves: removed (or, dry run, to remove), and younger ones kept. */
  temporary: { removed: number; removedBytes: number; kept: number };
}

/** An index file holds up to this many entries (a few MB of JSON), and at least one pack. */
const ENTRIES_PER_INDEX_FILE = 50_000;

export async function prune(repo: Repository, opts: PruneOptions = {}): Promise<PruneReport> {
  const threshold = opts.repackThreshold ?? 0.2;
  if (!opts.dryRun) await repo.acquireLock("exclusive", "prune");
  const stillOurs = (step: string) => {
    if (repo.lockLost()) {
      throw new RepositoryError(
        `prune's lock on ${repo.location} could not be refreshed for too long (suspended or disconnected?), so another process may ` +
          `be using the repository — stopped before ${step}; the repository is consistent; run prune again`,
        "LOCK_EXPIRED",
      );
    }
  };
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

  // 2. Plan per pack. An entry counts as used only in one pack: the one the index resolves it to
  // or — when that pack is missing — another stored pack holding a copy (concurrent writers may
  // both have stored it), so a surviving copy is never deleted as a duplicate.
  const stored = new Map((await backend.list("data")).map((f) => [f.name, f.size]));
  const home = new Map<string, string>();
  for (const [id, meta] of repo.index.packs) {
    if (!stored.has(id)) continue;
    for (const e of meta.entries) {
      const k = entryKey(e.type, e.id);
      if (!used.has(k) || home.has(k)) continue;
      const resolved = repo.index.get(e.type, e.id)!.pack;
      home.set(k, stored.has(resolved) ? resolved : id);
    }
  }
  const keep: IndexPack[] = [];
  const repack: IndexPack[] = [];
  const drop: string[] = [];
  for (const [id, meta] of repo.index.packs) {
    if (!stored.has(id)) continue; // missing packs are verify's business; nothing to delete
    const live = meta.entries.filter((e) => home.get(entryKey(e.type, e.id)) === id);
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
    temporary: { removed: 0, removedBytes: 0, kept: 0 },
  };
  const now = (opts.now ?? Date.now)();
  const temporary = (await backend.listTemporary?.()) ?? [];
  const oldTemporary = temporary.filter((t) => now - t.modified >= (opts.temporaryMinAgeMs ?? TEMPORARY_MIN_AGE_MS));
  report.temporary.kept = temporary.length - oldTemporary.length;
  const keptBytes = keep.reduce((s, p) => s + p.size, 0);
  if (opts.dryRun) {
    const repackLive = repack.reduce((s, p) => s + p.entries.reduce((a, e) => a + e.length, 0), 0);
    report.bytes.after = keptBytes + repackLive;
    report.bytes.freed = before - report.bytes.after;
    report.temporary.removed = oldTemporary.length;
    report.temporary.removedBytes = oldTemporary.reduce((n, t) => n + t.size, 0);
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
  stillOurs("writing the new index");
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
    stillOurs("removing old index files");
    await backend.remove({ type: "index", name: f.name });
    report.indexFiles.removed++;
  }
  for (const id of [...drop, ...repack.map((p) => p.id), ...unindexed]) {
    stillOurs("removing unused packs");
    await backend.remove({ type: "data", name: id });
  }
  for (const t of oldTemporary) {
    stillOurs("removing temporary files");
    await backend.removeTemporary!(t.path);
    report.temporary.removed++;
    report.temporary.removedBytes += t.size;
  }
  report.bytes.after = keptBytes + written.reduce((s, p) => s + p.size, 0);
  report.bytes.freed = before - report.bytes.after;
  await repo.reloadIndex();
  return report;
}
