import { backoffDelay, retry, systemClock, type Clock } from "@lifeboat/kit";
import { NotFoundError, RepositoryError } from "../errors.ts";
import type { Backend, FileData, FileHandle, FileInfo, FileType, TemporaryFile } from "./backend.ts";

export interface RetryOptions {
  /** Attempts in total, including the first. Default 4. */
  attempts?: number;
  /** First delay before jitter; doubles each time, uncapped (`@lifeboat/kit`'s `backoffDelay`). Default 200 ms. */
  baseDelayMs?: number;
  /** Waits between attempts (default the system clock; tests inject a manual one). */
  clock?: Clock;
  /** Uniform [0, 1) for the jitter (default Math.random). */
  random?: () => number;
  /** Told about each retry (the CLI can render it). */
  onRetry?: (e: { op: string; file: string; attempt: number; error: unknown }) => void;
}

/**
 * Retries transient storage failures (network errors, 5xx, throttling) with exponential
 * backoff and jitter (`@lifeboat/kit`'s `retry` and `backoffDelay`). "Not found", out-of-range reads and configuration errors are answers, not
 * failures, and are passed through at once. Safe because every operation is idempotent:
 * saves are atomic whole-file writes of content-addressed names, removes are idempotent.
 */
export class RetryBackend implements Backend {
  readonly location: string;
  readonly listTemporary?: () => Promise<TemporaryFile[]>;
  readonly removeTemporary?: (path: string) => Promise<void>;
  private readonly attempts: number;
  private readonly base: number;

  constructor(
    readonly inner: Backend,
    private readonly opts: RetryOptions = {},
  ) {
    this.location = inner.location;
    if (inner.listTemporary && inner.removeTemporary) {
      const list = inner.listTemporary.bind(inner);
      const remove = inner.removeTemporary.bind(inner);
      this.listTemporary = () => this.run("listTemporary", "", list);
      this.removeTemporary = (path: string) => this.run("removeTemporary", path, () => remove(path));
    }
    this.attempts = Math.max(1, opts.attempts ?? 4);
    this.base = opts.baseDelayMs ?? 200;
  }

  private run<T>(op: string, file: string, fn: () => Promise<T>): Promise<T> {
    return retry(fn, {
      clock: this.opts.clock ?? systemClock,
      delayAfter: (err, attempt) => {
        if (attempt >= this.attempts || !isTransient(err)) throw err;
        this.opts.onRetry?.({ op, file, attempt, error: err });
        return backoffDelay(attempt, { baseMs: this.base, maxMs: Infinity }, this.opts.random ?? Math.random);
      },
    });
  }

  save(h: FileHandle, data: FileData): Promise<void> {
    return this.run("save", h.name, () => this.inner.save(h, data));
  }
  load(h: FileHandle, range?: { offset: number; length: number }): Promise<Uint8Array> {
    return this.run("load", h.name, () => this.inner.load(h, range));
  }
  stat(h: FileHandle): Promise<FileInfo> {
    return this.run("stat", h.name, () => this.inner.stat(h));
  }
  list(type: FileType): Promise<FileInfo[]> {
    return this.run("list", type, () => this.inner.list(type));
  }
  remove(h: FileHandle): Promise<void> {
    return this.run("remove", h.name, () => this.inner.remove(h));
  }
  isEmpty(): Promise<boolean> {
    return this.run("isEmpty", "", () => this.inner.isEmpty());
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Permanent answers are not retried; everything else (I/O, network, 5xx, throttling) is. */
export function isTransient(err: unknown): boolean {
  if (err instanceof NotFoundError || err instanceof RangeError || err instanceof RepositoryError) return false;
  const e = err as { code?: string; $metadata?: { httpStatusCode?: number }; name?: string };
  const status = e?.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) return false;
  if (e?.code && ["ENOENT", "ENOTDIR", "EISDIR", "EACCES", "EPERM", "EROFS", "ENOSPC", "EEXIST"].includes(e.code)) return false;
  return true;
}

RetryBackend satisfies new (inner: Backend, opts?: RetryOptions) => Backend;
