/**
 * Deadlines for every call to a tenant, so a host that accepts connections and never
 * answers (or stops sending in the middle of a body) cannot stall a run without a word.
 *
 * Kinds, each with its own default (`DEFAULT_TIMEOUTS`; the CLI's `--timeout KIND=SECONDS`
 * and `timeouts:` in lifeboat.yaml set them — docs/backup.md):
 *
 * - `request` (60 s): a REST call, from sending it to the end of its answer (a list page, an
 *   app's attributes, a small write, the OAuth token, the headers of a download).
 * - `appJob` (30 min): calls where Qlik works on a whole app before it answers — export,
 *   import, copy, publish, and opening an app with its data over QIX. They answer nothing
 *   until done, so only total time can tell.
 * - `idle` (120 s): a download or upload may take as long as it needs while bytes move; it
 *   times out after this long *without progress*.
 * - `qixOpen` (60 s): opening a QIX session (websocket upgrade and OpenDoc).
 * - `qixCall` (120 s): one QIX call (GetFullPropertyTree, DoSave, …).
 *
 * While a call waits, a notice goes out every `noticeMs` (30 s) — "waiting 30 s for GET
 * /api/v1/items on https://… (attempt 2)" — so a stalled run says what it waits for. A call
 * past its deadline is aborted (its `AbortSignal` fires, closing the socket) and fails with a
 * transient `QlikApiError`, which the one retry policy (retry.ts) handles like a reset.
 * Timers are real (`setTimeout`, unref'd), not the injected clock: they guard real sockets.
 */
import { LifeboatError } from "@lifeboat/model";

export type TimeoutKind = "request" | "appJob" | "idle" | "qixOpen" | "qixCall";

export interface Timeouts {
  requestMs: number;
  appJobMs: number;
  idleMs: number;
  qixOpenMs: number;
  qixCallMs: number;
  /** How often a call still waiting says so (0: never). */
  noticeMs: number;
}

export const DEFAULT_TIMEOUTS: Readonly<Timeouts> = {
  requestMs: 60_000,
  appJobMs: 30 * 60_000,
  idleMs: 120_000,
  qixOpenMs: 60_000,
  qixCallMs: 120_000,
  noticeMs: 30_000,
};

export const TIMEOUT_KINDS: readonly TimeoutKind[] = ["request", "appJob", "idle", "qixOpen", "qixCall"];

/** `timeouts` completed with the defaults; every value must be a positive number of ms (noticeMs may be 0). */
export function resolveTimeouts(t: Partial<Timeouts> | undefined): Timeouts {
  const out = { ...DEFAULT_TIMEOUTS, ...t };
  for (const [k, v] of Object.entries(out)) {
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || (v === 0 && k !== "noticeMs"))
      throw new RangeError(`timeouts.${k} must be a positive number of milliseconds, got ${String(v)}`);
  }
  return out;
}

export function limitOf(t: Timeouts, kind: TimeoutKind): number {
  return { request: t.requestMs, appJob: t.appJobMs, idle: t.idleMs, qixOpen: t.qixOpenMs, qixCall: t.qixCallMs }[kind];
}

/** A deadline passed. `what` names the call ("GET /api/v1/items"); the message says how to change the limit. */
export class CallTimeoutError extends LifeboatError {
  constructor(
    readonly kind: TimeoutKind,
    readonly limitMs: number,
    readonly what: string,
  ) {
    super(
      "timeout",
      `${kind === "idle" ? "no progress" : "no answer"} for ${formatSeconds(limitMs)} on ${what} ` +
        `(timeout '${kind}'; change it with --timeout ${kind}=SECONDS or timeouts.${kind} in lifeboat.yaml)`,
      { object: what, next: `change the limit with --timeout ${kind}=SECONDS or timeouts.${kind} in lifeboat.yaml` },
    );
    this.name = "CallTimeoutError";
  }
}

export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return Number.isInteger(s) ? `${s} s` : `${s.toFixed(1)} s`;
}

export interface DeadlineContext {
  /** Aborted when the deadline passes (pass it to fetch / @qlik/api). */
  signal: AbortSignal;
  /** Something moved (a chunk sent or received): an `idle` deadline starts again. */
  progress(): void;
}

export interface DeadlineOptions {
  kind: TimeoutKind;
  limitMs: number;
  /** Counted from the last `progress()` instead of the start. */
  idle?: boolean;
  noticeMs: number;
  /** Every `noticeMs` while waiting: how long since the start and since the last progress. */
  onNotice?: (waitedMs: number, sinceProgressMs: number) => void;
  what: string;
}

/** Runs `fn` under a deadline; rejects with `CallTimeoutError` (and aborts its signal) when it passes. */
export function withDeadline<T>(fn: (ctx: DeadlineContext) => Promise<T>, opts: DeadlineOptions): Promise<T> {
  const controller = new AbortController();
  const start = Date.now();
  let last = start;
  let settled = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let notices: ReturnType<typeof setInterval> | undefined;
  return new Promise<T>((resolve, reject) => {
    const finish = (): void => {
      settled = true;
      if (timer) clearTimeout(timer);
      if (notices) clearInterval(notices);
    };
    const arm = (): void => {
      const due = (opts.idle ? last : start) + opts.limitMs;
      timer = setTimeout(fire, Math.max(0, due - Date.now()));
      timer.unref?.();
    };
    const fire = (): void => {
      if (settled) return;
      if (opts.idle && Date.now() - last < opts.limitMs) return arm();
      finish();
      const err = new CallTimeoutError(opts.kind, opts.limitMs, opts.what);
      controller.abort(err);
      reject(err);
    };
    arm();
    if (opts.noticeMs > 0 && opts.onNotice) {
      const onNotice = opts.onNotice;
      notices = setInterval(() => {
        if (!settled) onNotice(Date.now() - start, Date.now() - last);
      }, opts.noticeMs);
      notices.unref?.();
    }
    let running: Promise<T>;
    try {
      running = fn({ signal: controller.signal, progress: () => void (last = Date.now()) });
    } catch (e) {
      finish();
      reject(e);
      return;
    }
    running.then(
      (v) => {
        if (settled) return;
        finish();
        resolve(v);
      },
      (e: unknown) => {
        if (settled) return;
        finish();
        reject(e);
      },
    );
  });
}
