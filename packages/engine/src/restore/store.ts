/**
 * Where restores keep their state: the journal store. Journals, restore logs and
 * verification reports name apps, user subjects and hosts, so they live outside the
 * repository (which may be read-only, shared, or on WORM storage) in a store of their own,
 * keyed by repository id + target tenant; the store also holds the target tenant's restore
 * lock, so two restores into one tenant cannot run at once.
 *
 * `JournalStore` is the seam: the CLI uses `LocalJournalStore` (a private folder on this
 * machine); a service or distributed workers will provide stores of their own.
 *
 * Local layout (every folder 0700, every file 0600; the root itself only when the store
 * creates it — an existing root, such as `--state-dir ~`, keeps its mode):
 *
 *   <root>/restores/<repository id>/<tenant>/<restore key>.jsonl        journal
 *   <root>/restores/<repository id>/<tenant>/<restore key>-<time>.log   restore log
 *   <root>/restores/<repository id>/<tenant>/<restore key>-<time>-verification.json
 *   <root>/locks/<tenant>/<random>.json                                 restore lock
 *
 * The lock works like the repository's (docs/design.md, "Locking"): each contender writes a
 * lock file of its own and then lists the folder; it holds the lock only when no other live
 * lock is there, else it removes its file and waits or gives up. A lock is stale — and
 * removed by the next contender — when its heartbeat is older than `staleMs`, or when it
 * was written on this host, in this PID namespace, by a process that no longer exists (a kill -9). A holder rewrites
 * its heartbeat every `refreshMs`; one that finds its lock file gone has lost the lock
 * (`assertHeld` throws) and stops before its next step.
 */
import { randomBytes } from "node:crypto";
import { chmod, mkdir, open, readdir, readFile, rename, stat, unlink } from "node:fs/promises";
import { homedir, hostname } from "node:os";
import { join, resolve } from "node:path";
import { LifeboatError, type ErrorFacts } from "@lifeboat/model";
import { pidNamespace } from "@lifeboat/repository";
import { sha256Hex } from "../internal/canonical.ts";
import { readJournalFile, type JournalRecord, type RestoreJournal } from "./journal.ts";
import { tenantKey } from "@lifeboat/kit";

/** Whose restores: the repository (its id) and the target tenant (its host). */
export interface JournalScope {
  repositoryId: string;
  /** The target's host or tenant key (normalised with `tenantKey`). */
  tenant: string;
}

/** One journal of a scope, summarised. */
export interface JournalSummary {
  restoreKey: string;
  /** The snapshot the restore restores (from its first `begin`). */
  snapshot: string;
  /** The target host as the journal names it. */
  target: string;
  /** When the first attempt began. */
  startedAt: string;
  /** The time of the last record. */
  lastAt: string;
  /** The last attempt's end: undefined while unfinished or when it was killed. */
  finished?: "complete" | "partial" | "aborted";
  attempts: number;
  location: string;
}

/** Who holds (or wants) a tenant's restore lock, for the message a second restore prints. */
export interface RestoreLockInfo {
  hostname: string;
  pid: number;
  /**
   * The holder's PID namespace (as the repository's locks record it): containers may share a
   * host name yet not see each other's processes, so a PID is only checked for liveness when
   * the lock was written in our namespace.
   */
  pidns?: string;
  /** When the lock was taken. */
  created: string;
  heartbeat: string;
  /** The target tenant. */
  tenant: string;
  /** What it restores, e.g. "snapshot 1a2b3c4d5e6f (--all) into acme.eu.qlikcloud.com". */
  restoring: string;
  restoreKey?: string;
}

export interface TenantLock {
  readonly info: RestoreLockInfo;
  /** Throws `RestoreLockLostError` when the lock was lost (its file removed by someone who took it for stale). */
  assertHeld(): void;
  release(): Promise<void>;
}

export interface LockWaitOptions {
  /** How long to wait for a running restore to finish before giving up. Default 0: no waiting (beyond telling a running restore from another one starting at the same instant). */
  waitMs?: number;
  /** Called once when a running restore holds the lock and this one starts to wait for it. */
  onWait?: (holder: RestoreLockInfo) => void;
}

export interface JournalStore {
  /** Where the store is, for messages. */
  readonly location: string;
  /** The records of one restore's journal, oldest first; empty when it has none. */
  load(scope: JournalScope, restoreKey: string): Promise<JournalRecord[]>;
  /** Appends one record; durable when it resolves. */
  save(scope: JournalScope, restoreKey: string, record: JournalRecord): Promise<void>;
  /** The journals of a scope, oldest first. */
  list(scope: JournalScope): Promise<JournalSummary[]>;
  /** Takes the target tenant's restore lock, or throws `RestoreLockedError` naming the holder. */
  lock(tenant: string, holder: { restoring: string; restoreKey?: string }, options?: LockWaitOptions): Promise<TenantLock>;
  /** The current holder of a tenant's lock, if a live one holds it (for plans, which do not lock). */
  holder(tenant: string): Promise<RestoreLockInfo | undefined>;
  /** Writes (or appends to) a run's companion file — a log or a verification report — privately. Returns its location. */
  writeFile(scope: JournalScope, name: string, text: string, mode: "append" | "replace"): Promise<string>;
  /** Where a journal lives, for messages. */
  journalLocation(scope: JournalScope, restoreKey: string): string;
}

/** A restore's journal as the executor uses it, over a store. */
export function storeJournal(store: JournalStore, scope: JournalScope, restoreKey: string, lock?: TenantLock): RestoreJournal {
  return {
    location: store.journalLocation(scope, restoreKey),
    load: () => store.load(scope, restoreKey),
    append: async (record) => {
      // A restore that lost its tenant lock must not take another step.
      lock?.assertHeld();
      await store.save(scope, restoreKey, record);
    },
  };
}

/** The journal store cannot be read or written (a permission, a full disk): nothing was changed on the tenant. */
export class JournalStoreError extends LifeboatError {
  /** `code` forbidden: the folder refuses writes; internal (the default): another failure of the file system (a full disk). */
  constructor(message: string, facts: ErrorFacts & { code?: "forbidden" | "internal" } = {}) {
    const { code = "internal", ...rest } = facts;
    super(code, message, rest);
    this.name = "JournalStoreError";
  }
}

/** Another restore into the tenant holds its restore lock (code locked). */
export class RestoreLockedError extends LifeboatError {
  constructor(
    readonly holderInfo: RestoreLockInfo,
    readonly lockLocation: string,
  ) {
    super(
      "locked",
      `another restore into ${holderInfo.tenant} is running: ${holderInfo.restoring} (PID ${holderInfo.pid} on ${holderInfo.hostname}, since ${holderInfo.created}); ` +
        `two restores into one tenant would create duplicates, so this one stopped before changing anything — wait for it to finish and run this command again ` +
        `(a lock left by a dead process is removed automatically; lock folder ${lockLocation})`,
      { object: holderInfo.tenant, place: lockLocation, next: "wait for the other restore to finish and run this command again" },
    );
    this.name = "RestoreLockedError";
  }
}

/** This restore's lock on the tenant was taken from it (code locked). */
export class RestoreLockLostError extends LifeboatError {
  constructor(tenant: string, file: string) {
    super(
      "locked",
      `this restore lost its lock on ${tenant} (${file} was removed, as if this process had been stopped for longer than the stale age); it stopped before its next step so as not to run beside another restore — run the same command again to continue`,
      { object: tenant, place: file, next: "run the same command again to continue" },
    );
    this.name = "RestoreLockLostError";
  }
}

export interface LocalJournalStoreOptions {
  /** A lock whose heartbeat is older than this is stale. Default 10 minutes. */
  staleMs?: number;
  /** How often a held lock's heartbeat is rewritten. Default 1 minute. */
  refreshMs?: number;
  /** Whether a PID on this host is alive (tests). */
  isProcessAlive?: (pid: number) => boolean;
  now?: () => number;
  hostname?: string;
  pid?: number;
  /** This process's PID namespace (tests); default `pidNamespace()`. */
  pidns?: string;
}

/**
 * The default folder of the local store: `LIFEBOAT_STATE_DIR`, else `$XDG_STATE_HOME/lifeboat`,
 * else `~/.local/state/lifeboat`.
 */
export function defaultStateDir(env: NodeJS.ProcessEnv): string {
  if (env.LIFEBOAT_STATE_DIR) return resolve(env.LIFEBOAT_STATE_DIR);
  if (env.XDG_STATE_HOME) return join(resolve(env.XDG_STATE_HOME), "lifeboat");
  return join(env.HOME || homedir(), ".local", "state", "lifeboat");
}

/** A folder name for a tenant key or repository id: readable, safe on any file system, unique. */
export function folderNameOf(key: string, readableLength = 60): string {
  const readable = key.replace(/[^A-Za-z0-9.-]+/g, "_").slice(0, readableLength);
  return `${readable}-${sha256Hex(key).slice(0, 8)}`;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException | undefined)?.code;

export class LocalJournalStore implements JournalStore {
  readonly location: string;
  private readonly staleMs: number;
  private readonly refreshMs: number;
  private readonly alive: (pid: number) => boolean;
  private readonly now: () => number;
  private readonly host: string;
  private readonly pid: number;
  private readonly pidns: string | undefined;

  constructor(root: string, opts: LocalJournalStoreOptions = {}) {
    this.location = resolve(root);
    this.staleMs = opts.staleMs ?? 10 * 60_000;
    this.refreshMs = opts.refreshMs ?? 60_000;
    this.alive = opts.isProcessAlive ?? processAlive;
    this.now = opts.now ?? Date.now;
    this.host = opts.hostname ?? hostname();
    this.pid = opts.pid ?? process.pid;
    this.pidns = "pidns" in opts ? opts.pidns : pidNamespace();
  }

  scopeDir(scope: JournalScope): string {
    return join(this.location, "restores", folderNameOf(scope.repositoryId, 16), folderNameOf(tenantKey(scope.tenant)));
  }
  lockDir(tenant: string): string {
    return join(this.location, "locks", folderNameOf(tenantKey(tenant)));
  }
  journalLocation(scope: JournalScope, restoreKey: string): string {
    return join(this.scopeDir(scope), `${restoreKey}.jsonl`);
  }

  /**
   * Creates `dir` and the folders between the store's root and it, each 0700. The root is
   * made 0700 only when this call creates it: an existing root is the user's (`--state-dir ~`,
   * a shared folder) and is left as it is — what is inside it is private all the same.
   */
  private async privateDir(dir: string): Promise<void> {
    const rel = dir.slice(this.location.length).split(/[\\/]/).filter(Boolean);
    let at = this.location;
    try {
      // With `recursive`, mkdir resolves to the first folder it created, or undefined when the root existed.
      if ((await mkdir(at, { recursive: true, mode: 0o700 })) !== undefined) await chmod(at, 0o700);
    } catch (e) {
      throw this.explain(e, at);
    }
    for (const part of rel) {
      at = join(at, part);
      try {
        await mkdir(at, { mode: 0o700 });
        await chmod(at, 0o700);
      } catch (e) {
        if (errno(e) !== "EEXIST") throw this.explain(e, at);
        // An existing folder of ours is made private again.
        await chmod(at, 0o700).catch(() => undefined);
      }
    }
  }

  private explain(e: unknown, path: string): Error {
    const code = errno(e);
    if (code === "EACCES" || code === "EPERM" || code === "EROFS")
      return new JournalStoreError(`cannot write the restore state folder ${path} (${code}); point --state-dir or LIFEBOAT_STATE_DIR at a writable private folder`, { code: "forbidden", place: path, cause: e });
    if (code) return new JournalStoreError(`the restore state folder ${path} failed: ${(e as Error).message}`, { place: path, cause: e });
    return e as Error;
  }

  private async writePrivate(file: string, text: string, flags: "a" | "w", sync: boolean): Promise<void> {
    let fh;
    try {
      fh = await open(file, flags, 0o600);
    } catch (e) {
      throw this.explain(e, file);
    }
    try {
      // A file an earlier version made with wider permissions becomes private too.
      await fh.chmod(0o600);
      await fh.write(text);
      if (sync) await fh.datasync();
    } finally {
      await fh.close();
    }
  }

  async load(scope: JournalScope, restoreKey: string): Promise<JournalRecord[]> {
    return readJournalFile(this.journalLocation(scope, restoreKey));
  }

  async save(scope: JournalScope, restoreKey: string, record: JournalRecord): Promise<void> {
    await this.privateDir(this.scopeDir(scope));
    await this.writePrivate(this.journalLocation(scope, restoreKey), JSON.stringify(record) + "\n", "a", true);
  }

  async writeFile(scope: JournalScope, name: string, text: string, mode: "append" | "replace"): Promise<string> {
    if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`'${name}' is not a file name the journal store accepts`);
    await this.privateDir(this.scopeDir(scope));
    const file = join(this.scopeDir(scope), name);
    await this.writePrivate(file, text, mode === "append" ? "a" : "w", false);
    return file;
  }

  async list(scope: JournalScope): Promise<JournalSummary[]> {
    const dir = this.scopeDir(scope);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (e) {
      if (errno(e) === "ENOENT") return [];
      throw this.explain(e, dir);
    }
    const out: JournalSummary[] = [];
    for (const n of names) {
      if (!n.endsWith(".jsonl")) continue;
      const s = summarize(n.slice(0, -".jsonl".length), await readJournalFile(join(dir, n)), join(dir, n));
      if (s) out.push(s);
    }
    return out.sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0));
  }

  private async readLocks(dir: string): Promise<{ file: string; info: RestoreLockInfo | undefined }[]> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (e) {
      if (errno(e) === "ENOENT") return [];
      throw e;
    }
    const out: { file: string; info: RestoreLockInfo | undefined }[] = [];
    for (const n of names) {
      if (!n.endsWith(".json")) continue;
      const file = join(dir, n);
      try {
        out.push({ file, info: JSON.parse(await readFile(file, "utf8")) as RestoreLockInfo });
      } catch (e) {
        if (errno(e) === "ENOENT") continue; // released meanwhile
        // Lock files are written whole (a temporary file renamed into place): unreadable means damaged, hence stale.
        out.push({ file, info: undefined });
      }
    }
    return out;
  }

  private staleReason(l: RestoreLockInfo | undefined): string | undefined {
    if (!l) return "the lock file is unreadable";
    const age = this.now() - Date.parse(l.heartbeat);
    if (!(age < this.staleMs)) return `its heartbeat is ${Math.round(age / 1000)} s old`;
    // A lock written in another PID namespace (another container with our host name): its PID
    // means nothing here. A lock that names no namespace is judged by its PID, as before.
    const ourNamespace = l.pidns === undefined || l.pidns === this.pidns;
    if (l.hostname === this.host && ourNamespace && l.pid !== undefined && l.pid !== this.pid && !this.alive(l.pid)) return `process ${l.pid} on ${l.hostname} no longer exists`;
    return undefined;
  }

  /** Removes a stale lock file — unless its holder refreshed it in the meantime. */
  private async removeStale(file: string): Promise<void> {
    const aside = `${file}.stale-${randomBytes(6).toString("hex")}`;
    try {
      await rename(file, aside);
    } catch (e) {
      if (errno(e) === "ENOENT") return;
      throw e;
    }
    let info: RestoreLockInfo | undefined;
    try {
      info = JSON.parse(await readFile(aside, "utf8")) as RestoreLockInfo;
    } catch {
      info = undefined;
    }
    if (info && !this.staleReason(info)) await rename(aside, file).catch(() => undefined);
    else await unlink(aside).catch(() => undefined);
  }

  async holder(tenant: string): Promise<RestoreLockInfo | undefined> {
    for (const l of await this.readLocks(this.lockDir(tenant))) if (l.info && !this.staleReason(l.info)) return l.info;
    return undefined;
  }

  async lock(tenant: string, holder: { restoring: string; restoreKey?: string }, options: LockWaitOptions = {}): Promise<TenantLock> {
    const dir = this.lockDir(tenant);
    await this.privateDir(dir);
    // Simultaneous starts see each other and both back off (each retries under a new file
    // name): a lock file still there one round later is a holder's, not a contender's.
    const deadline = this.now() + (options.waitMs ?? 0);
    let seen = new Set<string>();
    let waiting = false;
    for (;;) {
      const time = new Date(this.now()).toISOString();
      const info: RestoreLockInfo = {
        hostname: this.host,
        pid: this.pid,
        ...(this.pidns ? { pidns: this.pidns } : {}),
        created: time,
        heartbeat: time,
        tenant: tenantKey(tenant),
        restoring: holder.restoring,
        ...(holder.restoreKey ? { restoreKey: holder.restoreKey } : {}),
      };
      const file = join(dir, `${randomBytes(12).toString("hex")}.json`);
      await this.writeAtomic(file, info);
      const conflicts: { file: string; info: RestoreLockInfo }[] = [];
      for (const other of await this.readLocks(dir)) {
        if (other.file === file) continue;
        if (this.staleReason(other.info)) {
          await this.removeStale(other.file);
          continue;
        }
        conflicts.push({ file: other.file, info: other.info! });
      }
      if (conflicts.length === 0) return this.hold(file, info);
      await unlink(file).catch(() => undefined);
      const holding = conflicts.find((c) => seen.has(c.file));
      if (holding && this.now() >= deadline) throw new RestoreLockedError(holding.info, dir);
      if (holding && !waiting) {
        waiting = true;
        options.onWait?.(holding.info);
      }
      seen = new Set(conflicts.map((c) => c.file));
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 300));
    }
  }

  private async writeAtomic(file: string, info: RestoreLockInfo): Promise<void> {
    const tmp = `${file}.tmp-${randomBytes(6).toString("hex")}`;
    await this.writePrivate(tmp, JSON.stringify(info), "w", true);
    await rename(tmp, file);
  }

  private hold(file: string, first: RestoreLockInfo): TenantLock {
    let info = first;
    let lost = false;
    let released = false;
    let lastBeat = this.now();
    let beating: Promise<void> = Promise.resolve();
    const timer = setInterval(() => {
      beating = (async () => {
        try {
          await stat(file);
        } catch {
          if (!released) lost = true;
          return;
        }
        const beat = this.now();
        info = { ...info, heartbeat: new Date(beat).toISOString() };
        await this.writeAtomic(file, info);
        lastBeat = beat;
      })().catch(() => {
        // Not refreshed for longer than the stale age: others may take it for stale.
        if (this.now() - lastBeat >= this.staleMs) lost = true;
      });
    }, this.refreshMs);
    timer.unref();
    return {
      get info() {
        return info;
      },
      assertHeld: () => {
        if (lost) throw new RestoreLockLostError(info.tenant, file);
      },
      release: async () => {
        released = true;
        clearInterval(timer);
        await beating;
        await unlink(file).catch(() => undefined);
      },
    };
  }
}

/** A journal's summary, or undefined when it has no `begin` (nothing ran). */
export function summarize(restoreKey: string, records: JournalRecord[], location: string): JournalSummary | undefined {
  const begins = records.filter((r): r is Extract<JournalRecord, { type: "begin" }> => r.type === "begin");
  const first = begins[0];
  if (!first) return undefined;
  let finished: JournalSummary["finished"];
  for (const r of records) {
    if (r.type === "begin") finished = undefined;
    else if (r.type === "finished") finished = r.status as JournalSummary["finished"];
  }
  return {
    restoreKey,
    snapshot: first.snapshot,
    target: first.target,
    startedAt: first.at,
    lastAt: records.at(-1)!.at,
    ...(finished ? { finished } : {}),
    attempts: begins.length,
    location,
  };
}
