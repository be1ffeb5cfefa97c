/**
 * verify: checks a repository's structure and, with `readData`, every stored byte; reports
 * each problem (kind, file, object) and which snapshots it affects (docs/design.md, "verify").
 */
import { DamageError, NotFoundError, RepositoryError } from "./errors.ts";
import { hmac, isKeyFile, sha256, unseal, unsealJson } from "./internal/crypto.ts";
import { entryKey, type EntryType, type PackEntry } from "./internal/index-store.ts";
import type { Repository, TreeObject } from "./repository.ts";
import type { Snapshot } from "./api.ts";

export type ProblemKind =
  | "damaged-key"
  | "damaged-index"
  | "damaged-snapshot"
  | "missing-pack"
  | "damaged-pack"
  | "damaged-entry"
  | "missing-entry";

export interface VerifyProblem {
  kind: ProblemKind;
  /** The stored file, e.g. "data/a7/a7c0…" or "snapshots/d41c…". */
  file?: string;
  /** The object inside it, e.g. "tree c0ff…". */
  object?: string;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  readData: boolean;
  problems: VerifyProblem[];
  /** Ids of snapshots that cannot be restored completely because of the problems. */
  affectedSnapshots: string[];
  /** Harmless findings, e.g. unindexed packs left by an interrupted write (prune removes them). */
  notes: string[];
  /** Not damage, but worth acting on: e.g. temporary files of killed writers taking space. */
  warnings: string[];
  /** Temporary files of interrupted saves (local storage): count and bytes. */
  temporary: { files: number; bytes: number };
  checked: { keys: number; indexFiles: number; packs: number; snapshots: number; trees: number; blobs: number; bytesRead: number };
}

export interface VerifyOptions {
  readData?: boolean;
  onProgress?: (p: { phase: "packs" | "snapshots"; done: number; total: number }) => void;
}

const packFile = (id: string) => `data/${id.slice(0, 2)}/${id}`;

export async function verifyRepository(repo: Repository, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const problems: VerifyProblem[] = [];
  const notes: string[] = [];
  const warnings: string[] = [];
  const checked = { keys: 0, indexFiles: 0, packs: 0, snapshots: 0, trees: 0, blobs: 0, bytesRead: 0 };
  const problem = (p: VerifyProblem) => problems.push(p);
  const backend = repo.backend;
  /** Entries known to be unreadable: key → reason. */
  const bad = new Set<string>();

  // Keys
  for (const k of await backend.list("key")) {
    checked.keys++;
    try {
      const bytes = await backend.load({ type: "key", name: k.name });
      if (sha256(bytes) !== k.name) throw new Error("its content does not match its name");
      if (!isKeyFile(JSON.parse(Buffer.from(bytes).toString("utf8")))) throw new Error("it is not a key file");
    } catch (err) {
      problem({ kind: "damaged-key", file: `keys/${k.name}`, message: `key file is damaged: ${(err as Error).message}` });
    }
  }

  // Snapshots are listed before the index is read: a backup running meanwhile saves its index
  // before its snapshot, so every snapshot listed here has its entries in the index read next.
  const snapshotFiles = await backend.list("snapshot");

  // Index files (fresh read: the open handle skipped damaged ones with a warning)
  const indexed = new Map<string, PackEntry[]>();
  const indexFiles = await backend.list("index");
  for (const f of indexFiles) {
    checked.indexFiles++;
    try {
      const idx = await repo.readIndexFile(f.name);
      for (const p of idx.packs) if (!indexed.has(p.id)) indexed.set(p.id, p.entries);
    } catch (err) {
      if (err instanceof NotFoundError) continue; // removed by a prune since the listing (only without a lock)
      if (!(err instanceof DamageError)) throw err;
      problem({ kind: "damaged-index", file: `index/${f.name}`, message: err.message.replace(/^index\/\S+ is /, "index file is ") });
    }
  }
  await repo.refreshIndex();

  // Packs: present, right size, and with readData every byte
  const stored = new Map((await backend.list("data")).map((f) => [f.name, f.size]));
  const packIds = [...repo.index.packs.keys()].sort();
  let done = 0;
  for (const id of packIds) {
    const meta = repo.index.packs.get(id)!;
    const markAll = () => meta.entries.forEach((e) => bad.add(entryKey(e.type, e.id)));
    checked.packs++;
    const size = stored.get(id);
    if (size === undefined) {
      problem({ kind: "missing-pack", file: packFile(id), message: `pack is missing (${meta.entries.length} entries lost)` });
      markAll();
    } else if (size !== meta.size) {
      problem({ kind: "damaged-pack", file: packFile(id), message: `pack has ${size} bytes, the index says ${meta.size}` });
      if (opts.readData) await checkPackEntries(repo, id, meta.entries, bad, problem, checked);
      else markAll();
    } else if (opts.readData) {
      await checkPack(repo, id, meta.entries, bad, problem, checked);
    }
    opts.onProgress?.({ phase: "packs", done: ++done, total: packIds.length });
  }
  const indexDamaged = problems.some((p) => p.kind === "damaged-index");
  for (const name of [...stored.keys()].sort()) {
    if (repo.index.packs.has(name)) continue;
    notes.push(
      indexDamaged
        ? `pack ${packFile(name)} is in no readable index (perhaps named by the damaged index file); keep it, and run 'lifeboat repair index' to index it again`
        : `pack ${packFile(name)} is in no index (left by an interrupted write, or being written by a backup running now); 'lifeboat prune' removes it once no backup runs`,
    );
  }
  const temporary = (await backend.listTemporary?.()) ?? [];
  const tempBytes = temporary.reduce((n, t) => n + t.size, 0);
  if (temporary.length > 0) {
    warnings.push(
      `${temporary.length} temporary file(s) (${formatSize(tempBytes)}) left by interrupted or running saves, e.g. ${temporary[0]!.path} — ` +
        `not damage; run 'lifeboat prune' to remove those untouched for 15 minutes`,
    );
  }

  // Snapshots and everything reachable from them
  const affected = new Set<string>();
  const treeBad = new Map<string, boolean>();
  const blobBad = new Map<string, boolean>();
  const reported = new Set<string>();
  const missingOrDamaged = (type: EntryType, id: string, from: string, err?: unknown): void => {
    const key = entryKey(type, id);
    if (reported.has(key)) return;
    reported.add(key);
    if (bad.has(key)) return; // already reported through its pack or entry
    if (err instanceof DamageError) {
      problem({ kind: "damaged-entry", object: `${type} ${id}`, message: `${err.message} (referenced by ${from})` });
    } else {
      problem({ kind: "missing-entry", object: `${type} ${id}`, message: `${type} is not in any readable index (referenced by ${from})` });
    }
  };

  const checkBlob = async (id: string, from: string): Promise<boolean> => {
    const memo = blobBad.get(id);
    if (memo !== undefined) return memo;
    checked.blobs++;
    let isBad = false;
    const stored = repo.blobIndexed(id);
    if (!stored || bad.has(entryKey(stored.type, id))) {
      missingOrDamaged(stored?.type ?? "blob", id, from);
      isBad = true;
    } else if (stored.type === "blob") {
      try {
        const list = await repo.blobChunks(id);
        for (const [cid] of list.chunks) {
          if (bad.has(entryKey("chunk", cid)) || !repo.index.has("chunk", cid)) {
            missingOrDamaged("chunk", cid, `blob ${id}`);
            isBad = true;
          }
        }
      } catch (err) {
        missingOrDamaged("blob", id, from, err);
        isBad = true;
      }
    }
    blobBad.set(id, isBad);
    return isBad;
  };

  const checkTree = async (id: string, from: string): Promise<boolean> => {
    const memo = treeBad.get(id);
    if (memo !== undefined) return memo;
    checked.trees++;
    treeBad.set(id, false);
    let isBad = false;
    let tree: TreeObject | undefined;
    if (bad.has(entryKey("tree", id)) || !repo.index.has("tree", id)) {
      missingOrDamaged("tree", id, from);
      isBad = true;
    } else {
      try {
        tree = await repo.loadTreeObject(id);
      } catch (err) {
        missingOrDamaged("tree", id, from, err);
        isBad = true;
      }
    }
    if (tree && "parts" in tree) {
      // docs/design.md, "Trees in parts": each part is a tree object, checked like any; a bad part makes the tree bad.
      for (const [i, p] of tree.parts.entries()) {
        const r = await checkTree(p, `tree ${id}, part ${i + 1} of ${tree.parts.length}`);
        isBad = isBad || r;
      }
    }
    for (const e of tree && "entries" in tree ? tree.entries : []) {
      const r = e.type === "tree" ? await checkTree(e.subtree, `tree ${id}`) : await checkBlob(e.blob.id, `tree ${id}`);
      isBad = isBad || r;
    }
    treeBad.set(id, isBad);
    return isBad;
  };

  const snaps: Snapshot[] = [];
  for (const f of snapshotFiles.sort((a, b) => a.name.localeCompare(b.name))) {
    checked.snapshots++;
    try {
      snaps.push(await repo.readSnapshotFile(f.name));
    } catch (err) {
      if (err instanceof NotFoundError) continue;
      if (!(err instanceof DamageError)) throw err;
      problem({ kind: "damaged-snapshot", file: `snapshots/${f.name}`, message: err.message.replace(/^snapshots\/\S+ is /, "snapshot file is ") });
      affected.add(f.name);
    }
  }
  done = 0;
  for (const s of snaps) {
    let isBad = await checkTree(s.tree, `snapshot ${s.id}`);
    if (s.manifest) isBad = (await checkBlob(s.manifest.id, `snapshot ${s.id} (manifest)`)) || isBad;
    if (s.manifestTree) isBad = (await checkTree(s.manifestTree, `snapshot ${s.id} (manifest)`)) || isBad;
    if (isBad) affected.add(s.id);
    opts.onProgress?.({ phase: "snapshots", done: ++done, total: snaps.length });
  }

  problems.sort((a, b) => cmp(a.kind, b.kind) || cmp(a.file ?? "", b.file ?? "") || cmp(a.object ?? "", b.object ?? "") || cmp(a.message, b.message));
  if (problems.length > 0 && !repo.locked) {
    // Without a lock a prune may have run meanwhile (it rewrites the index): what looks missing may just have moved.
    const now = new Set((await backend.list("index")).map((f) => f.name));
    if (now.size !== indexFiles.length || indexFiles.some((f) => !now.has(f.name))) {
      throw new RepositoryError(
        `the repository at ${repo.location} changed while verify read it without a lock (a prune elsewhere?), so what it found ` +
          `may not be damage — run verify again (with a lock if the storage allows)`,
        "CHANGED",
      );
    }
  }
  return {
    ok: problems.length === 0,
    readData: opts.readData === true,
    problems,
    affectedSnapshots: [...affected].sort(),
    notes,
    warnings,
    temporary: { files: temporary.length, bytes: tempBytes },
    checked,
  };
}

function formatSize(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

type ProblemSink = (p: VerifyProblem) => void;

/** Reads a whole pack: its hash, its header against the index, then every entry. */
async function checkPack(repo: Repository, id: string, entries: PackEntry[], bad: Set<string>, problem: ProblemSink, checked: VerifyReport["checked"]): Promise<void> {
  const bytes = Buffer.from(await repo.backend.load({ type: "data", name: id }));
  checked.bytesRead += bytes.length;
  if (sha256(bytes) !== id) {
    problem({ kind: "damaged-pack", file: packFile(id), message: "pack content does not match its name (modified or truncated)" });
  } else {
    try {
      const hlen = bytes.readUInt32LE(bytes.length - 4);
      const header = await unsealJson<PackEntry[]>(repo.encKey, "pack-header", bytes.subarray(bytes.length - 4 - hlen, bytes.length - 4), `pack ${id} header`);
      const want = JSON.stringify(entries.map((e) => [e.type, e.id, e.offset, e.length, e.size]));
      if (JSON.stringify(header.map((e) => [e.type, e.id, e.offset, e.length, e.size])) !== want) {
        problem({ kind: "damaged-pack", file: packFile(id), message: "pack header does not match the index" });
      }
    } catch (err) {
      problem({ kind: "damaged-pack", file: packFile(id), message: `pack header is unreadable: ${(err as Error).message}` });
    }
  }
  await checkEntries(repo, id, entries, (e) => bytes.subarray(e.offset, e.offset + e.length), bad, problem);
}

/** For a pack of the wrong size: reads entry by entry to find which ones survive. */
async function checkPackEntries(repo: Repository, id: string, entries: PackEntry[], bad: Set<string>, problem: ProblemSink, checked: VerifyReport["checked"]): Promise<void> {
  const bytes = Buffer.from(await repo.backend.load({ type: "data", name: id }));
  checked.bytesRead += bytes.length;
  await checkEntries(repo, id, entries, (e) => (e.offset + e.length <= bytes.length ? bytes.subarray(e.offset, e.offset + e.length) : undefined), bad, problem);
}

async function checkEntries(
  repo: Repository,
  pack: string,
  entries: PackEntry[],
  slice: (e: PackEntry) => Buffer | undefined,
  bad: Set<string>,
  problem: ProblemSink,
): Promise<void> {
  for (const e of entries) {
    const key = entryKey(e.type, e.id);
    const sealed = slice(e);
    let reason: string | undefined;
    if (!sealed) reason = "entry lies beyond the end of the pack";
    else {
      try {
        const plain = await unseal(repo.encKey, key, sealed, `${e.type} ${e.id}`);
        if (plain.length !== e.size) reason = `entry has ${plain.length} bytes, the index says ${e.size}`;
        else if (e.type === "chunk" && hmac(repo.macKey, plain) !== e.id) reason = "chunk content does not match its id";
        else if (e.type === "tree" && sha256(plain) !== e.id) reason = "tree content does not match its id";
        else if (e.type === "inline" && sha256(plain) !== e.id) reason = "blob content does not match its id";
        else if (e.type === "blob") {
          const list = JSON.parse(plain.toString("utf8")) as { size: number; chunks: [string, number][] };
          if (list.chunks.reduce((s, [, n]) => s + n, 0) !== list.size) reason = "blob's chunk sizes do not add up";
        }
      } catch (err) {
        reason = err instanceof DamageError ? "authentication failed (modified, truncated or moved)" : (err as Error).message;
      }
    }
    if (reason) {
      bad.add(key);
      problem({ kind: "damaged-entry", file: packFile(pack), object: `${e.type} ${e.id}`, message: reason });
    }
  }
}

