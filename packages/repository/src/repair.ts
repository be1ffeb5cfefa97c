/**
 * `repairIndex`: rebuilds the index from the packs, like restic's `repair index`. Every
 * pack's header (sealed, so authenticated: a pack whose header opens was written with this
 * repository's key) lists its entries; the new index names every pack whose header opens,
 * then the old index files are removed. Holds the exclusive lock throughout, so no writer
 * adds a pack or an index file meanwhile.
 *
 * Order (crash-safe, docs/design.md "repair index"): new index files first, then the old
 * ones are removed. Killed in between, the repository has both: every entry is still found.
 * Packs are never removed here. One whose header does not open is reported; if a readable
 * old index file names it, its entries are carried over from there (nothing known is dropped).
 */
import { DamageError, NotFoundError } from "./errors.ts";
import { sealJson, sha256, unsealJson } from "./internal/crypto.ts";
import type { IndexPack, PackEntry } from "./internal/index-store.ts";
import type { Repository } from "./repository.ts";

export interface RepairIndexReport {
  /** Packs found in data/. */
  packs: number;
  /** Packs the new index names (their header opened and is consistent). */
  indexed: number;
  /** Packs whose header did not open, with why; `keptFromIndex`: a readable old index file still named its entries, so they stay indexed. */
  unreadable: { pack: string; reason: string; keptFromIndex: boolean }[];
  entries: number;
  indexFiles: { removed: number; written: number };
}

/** Entries per new index file (as prune writes them). */
const ENTRIES_PER_INDEX_FILE = 50_000;
const TYPES = new Set(["chunk", "blob", "inline", "tree"]);

/** Reads a pack's header with two ranged reads (its length, then the header). */
async function readHeader(repo: Repository, id: string, size: number): Promise<PackEntry[]> {
  if (size < 4) throw new DamageError(`pack is ${size} bytes, too short for a header`);
  const len = Buffer.from(await repo.backend.load({ type: "data", name: id }, { offset: size - 4, length: 4 })).readUInt32LE(0);
  if (len === 0 || len > size - 4) throw new DamageError(`its header length (${len}) does not fit its size (${size})`);
  const sealed = await repo.backend.load({ type: "data", name: id }, { offset: size - 4 - len, length: len });
  const entries = await unsealJson<PackEntry[]>(repo.encKey, "pack-header", sealed, `pack ${id} header`);
  const end = size - 4 - len;
  if (!Array.isArray(entries)) throw new DamageError("its header is not a list of entries");
  for (const e of entries) {
    const ok =
      e && TYPES.has(e.type) && typeof e.id === "string" && /^[0-9a-f]{64}$/.test(e.id) &&
      Number.isInteger(e.offset) && Number.isInteger(e.length) && Number.isInteger(e.size) &&
      e.offset >= 0 && e.length > 0 && e.offset + e.length <= end;
    if (!ok) throw new DamageError(`its header names an entry outside the pack or of an unknown kind`);
  }
  return entries.map((e) => ({ type: e.type, id: e.id, offset: e.offset, length: e.length, size: e.size }));
}

export async function repairIndex(repo: Repository, opts: { onProgress?: (done: number, total: number) => void } = {}): Promise<RepairIndexReport> {
  await repo.acquireLock("exclusive", "repair index");
  await repo.flush();
  const backend = repo.backend;
  const oldIndexFiles = await backend.list("index");
  // What the readable old index files say: the fallback for a pack whose header is damaged.
  await repo.reloadIndex();
  const old = new Map([...repo.index.packs].map(([id, p]) => [id, { size: p.size, entries: p.entries }]));
  const packs = (await backend.list("data")).sort((a, b) => (a.name < b.name ? -1 : 1));
  const report: RepairIndexReport = { packs: packs.length, indexed: 0, unreadable: [], entries: 0, indexFiles: { removed: 0, written: 0 } };
  const found: IndexPack[] = [];
  let done = 0;
  for (const p of packs) {
    try {
      const entries = await readHeader(repo, p.name, p.size);
      found.push({ id: p.name, size: p.size, entries });
      report.entries += entries.length;
    } catch (err) {
      if (err instanceof NotFoundError) continue; // gone since the listing (nothing else runs: only a foreign hand)
      if (!(err instanceof DamageError) && !(err instanceof RangeError)) throw err;
      const known = old.get(p.name);
      const keptFromIndex = known !== undefined && known.size === p.size;
      if (keptFromIndex) {
        found.push({ id: p.name, size: p.size, entries: known.entries });
        report.entries += known.entries.length;
      }
      report.unreadable.push({ pack: `data/${p.name.slice(0, 2)}/${p.name}`, reason: (err as Error).message, keptFromIndex });
    }
    opts.onProgress?.(++done, packs.length);
  }
  report.indexed = found.length;
  if (found.length === 0 && packs.length > 0 && report.unreadable.length === packs.length && oldIndexFiles.length > 0)
    // Not one pack header opens: more likely a wrong key or a foreign folder than damage; change nothing.
    throw new DamageError(`not one of the ${packs.length} pack(s) has a readable header (${report.unreadable[0]!.reason}); nothing was changed — run 'lifeboat verify --read-data'`);

  // New index files first, then the old ones go (never a moment with neither).
  const newIndexFiles = new Set<string>();
  let batch: IndexPack[] = [];
  let batchEntries = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const bytes = await sealJson(repo.encKey, "index", { version: 1, packs: batch }, true);
    const name = sha256(bytes);
    await backend.save({ type: "index", name }, bytes);
    newIndexFiles.add(name);
    batch = [];
    batchEntries = 0;
  };
  for (const p of found) {
    if (batch.length > 0 && batchEntries + p.entries.length > ENTRIES_PER_INDEX_FILE) await flush();
    batch.push(p);
    batchEntries += p.entries.length;
  }
  await flush();
  report.indexFiles.written = newIndexFiles.size;
  for (const f of oldIndexFiles) {
    if (newIndexFiles.has(f.name)) continue;
    await backend.remove({ type: "index", name: f.name });
    report.indexFiles.removed++;
  }
  await repo.reloadIndex();
  return report;
}
