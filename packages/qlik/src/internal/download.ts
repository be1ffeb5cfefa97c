/**
 * Streaming download of a temp-content file (an app export).
 *
 * Why not `tempContents.downloadTempFile`: `@qlik/api`'s `parseFetchResponse`
 * (chunks/invoke-fetch-functions-*.js) answers a response with
 * `content-disposition: attachment` or an `application/octet-stream` content type with
 * `toDownloadableBlob(await fetchResponse.blob())` — the whole .qvf is buffered in memory
 * (and, without `noCache`, kept in its response cache for 10 minutes). So we call Node's
 * `fetch` (undici) ourselves with the same credentials (`Authorization: Bearer …` from
 * `auth.getAccessToken({ hostConfig })`, which returns the API key or the cached OAuth
 * access token) and hand the body on chunk by chunk.
 *
 * A download cut short (connection reset, fewer bytes than `content-length`) is resumed
 * with `Range: bytes=<received>-` (temp-contents answers 206; if a server ignores the
 * range and answers 200 we skip the bytes we already have). Bounded attempts.
 */

import { CallTimeoutError } from "./timeouts.ts";

export interface OpenedDownload {
  response: Response;
  /** Total size when known (content-length of a 200, or the total of a 206's Content-Range). */
  size?: number;
  /** Aborts the response (its body read then fails with `reason`). */
  abort?: (reason: unknown) => void;
}

export interface DownloadDeps {
  /** Opens the URL at a byte offset, throwing `{ status, headers, data }` for non-2xx (classified by the caller). */
  open(offset: number): Promise<OpenedDownload>;
  /** Called when a download was cut short and is about to be resumed; may throw to give up. */
  onTruncated(received: number, expected: number | undefined, resumes: number, cause: unknown): Promise<void>;
  /** Called once the body is done or abandoned. */
  onFinish(): void;
  /** Counts bytes delivered. */
  onBytes?(n: number): void;
  /**
   * A body that stops moving for `ms` is aborted and resumed like a cut one (timeouts.ts,
   * kind `idle`); `onNotice` every `noticeMs` while it waits.
   */
  idle?: { ms: number; noticeMs: number; what: string; onNotice?(waitedMs: number, received: number): void };
  /** The error for a body that ended without a single byte (an export is never empty). */
  emptyError?(): Error;
}

/**
 * Throws a non-2xx answer of a `fetch` made around `@qlik/api` (a streamed download, a file it
 * would parse) in the shape `classify` reads `@qlik/api`'s own errors: status, headers and the
 * body (JSON when it is).
 */
export async function throwAnswer(res: Response, url: string): Promise<never> {
  const text = await res.text().catch(() => "");
  let data: unknown = text;
  try {
    data = JSON.parse(text);
  } catch {
    // not JSON
  }
  throw { status: res.status, headers: res.headers, data, message: `GET ${url} answered ${res.status}` };
}

export function parseSize(res: Response): number | undefined {
  if (res.status === 206) {
    const m = /\/(\d+)\s*$/.exec(res.headers.get("content-range") ?? "");
    return m ? Number(m[1]) : undefined;
  }
  const len = res.headers.get("content-length");
  return len !== null && /^\d+$/.test(len) ? Number(len) : undefined;
}

/** The start offset of a 206 answer, 0 for a 200. */
function startOf(res: Response): number {
  if (res.status !== 206) return 0;
  const m = /bytes\s+(\d+)-/.exec(res.headers.get("content-range") ?? "");
  return m ? Number(m[1]) : 0;
}

export class TruncatedDownloadError extends Error {
  constructor(
    readonly received: number,
    readonly expected: number | undefined,
  ) {
    super(`download ended after ${received} of ${expected ?? "?"} bytes`);
    this.name = "TruncatedDownloadError";
  }
}

/** Aborts a body that delivers nothing for `idle.ms` (while we are waiting for it, not while the consumer works). */
function watchIdle(idle: NonNullable<DownloadDeps["idle"]>, abort: (reason: unknown) => void, received: () => number) {
  let last = Date.now();
  let paused = false;
  let fired: CallTimeoutError | undefined;
  const tick = Math.max(10, Math.min(1000, Math.floor(idle.ms / 4)));
  let nextNotice = idle.noticeMs;
  const timer = setInterval(() => {
    if (paused || fired) return;
    const waited = Date.now() - last;
    if (waited >= idle.ms) {
      fired = new CallTimeoutError("idle", idle.ms, `${idle.what} (${received()} bytes received)`);
      abort(fired);
      return;
    }
    if (idle.noticeMs > 0 && waited >= nextNotice) {
      nextNotice += idle.noticeMs;
      idle.onNotice?.(waited, received());
    }
  }, tick);
  timer.unref?.();
  return {
    progress: () => {
      last = Date.now();
      nextNotice = idle.noticeMs;
    },
    pause: () => void (paused = true),
    resume: () => {
      paused = false;
      last = Date.now();
    },
    timedOut: () => fired,
    stop: () => clearInterval(timer),
  };
}

/** The body as chunks, resuming after truncation. `first` is the already opened response at offset 0. */
export async function* streamBody(first: OpenedDownload, deps: DownloadDeps): AsyncGenerator<Uint8Array> {
  let current = first;
  let expected = first.size;
  let received = 0;
  let resumes = 0;
  try {
    for (;;) {
      // A 200 restarts at 0 (skip what we have); a 206 starts where it says.
      let skip = received - startOf(current.response);
      if (skip < 0) throw new Error(`server resumed at byte ${startOf(current.response)} but ${received} were received`);
      let failure: unknown;
      const body = current.response.body;
      const watch = deps.idle && current.abort ? watchIdle(deps.idle, current.abort, () => received) : undefined;
      if (body) {
        try {
          for await (const raw of body as unknown as AsyncIterable<Uint8Array>) {
            let chunk = raw;
            if (skip > 0) {
              if (chunk.byteLength <= skip) {
                skip -= chunk.byteLength;
                continue;
              }
              chunk = chunk.subarray(skip);
              skip = 0;
            }
            received += chunk.byteLength;
            watch?.progress();
            deps.onBytes?.(chunk.byteLength);
            // The consumer's time (writing to the repository) is not the server's stall.
            watch?.pause();
            yield chunk;
            watch?.resume();
          }
        } catch (e) {
          failure = watch?.timedOut() ?? e;
        } finally {
          watch?.stop();
        }
      }
      if (failure === undefined && received === 0) throw deps.emptyError?.() ?? new Error("the download ended without a single byte");
      if (failure === undefined && (expected === undefined || received === expected)) return;
      if (failure === undefined && expected !== undefined && received > expected)
        throw new Error(`download delivered ${received} bytes, more than the announced ${expected}`);
      resumes++;
      await deps.onTruncated(received, expected, resumes, failure ?? new TruncatedDownloadError(received, expected));
      current = await deps.open(received);
      expected ??= current.size;
    }
  } finally {
    try {
      await current.response.body?.cancel();
    } catch {
      // already consumed or closed
    }
    deps.onFinish();
  }
}
