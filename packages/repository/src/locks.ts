/**
 * Repository locks (docs/design.md, "Locking"): shared for backup/restore/verify, exclusive
 * for forget/prune. A stale lock — heartbeat older than `staleMs`, or written on this host by
 * a process that no longer exists — is removed automatically while acquiring.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Backend } from "./backend/backend.ts";
import { DamageError, LockedError, NotFoundError } from "./errors.ts";
import { sealJson, unsealJson } from "./internal/crypto.ts";

export interface LockInfo {
  exclusive: boolean;
  hostname: string;
  pid: number;
  purpose: string;
  created: string;
  heartbeat: string;
}

export interface LockOptions {
  /** A lock whose heartbeat is older than this is stale. Default 30 minutes. */
  staleMs?: number;
  /** How often a held lock's heartbeat is rewritten. Default 5 minutes. */
  refreshMs?: number;
  /** How long to wait for a conflicting lock to go away. Default 10 s. */
  timeoutMs?: number;
  /** For tests: whether a PID on this host is alive. */
  isProcessAlive?: (pid: number) => boolean;
  now?: () => number;
}

export interface HeldLock {
  readonly name: string;
  readonly info: LockInfo;
  /** True when the heartbeat could not be refreshed for longer than the stale age: others may have removed the lock. */
  expired(): boolean;
  release(): Promise<void>;
}

export type LockEvent = { type: "stale-lock-removed"; name: string; lock: LockInfo | undefined; reason: string };

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
  private readonly alive: (pid: number) => boolean;
  private readonly now: () => number;
  private readonly host = hostname();

  constructor(
    private readonly backend: Backend,
    private readonly key: Buffer,
    opts: LockOptions = {},
    private readonly onEvent: (e: LockEvent) => void = () => {},
  ) {
    this.staleMs = opts.staleMs ?? 30 * 60_000;
    this.refreshMs = opts.refreshMs ?? 5 * 60_000;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.alive = opts.isProcessAlive ?? processAlive;
    this.now = opts.now ?? Date.now;
  }

  /** Writes a lock document (also used by tests to plant foreign locks). */
  async write(info: LockInfo, name = randomBytes(32).toString("hex")): Promise<string> {
    await this.backend.save({ type: "lock", name }, await sealJson(this.key, "lock", info));
    return name;
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
    if (l.hostname === this.host && l.pid !== process.pid && !this.alive(l.pid)) return `process ${l.pid} on ${l.hostname} no longer exists`;
    return undefined;
  }

  async acquire(exclusive: boolean, purpose: string): Promise<HeldLock> {
    const deadline = this.now() + this.timeoutMs;
    for (;;) {
      const time = new Date(this.now()).toISOString();
      const info: LockInfo = { exclusive, hostname: this.host, pid: process.pid, purpose, created: time, heartbeat: time };
      const name = await this.write(info);
      const conflicts: LockInfo[] = [];
      for (const other of await this.list()) {
        if (other.name === name) continue;
        const stale = this.staleReason(other.lock);
        if (stale) {
          await this.backend.remove({ type: "lock", name: other.name });
          this.onEvent({ type: "stale-lock-removed", name: other.name, lock: other.lock, reason: stale });
          continue;
        }
        if (exclusive || other.lock!.exclusive) conflicts.push(other.lock!);
      }
      if (conflicts.length === 0) return this.hold(name, info);
      await this.backend.remove({ type: "lock", name });
      if (this.now() >= deadline) {
        const c = conflicts[0]!;
        throw new LockedError(
          `repository at ${this.backend.location} is locked ${c.exclusive ? "exclusively" : "(shared)"} by ${c.purpose} ` +
            `(PID ${c.pid} on ${c.hostname}, since ${c.created}) — wait for it to finish; a dead holder's lock is removed ` +
            `automatically after its heartbeat is ${Math.round(this.staleMs / 60_000)} minutes old`,
        );
      }
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 250));
    }
  }

  private hold(first: string, info: LockInfo): HeldLock {
    let name = first;
    let released = false;
    let refreshing: Promise<void> = Promise.resolve();
    let lastBeat = Date.parse(info.heartbeat);
    const timer = setInterval(() => {
      refreshing = (async () => {
        const beat = this.now();
        const next = { ...info, heartbeat: new Date(beat).toISOString() };
        const old = name;
        name = await this.write(next);
        lastBeat = beat;
        await this.backend.remove({ type: "lock", name: old });
        if (released) await this.backend.remove({ type: "lock", name });
      })().catch(() => {});
    }, this.refreshMs);
    timer.unref();
    return {
      get name() {
        return name;
      },
      info,
      expired: () => this.now() - lastBeat >= this.staleMs,
      release: async () => {
        released = true;
        clearInterval(timer);
        await refreshing;
        await this.backend.remove({ type: "lock", name });
      },
    };
  }
}
