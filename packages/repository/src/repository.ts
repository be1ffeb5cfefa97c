/**
 * The repository: blobs, trees and snapshots over a Backend (docs/design.md).
 *
 * ```ts
 * const repo = await openRepository({ url: "/backups/acme", password });
 * const ref = await repo.saveBlob(fs.createReadStream("app.qvf"));
 * const tree = await repo.saveTree({ entries: [{ name: "app.qvf", type: "blob", blob: ref }] });
 * await repo.saveSnapshot({ tenant: "acme", time: new Date().toISOString(), toolVersion: "0.1.0", tags: [], partial: false, tree });
 * await repo.close();
 * ```
 */
import { createHash, createHmac, randomBytes } from "node:crypto";
import { stat } from "node:fs/promises";
import { hostname } from "node:os";
import { mapPool } from "@lifeboat/kit";
import type { BlobRef, BlobSource, Snapshot, SnapshotInput, SnapshotRepository, Tree, TreeEntry } from "./api.ts";
import type { Backend } from "./backend/backend.ts";
import { LocalBackend } from "./backend/local.ts";
import { backendFromUrl } from "./backend/url.ts";
import { DamageError, isReadOnlyStorageError, NotFoundError, ReadOnlyError, RepositoryError } from "./errors.ts";
import { chunkBuffer, chunkStream, DEFAULT_CHUNKER, gearTable, type ChunkerParams } from "./internal/chunker.ts";
import {
  DEFAULT_KDF,
  hmac,
  isKeyFile,
  newMasterKey,
  sealJson,
  sealParts,
  sha256,
  unseal,
  unsealJson,
  unwrapMasterKey,
  wrapMasterKey,
  type KdfParams,
  type KeyFile,
  type MasterKey,
} from "./internal/crypto.ts";
import { entryKey, MasterIndex, type EntryType, type IndexFile, type IndexPack, type PackEntry } from "./internal/index-store.ts";
import { Locker, type HeldLock, type LockEvent, type LockOptions } from "./locks.ts";

/** 2: trees may be stored in parts (docs/design.md, "Trees in parts"); version 1 is still read. */
export const FORMAT_VERSION = 2;
/**
 * Trees in parts (format 2; docs/design.md, "Trees in parts"). Writers only — readers need none
 * of this. A tree of more than `threshold` entries is stored as runs of consecutive entries (by
 * name) plus an index tree listing the runs' ids; a list of more than `threshold` ids is itself
 * cut into runs the same way, level by level. A run ends after an item with probability
 * (its JSON length ÷ `partBytes`), decided by the item's hash (see `endsRun`), or when it reaches
 * `maxPartBytes`: runs hold ~`partBytes` of JSON whatever the entries' size, and changing an
 * entry rewrites its run and one index tree per level.
 */
export const TREE_PARTS = { threshold: 64, partBytes: 2048, maxPartBytes: 16384 } as const;

/** Whether a run ends after an item: `key` is an entry's name or a part's id, `bytes` its JSON length. */
export function endsRun(key: string, bytes: number): boolean {
  const h = createHash("sha256").update(key).digest().readUInt32BE(0);
  return h < (bytes / TREE_PARTS.partBytes) * 2 ** 32;
}

/** Cuts a sorted list into runs (see TREE_PARTS); runs of ids hold 2 or more, so each level shrinks. */
function cutRuns<T>(items: T[], key: (item: T) => string, minRun = 1): T[][] {
  const runs: T[][] = [];
  let run: T[] = [];
  let size = 0;
  for (const item of items) {
    const bytes = Buffer.byteLength(JSON.stringify(item)) + 1;
    run.push(item);
    size += bytes;
    if (size >= TREE_PARTS.maxPartBytes || (run.length >= minRun && endsRun(key(item), bytes))) {
      runs.push(run);
      run = [];
      size = 0;
    }
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/** A tree as stored: a listing, or (format 2, large trees) the ids of the trees that list its parts. */
export type TreeObject = Tree | TreeParts;
export interface TreeParts {
  parts: string[];
}
export const DEFAULT_PACK_SIZE = 16 * 1024 * 1024;
/** Write an index file after this many packs even before a snapshot, so long runs persist progress. */
const PACKS_PER_INDEX = 64;
/** …or after this many entries (packs of small JSON documents hold thousands each). */
const ENTRIES_PER_INDEX = 50_000;
/**
 * Packs being uploaded while the next one fills. One: a second (16 MiB more resident) did not
 * measurably speed up the write path, which is bound by the main thread's hashing, chunking
 * and encryption (bench/RESULTS.md, P5).
 */
const MAX_UPLOADS = 1;
/** A sealed entry below this size is kept as one buffer; larger ones keep their parts (no copy). */
const JOIN_BELOW = 64 * 1024;

export interface RepositoryConfig {
  version: number;
  id: string;
  created: string;
  chunker: { seed: string } & ChunkerParams;
  packSize: number;
  compression: "deflate";
}

export type RepositoryEvent = LockEvent | { type: "warning"; message: string; file?: string } | { type: "read-only"; message: string };

export interface OpenOptions {
  /** A local path or `s3:ENDPOINT/BUCKET/PREFIX`; or pass `backend`. */
  url?: string;
  backend?: Backend;
  password?: string;
  /** Allow the empty password. Needed both to create and to open such a repository. */
  insecureNoPassword?: boolean;
  /** Create the repository (like initRepository) instead of opening it. */
  create?: boolean;
  /** Key derivation cost for new key files (init, changePassword). Tests use cheap values. */
  kdf?: KdfParams;
  /** Chunker and pack sizes for a new repository (tests use small ones). */
  chunker?: ChunkerParams;
  packSize?: number;
  locks?: LockOptions;
  /**
   * "shared" (default): this handle may write, so openRepository takes a shared lock *before*
   * reading the index it deduplicates against (docs/design.md, "Locking"); a handle made by
   * initRepository takes it at its first write and then re-reads the index. "none": this handle
   * only reads, and writes take no lock (tests and commands that manage locks themselves).
   */
  autoLock?: "shared" | "none";
  /**
   * Never write a lock file (restic's --no-lock): for reading read-only or immutable storage.
   * Reads stay correct — a pack removed by a concurrent prune is looked up again in the new
   * index — but nothing can be saved through such a handle (ReadOnlyError).
   */
  noLock?: boolean;
  /**
   * For commands that only read: when the storage refuses the lock write (read-only file system,
   * immutable directory, S3 AccessDenied), carry on as with `noLock` and say so with a
   * "read-only" event instead of failing.
   */
  readOnlyFallback?: boolean;
  /**
   * Take a lock right away, e.g. `{ kind: "shared", purpose: "restore" }` so a prune cannot
   * remove data while it is being read. Released by close().
   */
  lock?: { kind: "shared" | "exclusive"; purpose: string };
  /** Compress stored entries (default true). */
  compress?: boolean;
  onEvent?: (e: RepositoryEvent) => void;
}

interface SnapshotDoc extends SnapshotInput {
  version: number;
  hostname?: string;
}

function resolvePassword(opts: OpenOptions, location: string): string {
  if (opts.password !== undefined && opts.password !== "") return opts.password;
  if (opts.insecureNoPassword) return "";
  throw new RepositoryError(
    `a password is needed for the repository at ${location} — set LIFEBOAT_PASSWORD or pass --password-file ` +
      `(a repository created with --insecure-no-password needs that flag instead)`,
    "NO_PASSWORD",
  );
}

async function checkLocalPath(backend: Backend): Promise<void> {
  if (!(backend instanceof LocalBackend)) return;
  try {
    const s = await stat(backend.root);
    if (!s.isDirectory()) {
      throw new RepositoryError(`repository path ${backend.root} is a file, not a directory — choose a directory path`, "NOT_A_DIRECTORY");
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOTDIR") {
      throw new RepositoryError(`repository path ${backend.root} is inside a file, not a directory — choose a directory path`, "NOT_A_DIRECTORY");
    }
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}

/** Creates a new repository; refuses a location that already holds anything. */
export async function initRepository(opts: OpenOptions): Promise<Repository> {
  const backend = opts.backend ?? backendFromUrl(opts.url ?? "");
  const password = resolvePassword(opts, backend.location);
  await checkLocalPath(backend);
  const hasConfig = await backend.stat({ type: "config", name: "" }).then(
    () => true,
    (e) => (e instanceof NotFoundError ? false : Promise.reject(e)),
  );
  if (hasConfig) throw new RepositoryError(`a repository already exists at ${backend.location} — nothing was changed`, "EXISTS");
  if (!(await backend.isEmpty())) {
    throw new RepositoryError(
      `${backend.location} is not empty and is not a Lifeboat repository — choose an empty or new location; nothing was changed`,
      "NOT_EMPTY",
    );
  }
  const mk = newMasterKey();
  const chunker = opts.chunker ?? DEFAULT_CHUNKER;
  const config: RepositoryConfig = {
    version: FORMAT_VERSION,
    id: randomBytes(32).toString("hex"),
    created: new Date().toISOString(),
    chunker: { seed: randomBytes(32).toString("base64"), ...chunker },
    packSize: opts.packSize ?? DEFAULT_PACK_SIZE,
    compression: "deflate",
  };
  let keyName: string;
  try {
    keyName = await saveKeyFile(backend, await wrapMasterKey(mk, password, opts.kdf ?? DEFAULT_KDF, hostname()));
  } catch (err) {
    if (!isReadOnlyStorageError(err)) throw err;
    const why = (err as { code?: string; name?: string }).code ?? (err as { name?: string }).name;
    throw new ReadOnlyError(`${backend.location} is read-only (${why}): init needs write access there — choose a writable location; nothing was created`);
  }
  await backend.save({ type: "config", name: "" }, await sealJson(mk.encrypt, "config", config));
  return new Repository(backend, mk, config, keyName, opts);
}

async function saveKeyFile(backend: Backend, kf: KeyFile): Promise<string> {
  const bytes = Buffer.from(JSON.stringify(kf, null, 2));
  const name = sha256(bytes);
  await backend.save({ type: "key", name }, bytes);
  return name;
}

/** Opens an existing repository (or creates one with `create: true`). */
export async function openRepository(opts: OpenOptions): Promise<Repository> {
  if (opts.create) return initRepository(opts);
  const backend = opts.backend ?? backendFromUrl(opts.url ?? "");
  await checkLocalPath(backend);
  let configBytes: Uint8Array;
  try {
    configBytes = await backend.load({ type: "config", name: "" });
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    if (await backend.isEmpty()) {
      throw new RepositoryError(`there is no repository at ${backend.location} — create one with 'lifeboat init'`, "NO_REPOSITORY");
    }
    throw new RepositoryError(`${backend.location} is not a Lifeboat repository (it has no config file) — check --repo / LIFEBOAT_REPOSITORY`, "NOT_A_REPOSITORY");
  }
  const password = resolvePassword(opts, backend.location);
  const keys = await backend.list("key");
  if (keys.length === 0) throw new DamageError(`repository at ${backend.location} has no key files (keys/ is empty) — it cannot be opened`, "keys/");
  const damaged: string[] = [];
  for (const k of keys) {
    let kf: unknown;
    try {
      const bytes = await backend.load({ type: "key", name: k.name });
      if (sha256(bytes) !== k.name) throw new Error("hash mismatch");
      kf = JSON.parse(Buffer.from(bytes).toString("utf8"));
      if (!isKeyFile(kf)) throw new Error("not a key file");
    } catch {
      damaged.push(`keys/${k.name}`);
      continue;
    }
    const mk = await unwrapMasterKey(kf, password);
    if (!mk) continue;
    const config = await unsealJson<RepositoryConfig>(mk.encrypt, "config", configBytes, "config");
    if (config.version > FORMAT_VERSION) {
      throw new RepositoryError(
        `repository at ${backend.location} has format version ${config.version}; this Lifeboat reads up to version ${FORMAT_VERSION} — upgrade Lifeboat`,
        "VERSION",
      );
    }
    const repo = new Repository(backend, mk, config, k.name, opts);
    try {
      // The lock comes first: an index read before it could name packs a prune is deleting.
      if (opts.lock) await repo.acquireLock(opts.lock.kind, opts.lock.purpose);
      else if (!opts.noLock && (opts.autoLock ?? "shared") === "shared") await repo.acquireLock("shared", "backup");
      await repo.loadIndex();
    } catch (err) {
      await repo.releaseLock();
      throw err;
    }
    return repo;
  }
  if (damaged.length === keys.length) {
    throw new DamageError(`every key file of the repository at ${backend.location} is damaged (${damaged.join(", ")}) — it cannot be opened`, damaged[0]);
  }
  throw new RepositoryError(
    `wrong password for the repository at ${backend.location}: it opens none of its ${keys.length - damaged.length} key file(s) — check LIFEBOAT_PASSWORD or --password-file`,
    "WRONG_PASSWORD",
  );
}

interface PackBuilder {
  parts: Buffer[];
  entries: PackEntry[];
  size: number;
}

export class Repository implements SnapshotRepository {
  readonly index = new MasterIndex();
  readonly locker: Locker;
  private readonly gear: Int32Array;
  private readonly chunker: ChunkerParams;
  private pack: PackBuilder = { parts: [], entries: [], size: 0 };
  /** Sealed entries (as their parts) not yet in an uploaded+indexed pack, readable meanwhile. */
  private readonly pending = new Map<string, Buffer[]>();
  private readonly sealing = new Map<string, Promise<void>>();
  private readonly uploads = new Set<Promise<void>>();
  private uploadError: unknown;
  private unindexed: IndexPack[] = [];
  private lock: HeldLock | undefined;
  private locking: Promise<void> | undefined;
  /** Why this handle reads without a lock (--no-lock, or read-only storage), if it does. */
  private unlockedReason: string | undefined;
  private readonly snapshotCache = new Map<string, Snapshot | null>();
  private closed = false;
  private readonly compress: boolean;

  constructor(
    readonly backend: Backend,
    private readonly masterKey: MasterKey,
    readonly config: RepositoryConfig,
    private keyName: string,
    private readonly opts: OpenOptions,
  ) {
    this.gear = gearTable(Buffer.from(config.chunker.seed, "base64"));
    this.chunker = { min: config.chunker.min, avg: config.chunker.avg, max: config.chunker.max };
    this.compress = opts.compress ?? true;
    this.locker = new Locker(backend, masterKey.encrypt, opts.locks, (e) => this.emit(e));
    if (opts.noLock) this.unlockedReason = "it was opened with --no-lock";
  }

  get location(): string {
    return this.backend.location;
  }

  /** @internal the encryption key, for verify/prune in this package. */
  get encKey(): Buffer {
    return this.masterKey.encrypt;
  }

  /** @internal the MAC key (chunk ids), for verify in this package. */
  get macKey(): Buffer {
    return this.masterKey.mac;
  }

  /**
   * A key for something outside the repository that must only be valid with this repository
   * (a signed restore plan): HMAC-SHA-256 of the MAC key with `purpose` (UTF-8), 32 bytes.
   * Each use names its own purpose string, so keys of different purposes are unrelated and
   * none reveals the MAC key (docs/design.md, "Derived keys").
   */
  deriveKey(purpose: string): Uint8Array {
    if (!purpose) throw new Error("deriveKey: name the purpose of the key");
    return createHmac("sha256", this.masterKey.mac).update(purpose, "utf8").digest();
  }

  emit(e: RepositoryEvent): void {
    this.opts.onEvent?.(e);
  }

  // ------------------------------------------------------------------ locks

  /**
   * Takes a lock for this handle (released by close()). Shared for backup/restore/verify,
   * exclusive for forget/prune. With `noLock` a shared lock is not taken (an exclusive one is
   * refused); with `readOnlyFallback` a read-only storage leaves the handle unlocked.
   */
  async acquireLock(kind: "shared" | "exclusive", purpose: string): Promise<void> {
    if (this.unlockedReason !== undefined) {
      if (kind === "shared") return;
      throw new ReadOnlyError(`${purpose} needs an exclusive lock on ${this.location}, but ${this.unlockedReason} — run it without --no-lock, with write access`);
    }
    if (this.lock) {
      if (this.lock.info.exclusive || kind === "shared") return;
      await this.lock.release();
      this.lock = undefined;
    }
    try {
      this.lock = await this.locker.acquire(kind === "exclusive", purpose);
    } catch (err) {
      if (!(err instanceof ReadOnlyError) || kind !== "shared" || !this.opts.readOnlyFallback) throw err;
      this.unlockedReason = "its storage is read-only";
      this.emit({
        type: "read-only",
        message: `the repository at ${this.location} is read-only: reading it without a lock (as with --no-lock; pass it to skip this check)`,
      });
    }
  }

  /** Whether this handle holds a lock now (verify without one double-checks what it finds). */
  get locked(): boolean {
    return this.lock !== undefined;
  }

  /** True when the held lock may have been judged stale by others (see locks.ts): nothing may be deleted or committed. */
  lockLost(): boolean {
    return this.lock?.expired() === true;
  }

  async releaseLock(): Promise<void> {
    const l = this.lock;
    this.lock = undefined;
    await l?.release();
  }

  /**
   * Before a write (and before a deduplication decision): a handle without a lock takes the
   * shared one, then brings its index up to date — it may have been read before a prune ran.
   */
  private async writeLock(): Promise<void> {
    if (this.closed) throw new RepositoryError(`repository at ${this.location} is closed`, "CLOSED");
    if (this.unlockedReason !== undefined) {
      throw new ReadOnlyError(
        `nothing can be saved in the repository at ${this.location}: ${this.unlockedReason}, so it is read without a lock ` +
          `(a restore from read-only storage needs --no-safety-backup)`,
      );
    }
    if (this.lock || (this.opts.autoLock ?? "shared") === "none") return;
    if (!this.locking) {
      this.locking = (async () => {
        await this.acquireLock("shared", "backup");
        await this.refreshIndex();
      })().finally(() => (this.locking = undefined));
    }
    await this.locking;
  }

  /** Throws when our lock may have been taken for dead: what we wrote may be gone. */
  private checkLock(what: string): void {
    if (this.lock?.expired()) {
      // A prune elsewhere may have taken our stale lock for dead and removed data we wrote.
      throw new RepositoryError(
        `the lock on ${this.location} could not be refreshed for too long (suspended or disconnected?) — ${what}; run the backup again`,
        "LOCK_EXPIRED",
      );
    }
  }

  // ------------------------------------------------------------------ index

  /** Loads index files not loaded yet. Damaged ones are skipped with a warning (verify reports them). */
  async loadIndex(): Promise<void> {
    const files = (await this.backend.list("index")).filter((f) => !this.index.files.has(f.name));
    await mapPool(files, 8, async (f) => {
      try {
        const idx = await this.readIndexFile(f.name);
        for (const p of idx.packs) this.index.addPack(p, f.name);
        this.index.files.add(f.name);
      } catch (err) {
        if (err instanceof NotFoundError) return; // removed by a concurrent prune
        if (!(err instanceof DamageError)) throw err;
        this.emit({ type: "warning", message: `${err.message} — run 'lifeboat repair index' to rebuild the index from the packs`, file: `index/${f.name}` });
      }
    });
  }

  /** Forgets what is loaded and reads every index file again (after prune rewrote them). */
  async reloadIndex(): Promise<void> {
    this.index.clear();
    await this.loadIndex();
  }

  /**
   * Brings the loaded index up to date: reads new index files, or — when one we loaded is gone,
   * which only a prune does (it rewrites the index before deleting packs) — everything again.
   * Packs this handle uploaded but not yet indexed stay known.
   */
  async refreshIndex(): Promise<void> {
    const present = new Set((await this.backend.list("index")).map((f) => f.name));
    if ([...this.index.files].every((f) => present.has(f))) return this.loadIndex();
    this.index.clear();
    await this.loadIndex();
    for (const p of this.unindexed) this.index.addPack(p, "");
  }

  async readIndexFile(name: string): Promise<IndexFile> {
    const bytes = await this.backend.load({ type: "index", name });
    if (sha256(bytes) !== name) throw new DamageError(`index/${name} is damaged: its content does not match its name`, `index/${name}`);
    const idx = await unsealJson<IndexFile>(this.masterKey.encrypt, "index", bytes, `index/${name}`);
    if (!idx || !Array.isArray(idx.packs)) throw new DamageError(`index/${name} is damaged: no pack list`, `index/${name}`);
    return idx;
  }

  /** Saves an index file naming `packs`; returns its name. */
  async writeIndexFile(packs: IndexPack[]): Promise<string> {
    const doc: IndexFile = { version: 1, packs };
    const bytes = await sealJson(this.masterKey.encrypt, "index", doc, true);
    const name = sha256(bytes);
    await this.backend.save({ type: "index", name }, bytes);
    this.index.files.add(name);
    for (const p of packs) this.index.addPack(p, name);
    return name;
  }

  // ------------------------------------------------------------------ entries and packs

  private known(type: EntryType, id: string): boolean {
    return this.index.has(type, id) || this.pending.has(entryKey(type, id));
  }

  private async storeEntry(type: EntryType, id: string, plaintext: Uint8Array): Promise<void> {
    const k = entryKey(type, id);
    if (this.known(type, id)) return;
    // A concurrent saver of the same id: wait for it, so whoever returns can rely on the entry.
    const running = this.sealing.get(k);
    if (running) return running;
    const work = (async () => {
      let sealed = await sealParts(this.masterKey.encrypt, k, plaintext, this.compress, type === "tree");
      const length = sealed.reduce((n, b) => n + b.length, 0);
      // Small entries (JSON documents, thousands a pack) are joined: one object each, not three.
      if (length < JOIN_BELOW) sealed = [Buffer.concat(sealed, length)];
      this.pending.set(k, sealed);
      const p = this.pack;
      p.entries.push({ type, id, offset: p.size, length, size: plaintext.length });
      p.parts.push(...sealed);
      p.size += length;
    })();
    this.sealing.set(k, work);
    try {
      await work;
    } finally {
      this.sealing.delete(k);
    }
    if (this.pack.size >= this.config.packSize) await this.flushPack();
  }

  private async flushPack(): Promise<void> {
    const p = this.pack;
    if (p.entries.length === 0) return;
    this.pack = { parts: [], entries: [], size: 0 };
    const header = await sealJson(this.masterKey.encrypt, "pack-header", p.entries, true);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(header.length);
    // The pack is saved as its parts (sealed entries, header, length): never joined into one
    // buffer here, so a pack in flight is held once; until its upload is indexed, its entries
    // are read from `pending`, which holds those same parts.
    const parts = [...p.parts, header, len];
    p.parts.length = 0;
    const hash = createHash("sha256");
    for (const part of parts) hash.update(part);
    const id = hash.digest("hex");
    const size = p.size + header.length + len.length;
    const upload = (async () => {
      await this.backend.save({ type: "data", name: id }, parts);
      const ip: IndexPack = { id, size, entries: p.entries };
      this.unindexed.push(ip);
      // Readable through the index from now on; the index file follows (write order).
      this.index.addPack(ip, "");
      for (const e of p.entries) this.pending.delete(entryKey(e.type, e.id));
    })();
    this.uploads.add(upload);
    upload.then(
      () => this.uploads.delete(upload),
      (err: unknown) => {
        this.uploads.delete(upload);
        this.uploadError ??= err;
      },
    );
    // Uploads overlap with chunking and sealing, at most MAX_UPLOADS packs in flight (bounded memory).
    while (this.uploads.size >= MAX_UPLOADS) await Promise.race(this.uploads).catch(() => {});
    this.throwUploadError();
    if (this.unindexed.length >= PACKS_PER_INDEX || this.unindexed.reduce((n, ip) => n + ip.entries.length, 0) >= ENTRIES_PER_INDEX) {
      await this.flushIndex();
    }
  }

  /** A failed pack upload poisons this handle for writing: its entries were never stored. */
  private throwUploadError(): void {
    if (this.uploadError) {
      throw new RepositoryError(`saving a pack to ${this.location} failed: ${(this.uploadError as Error).message ?? String(this.uploadError)} — nothing saved since is referenced; run the backup again`, "UPLOAD_FAILED");
    }
  }

  private async flushIndex(): Promise<void> {
    if (this.unindexed.length === 0) return;
    // An index naming packs a prune may have deleted (taking us for dead) would be damage.
    this.checkLock("no index was written for the data saved since");
    const packs = this.unindexed;
    this.unindexed = [];
    await this.writeIndexFile(packs);
  }

  /** Makes everything saved so far durable: the open pack, in-flight uploads, then an index file. */
  async flush(): Promise<void> {
    await this.flushPack();
    while (this.uploads.size > 0) await Promise.allSettled([...this.uploads]);
    this.throwUploadError();
    await this.flushIndex();
  }

  /** Reads and decrypts one entry (from memory while its pack is not uploaded yet). */
  async readEntry(type: EntryType, id: string): Promise<Buffer> {
    const k = entryKey(type, id);
    await this.sealing.get(k);
    const mem = this.pending.get(k);
    if (mem) return unseal(this.masterKey.encrypt, k, Buffer.concat(mem), `${type} ${id}`);
    let loc = this.index.get(type, id);
    if (!loc) {
      await this.refreshIndex(); // another writer may have added it, or a prune moved it
      loc = this.index.get(type, id);
    }
    let sealed: Uint8Array | undefined;
    for (let attempt = 0; !sealed; attempt++) {
      if (!loc) {
        // Read without a lock, a forget + prune may have removed what we were reading: not
        // necessarily damage, so its own reason (MISSING_UNLOCKED, code conflict: "run it
        // again"); under a lock nothing can prune it, so MISSING is damage (code damaged).
        const unlocked = this.lock ? "" : " (this command read without a lock: if a forget and prune ran meanwhile, run it again)";
        throw new RepositoryError(`${type} ${id} is not in the index of the repository at ${this.location} — run 'lifeboat verify'${unlocked}`, this.lock ? "MISSING" : "MISSING_UNLOCKED");
      }
      try {
        sealed = await this.backend.load({ type: "data", name: loc.pack }, { offset: loc.offset, length: loc.length });
      } catch (err) {
        const gone = err instanceof NotFoundError;
        if (!gone && !(err instanceof RangeError)) throw err;
        // A pack removed after we read the index: a prune repacked the entry (new index first,
        // then the old packs), so the index read again says where it is now. Only a pack the
        // current index still names, and that is still missing, is damage.
        if (attempt === 0) {
          await this.refreshIndex();
          loc = this.index.get(type, id);
          continue;
        }
        if (gone) throw new DamageError(`pack ${loc.pack} holding ${type} ${id} is missing — run 'lifeboat verify'`, `data/${loc.pack}`);
        throw new DamageError(`pack ${loc.pack} holding ${type} ${id} is truncated — run 'lifeboat verify'`, `data/${loc.pack}`);
      }
    }
    return unseal(this.masterKey.encrypt, k, sealed, `${type} ${id} in pack ${loc!.pack}`);
  }

  // ------------------------------------------------------------------ blobs

  async saveBlob(source: BlobSource): Promise<BlobRef> {
    await this.writeLock();
    const pieces: Iterable<Uint8Array> | AsyncIterable<Uint8Array> =
      source instanceof Uint8Array ? chunkBuffer(source, this.gear, this.chunker) : chunkStream(source, this.gear, this.chunker);
    const whole = createHash("sha256");
    const chunks: [string, number][] = [];
    let size = 0;
    const window: Promise<void>[] = [];
    // The first chunk waits for a second one: a blob of one chunk is stored inline (one entry).
    let first: Uint8Array | undefined;
    let count = 0;
    const store = async (c: Uint8Array) => {
      const id = hmac(this.masterKey.mac, c);
      chunks.push([id, c.length]);
      const p = this.storeEntry("chunk", id, c);
      p.catch(() => {});
      window.push(p);
      // A few chunks compress in parallel (libuv pool); memory stays bounded.
      if (window.length >= 4) await window.shift();
    };
    try {
      for await (const c of pieces) {
        whole.update(c);
        size += c.length;
        if (++count === 1) {
          first = c;
          continue;
        }
        if (first) {
          await store(first);
          first = undefined;
        }
        await store(c);
      }
      await Promise.all(window);
    } catch (err) {
      await Promise.allSettled(window);
      throw err;
    }
    const id = whole.digest("hex");
    if (count <= 1) await this.storeEntry("inline", id, first ?? new Uint8Array(0));
    else await this.storeEntry("blob", id, Buffer.from(JSON.stringify({ size, chunks })));
    return { id, size };
  }

  /** How a blob is stored: inline (one entry) or as a list of chunks. */
  async blobLayout(id: string): Promise<{ inline: true } | { inline: false; size: number; chunks: [string, number][] }> {
    const isInline = () => this.known("inline", id) || this.sealing.has(entryKey("inline", id));
    if (!isInline() && !this.known("blob", id) && !this.sealing.has(entryKey("blob", id))) await this.loadIndex();
    if (isInline()) return { inline: true };
    const list = JSON.parse((await this.readEntry("blob", id)).toString("utf8")) as { size: number; chunks: [string, number][] };
    return { inline: false, ...list };
  }

  async *readBlob(ref: BlobRef | string): AsyncIterable<Uint8Array> {
    const id = typeof ref === "string" ? ref : ref.id;
    const layout = await this.blobLayout(id);
    if (layout.inline) {
      const data = await this.readEntry("inline", id);
      if (data.length > 0) yield data;
      return;
    }
    const list = layout;
    let next: Promise<Buffer> | undefined;
    for (let i = 0; i < list.chunks.length; i++) {
      const cur = next ?? this.readEntry("chunk", list.chunks[i]![0]);
      const following = list.chunks[i + 1];
      next = following ? this.readEntry("chunk", following[0]) : undefined;
      next?.catch(() => {});
      const data = await cur;
      if (data.length !== list.chunks[i]![1]) throw new DamageError(`chunk ${list.chunks[i]![0]} of blob ${id} has the wrong size`);
      yield data;
    }
  }

  /** Whether the blob is stored (a writer's dedup question: taken under the write lock). */
  async hasBlob(id: string): Promise<boolean> {
    if ((this.opts.autoLock ?? "shared") === "shared" && this.unlockedReason === undefined) await this.writeLock();
    return this.known("blob", id) || this.known("inline", id);
  }

  async saveJson(value: unknown): Promise<BlobRef> {
    return this.saveBlob(Buffer.from(JSON.stringify(value)));
  }

  async readJson<T = unknown>(ref: BlobRef | string): Promise<T> {
    const parts: Uint8Array[] = [];
    for await (const p of this.readBlob(ref)) parts.push(p);
    return JSON.parse(Buffer.concat(parts).toString("utf8")) as T;
  }

  /** Reads a whole blob into memory (small blobs only). */
  async readBlobBytes(ref: BlobRef | string): Promise<Buffer> {
    const parts: Uint8Array[] = [];
    for await (const p of this.readBlob(ref)) parts.push(p);
    return Buffer.concat(parts);
  }

  /** The chunk list of a blob stored as a list (for verify and prune). */
  async blobChunks(id: string): Promise<{ size: number; chunks: [string, number][] }> {
    return JSON.parse((await this.readEntry("blob", id)).toString("utf8"));
  }

  /** Whether the index holds a blob (as a list or inline). */
  blobIndexed(id: string): { type: "blob" | "inline" } | undefined {
    if (this.index.has("inline", id)) return { type: "inline" };
    if (this.index.has("blob", id)) return { type: "blob" };
    return undefined;
  }

  // ------------------------------------------------------------------ trees

  /**
   * Saves a tree; entries are sorted by name so equal listings get equal ids. A tree of more than
   * TREE_PARTS.threshold entries is stored in parts (format 2, docs/design.md "Trees in parts"):
   * runs of consecutive entries cut where a name's hash says so, plus an index tree naming them,
   * so changing one entry rewrites one part and the index. The id returned is the index tree's.
   */
  async saveTree(tree: Tree): Promise<string> {
    await this.writeLock();
    const seen = new Set<string>();
    const entries: TreeEntry[] = [];
    for (const e of [...tree.entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (seen.has(e.name)) throw new RepositoryError(`tree entry name '${e.name}' appears twice — names in a tree must be unique`, "DUPLICATE_NAME");
      seen.add(e.name);
      entries.push(e);
    }
    if (this.config.version < 2 || entries.length <= TREE_PARTS.threshold) return this.storeTreeObject({ entries });
    let ids = await Promise.all(cutRuns(entries, (e) => e.name).map((run) => this.storeTreeObject({ entries: run })));
    while (ids.length > TREE_PARTS.threshold) {
      ids = await Promise.all(cutRuns(ids, (id) => id, 2).map((run) => this.storeTreeObject({ parts: run })));
    }
    return this.storeTreeObject({ parts: ids });
  }

  private async storeTreeObject(obj: TreeObject): Promise<string> {
    const text = Buffer.from(JSON.stringify(obj));
    const id = sha256(text);
    await this.storeEntry("tree", id, text);
    return id;
  }

  /** A tree as stored: a listing (`entries`) or, for a large tree, the ids of its parts (`parts`). */
  async loadTreeObject(id: string): Promise<TreeObject> {
    const bytes = await this.readEntry("tree", id);
    let doc: unknown;
    try {
      doc = JSON.parse(bytes.toString("utf8"));
    } catch {
      throw new DamageError(`tree ${id} is damaged: it is not JSON — run 'lifeboat verify'`);
    }
    const d = doc as Partial<Record<"entries" | "parts", unknown>>;
    if (Array.isArray(d?.entries)) return doc as Tree;
    if (Array.isArray(d?.parts) && d.parts.every((p) => typeof p === "string")) return doc as TreeParts;
    throw new DamageError(`tree ${id} is damaged: it has neither entries nor parts — run 'lifeboat verify'`);
  }

  /** Loads a tree, whole: a tree stored in parts is read part by part (level by level) and joined. */
  async loadTree(id: string): Promise<Tree> {
    const obj = await this.loadTreeObject(id);
    if ("entries" in obj) return obj;
    const parts: TreeEntry[][] = [];
    await mapPool([...obj.parts.keys()], 8, async (i) => {
      parts[i] = (await this.loadTree(obj.parts[i]!)).entries;
    });
    return { entries: parts.flat() };
  }

  // ------------------------------------------------------------------ snapshots

  async saveSnapshot(input: SnapshotInput): Promise<Snapshot> {
    await this.writeLock();
    await this.flush();
    this.checkLock("the snapshot was not saved");
    const doc: SnapshotDoc = { version: FORMAT_VERSION, ...input, hostname: hostname() };
    const bytes = await sealJson(this.masterKey.encrypt, "snapshot", doc);
    const id = sha256(bytes);
    await this.backend.save({ type: "snapshot", name: id }, bytes);
    const snap = toSnapshot(id, doc);
    this.snapshotCache.set(id, snap);
    return snap;
  }

  /** Loads one snapshot file by full id; DamageError when it is damaged. */
  async readSnapshotFile(id: string): Promise<Snapshot> {
    const bytes = await this.backend.load({ type: "snapshot", name: id });
    if (sha256(bytes) !== id) throw new DamageError(`snapshots/${id} is damaged: its content does not match its name`, `snapshots/${id}`);
    const doc = await unsealJson<SnapshotDoc>(this.masterKey.encrypt, "snapshot", bytes, `snapshots/${id}`);
    if (typeof doc.tree !== "string" || typeof doc.tenant !== "string") throw new DamageError(`snapshots/${id} is damaged: fields missing`, `snapshots/${id}`);
    return toSnapshot(id, doc);
  }

  /** All readable snapshots, oldest first. Damaged snapshot files are skipped with a warning. */
  async listSnapshots(): Promise<Snapshot[]> {
    const files = await this.backend.list("snapshot");
    const out: Snapshot[] = [];
    await mapPool(files, 8, async (f) => {
      let s = this.snapshotCache.get(f.name);
      if (s === undefined) {
        try {
          s = await this.readSnapshotFile(f.name);
        } catch (err) {
          if (err instanceof NotFoundError) return;
          if (!(err instanceof DamageError)) throw err;
          this.emit({ type: "warning", message: `${err.message} — skipped; run 'lifeboat verify'`, file: `snapshots/${f.name}` });
          s = null;
        }
        this.snapshotCache.set(f.name, s);
      }
      if (s) out.push(s);
    });
    return out.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.id < b.id ? -1 : 1));
  }

  async loadSnapshot(idOrPrefix: string): Promise<Snapshot> {
    if (idOrPrefix === "latest") {
      const all = await this.listSnapshots();
      const last = all[all.length - 1];
      if (!last) throw new RepositoryError(`the repository at ${this.location} has no snapshots yet — run 'lifeboat backup' first, or check --repo / LIFEBOAT_REPOSITORY`, "NO_SNAPSHOT");
      return last;
    }
    if (!/^[0-9a-f]+$/.test(idOrPrefix)) {
      throw new RepositoryError(`'${idOrPrefix}' is not a snapshot id — use a hex id, a unique prefix of one, or 'latest'`, "BAD_ID");
    }
    const matches = (await this.backend.list("snapshot")).filter((f) => f.name.startsWith(idOrPrefix));
    if (matches.length === 0) {
      throw new RepositoryError(`no snapshot '${idOrPrefix}' in the repository at ${this.location} — 'lifeboat snapshots' lists them`, "NO_SNAPSHOT");
    }
    if (matches.length > 1) {
      throw new RepositoryError(`snapshot prefix '${idOrPrefix}' is ambiguous (${matches.length} snapshots) — give more characters`, "AMBIGUOUS");
    }
    const id = matches[0]!.name;
    const cached = this.snapshotCache.get(id);
    if (cached) return cached;
    const s = await this.readSnapshotFile(id);
    this.snapshotCache.set(id, s);
    return s;
  }

  /** Removes snapshot files (forget). The caller holds the exclusive lock. */
  async removeSnapshot(id: string): Promise<void> {
    await this.backend.remove({ type: "snapshot", name: id });
    this.snapshotCache.delete(id);
  }

  // ------------------------------------------------------------------ keys

  /** Writes a key file for `newPassword`, then removes the one this handle was opened with. */
  async changePassword(newPassword: string, opts: { kdf?: KdfParams; insecureNoPassword?: boolean } = {}): Promise<void> {
    if (newPassword === "" && !opts.insecureNoPassword) {
      throw new RepositoryError("the new password is empty — pass --insecure-no-password to really remove password protection", "NO_PASSWORD");
    }
    const kf = await wrapMasterKey(this.masterKey, newPassword, opts.kdf ?? this.opts.kdf ?? DEFAULT_KDF, hostname());
    const name = await saveKeyFile(this.backend, kf);
    if (name !== this.keyName) await this.backend.remove({ type: "key", name: this.keyName });
    this.keyName = name;
  }

  // ------------------------------------------------------------------ lifecycle

  /** Flushes pending data (unreferenced until a snapshot names it) and releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (this.pack.entries.length > 0 || this.unindexed.length > 0 || this.uploads.size > 0) await this.flush();
    } finally {
      this.closed = true;
      await this.releaseLock();
      if (!this.opts.backend) await this.backend.close(); // only a backend we created from a URL

    }
  }
}

function toSnapshot(id: string, doc: SnapshotDoc): Snapshot {
  const s: Snapshot = {
    id,
    tenant: doc.tenant,
    time: doc.time,
    toolVersion: doc.toolVersion,
    tags: doc.tags ?? [],
    partial: doc.partial === true,
    tree: doc.tree,
  };
  if (doc.manifest) s.manifest = doc.manifest;
  if (typeof doc.manifestTree === "string") s.manifestTree = doc.manifestTree;
  return s;
}
