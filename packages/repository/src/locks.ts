/**
 * Repository locks (docs/design.md, "Locking"): shared for backup/restore/verify, exclusive
 * for forget/prune. A stale lock — heartbeat older than `staleMs`, or written on this host by
 * a process that no longer exists — is removed automatically while acquiring.
 *
 * The holder's side of staleness: a holder that could not refresh its heartbeat for
 * `staleMs - 1.5 × refreshMs` (or whose lock file vanished) has *lost* its lock for good — it
 * must not save an index or a snapshot, and a prune must not delete anything — because another
 * process may by now have judged it dead. Losing is sticky: a later successful refresh does not
 * undo it (the other process may already be pruning).
 */
import { randomBytes } from "node:crypto";
import { readlinkSync } from "node:fs";
import { hostname } from "node:os";
import { backoffDelay, type Backoff } from "@lifeboat/kit";
import type { Backend } from "./backend/backend.ts";
import { DamageError, LockedError, NotFoundError, ReadOnlyError, isReadOnlyStorageError } from "./errors.ts";
import { sealJson, unsealJson } from "./internal/crypto.ts";

const LOCK_WAIT_BACKOFF: Backoff = { baseMs: 50, maxMs: 2000 };

export interface LockInfo {
  exclusive: boolean;
  hostname: string;
  pid: number;
  purpose: string;
  created: string;
  heartbeat: string;
  /**
   * The holder's PID namespace (Linux: the target of /proc/self/ns/pid). Containers may share a
   * host name yet not see each other's processes: a PID is only checked for liveness when the
   * lock was written in our namespace.
   */
  pidns?: string;
}

/** This process's PID namespace, or undefined where there is none to read (not Linux). */
export function pidNamespace(): string | undefined {
  try {
    return readlinkSync("/proc/self/ns/pid");
  } catch {
    return undefined;
  }
}

export interface LockOptions {
  /** A lock whose heartbeat is older than this is stale. Default 30 minutes. */
  staleMs?: number;
  /** How often a held lock's heartbeat is rewritten. Default 5 minutes. */
  refreshMs?: number;
  /** How long to wait for a conflicting lock to go away. Default 10 s. */
  timeoutMs?: number;
  /**
   * After writing our lock and finding no conflict, wait this long and list again before
   * proceeding: a store whose listing lags behind its writes (some S3-compatible servers) could
   * otherwise hide a lock written just before ours. Default 0 for local and memory storage, 200 ms otherwise.
   */
  settleMs?: number;
  /** For tests: whether a PID on this host is alive. */
  isProcessAlive?: (pid: number) => boolean;
  now?: () => number;
}

export interface HeldLock {
  readonly name: string;
  readonly info: LockInfo;
  /**
   * True once the heartbeat went unrefreshed for `staleMs - 1.5 × refreshMs`, or the lock file
   * was found removed: others may have judged the holder dead. Sticky.
   */
  expired(): boolean;
  release(): Promise<void>;
}

export type LockEvent =
  | { type: "stale-lock-removed"; name: string; lock: LockInfo | undefined; reason: string }
  | { type: "warning"; message: string; file?: string };

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

export class Locker {
  private readonly staleMs: number;
  private readonly refreshMs: number;
  private readonly timeoutMs: number;
  private readonly settleMs: number;
  private readonly alive: (pid: number) => boolean;
  private readonly now: () => number;
  private readonly host = hostname();
  private readonly pidns = pidNamespace();

  constructor(
    private readonly backend: Backend,
    private readonly key: Buffer,
    opts: LockOptions = {},
    private readonly onEvent: (e: LockEvent) => void = () => {},
  ) {
    this.staleMs = opts.staleMs ?? 30 * 60_000;
    this.refreshMs = opts.refreshMs ?? 5 * 60_000;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.settleMs = opts.settleMs ?? (/^(\/|memory:|[A-Za-z]:\\)/.test(backend.location) ? 0 : 200);
    this.alive = opts.isProcessAlive ?? processAlive;
    this.now = opts.now ?? Date.now;
  }

  /** Writes a lock document (also used by tests to plant foreign locks). */
  async write(info: LockInfo, name = randomBytes(32).toString("hex")): Promise<string> {
    try {
      await this.backend.save({ type: "lock", name }, await sealJson(this.key, "lock", info));
    } catch (err) {
      if (!isReadOnlyStorageError(err)) throw err;
      const why = (err as { code?: string; name?: string }).code ?? (err as { name?: string }).name ?? "write refused";
      throw new ReadOnlyError(
        `the repository at ${this.backend.location} is read-only (${why} writing locks/${name.slice(0, 12)}…): ${info.purpose} ` +
          `cannot take its ${info.exclusive ? "exclusive" : "shared"} lock — commands that only read (snapshots, ls, show, cat, diff, ` +
          `verify, restore with --no-safety-backup) run with --no-lock; backup, forget and prune need write access`,
        { place: this.backend.location, next: "run commands that only read with --no-lock; give backup, forget and prune write access", cause: err },
      );
    }
    return name;
  }

  /** Removes one of our lock files; a failure is reported, not thrown (the lock goes stale by itself). */
  private async removeOwn(name: string): Promise<void> {
    try {
      await this.backend.remove({ type: "lock", name });
    } catch (err) {
      this.onEvent({
        type: "warning",
        message: `could not remove our lock file locks/${name} from ${this.backend.location}: ${(err as Error).message} — others treat it as stale after ${Math.round(this.staleMs / 60_000)} minutes`,
        file: `locks/${name}`,
      });
    }
  }

  async list(): Promise<{ name: string; lock: LockInfo | undefined }[]> {
    const out: { name: string; lock: LockInfo | undefined }[] = [];
    for (const f of await this.backend.list("lock")) {
      try {
        const data = await this.backend.load({ type: "lock", name: f.name });
        out.push({ name: f.name, lock: await unsealJson<LockInfo>(this.key, "lock", data, `locks/${f.name}`) });
      } catch (err) {
        if (err instanceof NotFoundError) continue; // released meanwhile
        if (!(err instanceof DamageError)) throw err; // a storage hiccup must not make a live lock look stale
        out.push({ name: f.name, lock: undefined });
      }
    }
    return out;
  }

  staleReason(l: LockInfo | undefined): string | undefined {
    if (!l) return "the lock file is unreadable";
    const age = this.now() - Date.parse(l.heartbeat);
    if (!(age < this.staleMs)) return `its heartbeat is ${Math.round(age / 1000)} s old`;
    // A lock of an older Lifeboat names no namespace: judged by its PID as before.
    const ourNamespace = l.pidns === undefined || l.pidns === this.pidns;
    if (l.hostname === this.host && ourNamespace && l.pid !== process.pid && !this.alive(l.pid)) {
      return `process ${l.pid} on ${l.hostname} no longer exists`;
    }
    return undefined;
  }

  /** Stale locks are removed (with an event); returns the live ones that conflict with ours. */
  private async conflicts(own: string, exclusive: boolean): Promise<{ name: string; lock: LockInfo }[]> {
    const conflicts: { name: string; lock: LockInfo }[] = [];
    for (const other of await this.list()) {
      if (other.name === own) continue;
      const stale = this.staleReason(other.lock);
      if (stale) {
        await this.backend.remove({ type: "lock", name: other.name });
        this.onEvent({ type: "stale-lock-removed", name: other.name, lock: other.lock, reason: stale });
        continue;
      }
      if (exclusive || other.lock!.exclusive) conflicts.push({ name: other.name, lock: other.lock! });
    }
    return conflicts;
  }

  /**
   * Write our lock, then list (docs/design.md, "Locking"): of two processes racing for
   * conflicting locks at least one sees the other's file — each lists only after its own file
   * is durable — so at most one proceeds. Which one: the *older* request (first `created`, then
   * name) keeps its file and waits for the younger to withdraw, so two contenders never keep
   * backing off from each other; `created` is kept across retries, so a waiting request ages.
   */
  async acquire(exclusive: boolean, purpose: string): Promise<HeldLock> {
    const deadline = this.now() + this.timeoutMs;
    const created = new Date(this.now()).toISOString();
    const olderThan = (a: { name: string; lock: LockInfo }, b: { name: string; created: string }) =>
      a.lock.created < b.created || (a.lock.created === b.created && a.name < b.name);
    for (let attempt = 0; ; ) {
      const info: LockInfo = {
        exclusive,
        hostname: this.host,
        pid: process.pid,
        ...(this.pidns ? { pidns: this.pidns } : {}),
        purpose,
        created,
        heartbeat: new Date(this.now()).toISOString(),
      };
      const name = await this.write(info);
      let conflicts: { name: string; lock: LockInfo }[];
      try {
        for (;;) {
          conflicts = await this.conflicts(name, exclusive);
          if (conflicts.length === 0 && this.settleMs > 0) {
            await new Promise((r) => setTimeout(r, this.settleMs));
            conflicts = await this.conflicts(name, exclusive);
          }
          if (conflicts.length === 0) return this.hold(name, info);
          // Only younger requests in the way: they withdraw by this same rule; wait for that, keeping our place.
          if (conflicts.some((c) => olderThan(c, { name, created })) || this.now() >= deadline) break;
          await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
        }
      } catch (err) {
        await this.removeOwn(name);
        throw err;
      }
      await this.removeOwn(name);
      if (this.now() >= deadline) {
        const c = conflicts[0]!.lock;
        throw new LockedError(
          `repository at ${this.backend.location} is locked ${c.exclusive ? "exclusively" : "(shared)"} by ${c.purpose} ` +
            `(PID ${c.pid} on ${c.hostname}, since ${c.created}) — wait for it to finish; a dead holder's lock is removed ` +
            `automatically after its heartbeat is ${Math.round(this.staleMs / 60_000)} minutes old`,
          { place: this.backend.location, next: "wait for the holder to finish" },
        );
      }
      // Growing, jittered waits between tries against a holder (the kit's backoff: 25–50 ms, then doubling up to 1–2 s).
      await new Promise((r) => setTimeout(r, backoffDelay(++attempt, LOCK_WAIT_BACKOFF, Math.random)));
    }
  }

  /** How long a holder may go without a refresh before it must consider its lock lost. */
  get holdLimitMs(): number {
    return Math.max(this.staleMs - 1.5 * this.refreshMs, this.staleMs / 2);
  }

  private hold(first: string, info: LockInfo): HeldLock {
    let name = first;
    let released = false;
    let lost = false;
    let refreshing: Promise<void> = Promise.resolve();
    let lastBeat = Date.parse(info.heartbeat);
    const check = () => {
      if (!lost && this.now() - lastBeat >= this.holdLimitMs) lost = true;
      return lost;
    };
    const timer = setInterval(() => {
      refreshing = (async () => {
        if (check() || released) return;
        const old = name;
        // Our file gone means another process removed it as stale: it may be pruning now.
        const present = await this.backend.stat({ type: "lock", name: old }).then(
          () => true,
          (err) => (err instanceof NotFoundError ? false : Promise.reject(err)),
        );
        if (!present) {
          lost = true;
          return;
        }
        const beat = this.now();
        const next = { ...info, heartbeat: new Date(beat).toISOString() };
        const fresh = await this.write(next);
        if (check()) {
          // Too late: the refresh must not revive a lock others may have judged dead.
          await this.removeOwn(fresh);
          return;
        }
        name = fresh;
        lastBeat = beat;
        await this.removeOwn(old);
        if (released) await this.removeOwn(name);
      })().catch(() => {});
    }, this.refreshMs);
    timer.unref();
    return {
      get name() {
        return name;
      },
      info,
      expired: check,
      release: async () => {
        released = true;
        clearInterval(timer);
        await refreshing;
        await this.removeOwn(name);
      },
    };
  }
}
