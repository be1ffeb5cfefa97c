/**
 * The per-tenant client: one `createQlikApi({ hostConfig })` instance per tenant (no
 * `@qlik/api` globals), every REST call wrapped in one place (`call`) that waits for the
 * tier's rate-limit budget and a concurrency slot, retries what is worth retrying and
 * classifies failures into `QlikApiError`s that name the object, the place and the next
 * step. Freshness is decided here too: every read passes `noCache: true` (`@qlik/api`
 * caches every GET for 10 minutes by default, docs/qlik-surface.md, "REST calls").
 *
 * @example
 * const tenant = createTenantClient({ host: "https://acme.eu.qlikcloud.com",
 *   auth: { type: "oauth2", clientId, clientSecret } });
 * for await (const app of tenant.listApps()) console.log(app.name);
 * await tenant.close();
 */
import { auth as auth_, createQlikApi, interceptors as qlikInterceptors, type QlikAPI } from "@qlik/api";
import type { HostConfig } from "@qlik/api/auth";
import type {
  AppContent,
  AppExport,
  AppSummary,
  AssignmentRecord,
  CallerInfo,
  GroupRecord,
  ObjectRecord,
  ResourceKindName,
  ResourceRecord,
  RoleRecord,
  ScriptVersionInfo,
  SpaceRecord,
  SpaceType,
  TenantReader,
  UserRecord,
} from "@lifeboat/model";
import { backoffDelay, createPool, systemClock, tenantUrl, type Clock } from "@lifeboat/kit";
import { classify, QlikApiError } from "./errors.ts";
import { OPERATIONS, bucketOf, publishedPerMinute, type OperationName } from "./operations.ts";
import { TierLimiter, type RateLimiter } from "./internal/limiter.ts";
import { defaultRetryPolicy, withRetry, type RetryPolicy } from "./internal/retry.ts";
import { parseSize, streamBody, throwAnswer, TruncatedDownloadError, type OpenedDownload } from "./internal/download.ts";
import { listInfos, readObjects, readStamps, type QixDocLike } from "./internal/objects.ts";
import { grantedScopes, observeTokenResponse } from "./internal/token-response.ts";
import { rec, s, tempContentIdFromLocation, toAssignmentRecord, toGroupRecord, toRoleRecord, toSpaceRecord, toUserRecord } from "./internal/records.ts";
import { isOwnRequest, ownHostConfig, preEncodeQueryInterceptor } from "./internal/query.ts";
import { AsyncLocalStorage } from "node:async_hooks";
import type { RestInterceptor } from "@qlik/api/interceptors";
import { CallTimeoutError, formatSeconds, limitOf, resolveTimeouts, withDeadline, type TimeoutKind, type Timeouts } from "./internal/timeouts.ts";
import { createTenantWriter, type TenantWriter } from "./writer.ts";
import { RESOURCE_APIS, type ResourceApi } from "./resources/index.ts";
import { pages } from "./internal/pages.ts";
// Resource kinds read pages too (internal/pages.ts, apart from this file: no import cycle).
export { pages } from "./internal/pages.ts";

export type TenantAuth =
  | { type: "apikey"; apiKey: string }
  | {
      type: "oauth2";
      clientId: string;
      clientSecret: string;
      /** Space-separated scopes. Default: `user_default admin.apps admin_classic` (a private-content bot). */
      scope?: string;
    };

export interface LimitOptions {
  /** Requests per minute per bucket ("1", "2", "special:…"), overriding the published limits. */
  perMinute?: Record<string, number>;
  /** Qlik's counting window (default 5 minutes). */
  windowMs?: number;
  /**
   * Fraction of the published budget to use (default 1: the whole budget). The limiter's
   * window is 2% longer than Qlik's, which is what keeps a request sent at the window's
   * edge from being counted in the next one; lower this when other tools share the user.
   */
  headroom?: number;
  /** The tenant's clock runs this much faster than ours (the emulator's `timeScale`; default 1). */
  timeScale?: number;
  /** false: no client-side throttling; 429s are still honoured (default true). */
  enabled?: boolean;
}

export interface ConcurrencyOptions {
  /** REST requests in flight (default 16). */
  rest?: number;
  /**
   * Exports + downloads in flight, from POST export until the body is consumed (default 16).
   * Bodies stream (a 64 KiB read buffer each), so this bounds sockets, not memory.
   */
  exports?: number;
  /** QIX app sessions open at once (default 32; QIX is not rate-limited). */
  qixSessions?: number;
  /** QIX calls in flight within one session (default 8). */
  qixCalls?: number;
}

/** The connector's default concurrency (exports and QIX sessions are what bound a backup: docs/qlik-surface.md, "Concurrency"). */
export const DEFAULT_CONCURRENCY: Readonly<Required<ConcurrencyOptions>> = { rest: 16, exports: 16, qixSessions: 32, qixCalls: 8 };

export type QlikClientEvent =
  | { type: "retry"; operation: string; object?: string; attempt: number; delayMs: number; kind: string; status?: number }
  | { type: "rate-limited"; operation: string; bucket: string; retryAfterMs: number }
  | { type: "throttled"; bucket: string; waitMs: number; reason: "window" | "retry-after" }
  | { type: "download-resumed"; appId: string; received: number; expected?: number; resumes: number }
  | { type: "re-export"; appId: string; reason: string }
  | { type: "object-skipped"; appId: string; objectId: string; objectType: string; reason: string }
  | {
      type: "waiting";
      /** Our operation name, or "qix" for a QIX call. */
      operation: string;
      /** The call, e.g. "GET /api/v1/items" or "QIX OpenDoc". */
      what: string;
      host: string;
      object?: string;
      attempt: number;
      kind: TimeoutKind;
      waitedMs: number;
      /** When the call is given up (from the start, or from the last progress for `idle`). */
      limitMs: number;
    };

/** "waiting 30 s for GET /api/v1/items on https://… (attempt 2; gives up after 60 s)". */
export function waitingMessage(e: Extract<QlikClientEvent, { type: "waiting" }>): string {
  const of = e.object ? ` (${e.object})` : "";
  const limit = e.kind === "idle" ? `gives up after ${formatSeconds(e.limitMs)} without progress` : `gives up after ${formatSeconds(e.limitMs)}`;
  return `waiting ${formatSeconds(Math.round(e.waitedMs / 100) * 100)} for ${e.what}${of} on ${e.host} (attempt ${e.attempt}; ${limit})`;
}

export interface TenantClientConfig {
  /** Tenant URL; `https://` is assumed without a scheme (pass `http://localhost:…` for the emulator). */
  host: string;
  auth: TenantAuth;
  limits?: LimitOptions;
  /**
   * The rate limiter every REST call waits for (default: a `TierLimiter` of this client built
   * from `limits`, which are then ignored). Pass one to share a budget between clients of the
   * same tenant user, or across processes (`createRateLimiter`, or your own `RateLimiter`).
   */
  limiter?: RateLimiter;
  /**
   * The run's signal: once it aborts, REST calls not yet sent fail (waiting for the limiter
   * ends too) and the caller stops between items. Calls already sent run to their answer.
   */
  signal?: AbortSignal;
  concurrency?: ConcurrencyOptions;
  retry?: Partial<RetryPolicy>;
  onEvent?: (e: QlikClientEvent) => void;
  /** OAuth: renew the access token after this long even without a 401 (default 1 hour; Qlik's live 6 hours). */
  tokenMaxAgeMs?: number;
  /** Deadlines per kind of call (internal/timeouts.ts; defaults in DEFAULT_TIMEOUTS). */
  timeouts?: Partial<Timeouts>;
  /** QIX session identity (default "lifeboat"): a session of our own, never a user's, opened without data. */
  qixIdentity?: string;
  /** Injected for tests. */
  clock?: Clock;
  random?: () => number;
}

export interface ClientStats {
  /** Requests sent (attempts, including retries) per bucket: "1", "2", "special:…". */
  callsPerTier: Record<string, number>;
  callsPerOperation: Record<string, number>;
  retries: number;
  /** 429 answers seen. */
  rateLimited: number;
  /** Time spent waiting for the client-side limiter or a Retry-After pause. */
  throttledMs: number;
  qixSessions: number;
  qixCalls: number;
  bytesDownloaded: number;
  downloadResumes: number;
  reExports: number;
}

export interface TenantClient extends TenantReader {
  resourceKinds(): ResourceKindName[];
  listResources(kind: ResourceKindName, opts?: { unchanged?: (summary: ResourceRecord) => boolean }): AsyncIterable<ResourceRecord>;
  readResourceFile(kind: ResourceKindName, id: string, file: string): AsyncIterable<Uint8Array>;
  /** Normalised tenant URL (scheme, no trailing slash). */
  readonly host: string;
  stats(): ClientStats;
  /** The restore side of the same tenant connection (same limiter, retries and stats). */
  writer(): TenantWriter;
  /** Ends the client: later calls fail with a permanent error (QIX sessions are closed after each use already). */
  close(): Promise<void>;
}

/** Internal surface the writer shares (same limiter, retries and stats). */
export interface TenantCore {
  readonly host: string;
  readonly config: TenantClientConfig;
  /** The current `@qlik/api` instance and host config (a fresh one after an OAuth token refresh). */
  session(): Promise<ApiSession>;
  call<T>(op: OperationName, object: string | undefined, fn: (api: QlikAPI, ctx: CallContext) => Promise<T>, opts?: { idempotent?: boolean }): Promise<T>;
  readonly timeouts: Timeouts;
  qixCall<T>(what: string, object: string, fn: () => Promise<T>, operation?: string): Promise<T>;
  withQixSession<T>(appId: string, object: string, fn: (doc: unknown) => Promise<T>, opts?: { retry?: "all" | "open"; operation?: string; withData?: boolean }): Promise<T>;
  /** Marks the core closed: later calls fail with a permanent error. */
  close(): void;
  authorization(): Promise<string>;
  emit(e: QlikClientEvent): void;
  stats: ClientStats;
  /** OAuth: the scopes of the current token (requested and granted); undefined for an API key or before the first token. */
  tokenScopes(): TokenScopes | undefined;
  appName(appId: string): string;
  rememberApp(appId: string, name: string): void;
}

/** What a REST attempt's function gets besides the `@qlik/api` instance. */
export interface CallContext {
  /** Aborted at the attempt's deadline (`@qlik/api` calls get it without asking; pass it to your own fetch). */
  signal: AbortSignal;
  /** Bytes moved: an `idle` deadline (uploads) starts again. */
  progress(): void;
  /** Options for a page's `next(options)`: the current credentials, noCache and the signal (`next()` alone reuses the first page's). */
  pageOptions: { hostConfig: HostConfig; noCache: true; signal: AbortSignal };
  attempt: number;
}

export interface ApiSession {
  api: QlikAPI;
  hostConfig: HostConfig;
}

export const PRIVATE_CONTENT_BOT_SCOPE = "user_default admin.apps admin_classic";

const onAuthFailed = (): void => undefined;

/**
 * The `@qlik/api` host config for one tenant. `onAuthFailed` is set so `@qlik/api` does not
 * `console.error` credential failures itself: they reach the caller as `QlikApiError`s.
 */
export function toHostConfig(host: string, auth: TenantAuth): HostConfig {
  if (auth.type === "apikey") return ownHostConfig({ authType: "apikey", host, apiKey: auth.apiKey, onAuthFailed } as HostConfig);
  return ownHostConfig({
    authType: "oauth2",
    host,
    clientId: auth.clientId,
    clientSecret: auth.clientSecret,
    scope: auth.scope ?? PRIVATE_CONTENT_BOT_SCOPE,
    onAuthFailed,
  } as HostConfig);
}

/**
 * OAuth tokens: `@qlik/api` caches oauth2 tokens in one process-wide map keyed by
 * `clientId + scope` only — not by host or secret (chunks/invoke-fetch-functions-*.js,
 * `getTopicFromOauthHostConfig`). Two tenants (or two emulators) with the same client id
 * would share a token, and a client with a wrong secret would silently reuse a good token
 * obtained earlier in the process. So each client asks `@qlik/api`'s own oauth2 module for
 * a token with `noCache: true` (`auth.getAccessToken`, which then calls `/oauth/token`
 * fresh), keeps it itself, and binds a `createQlikApi` instance to it as a Bearer
 * credential (the `apikey` auth type sends exactly `Authorization: Bearer <token>` on REST
 * and on the websocket). The token is renewed on a 401 and after `tokenMaxAgeMs`.
 */
function bearerHostConfig(host: string, token: string): HostConfig {
  return ownHostConfig({ authType: "apikey", host, apiKey: token, onAuthFailed } as HostConfig);
}

/**
 * Whether the credentials see every user's private content. Qlik grants that to an OAuth
 * M2M client holding the `admin.apps` scope with `admin_classic` (docs/qlik-surface.md, "Credentials and who sees what") — judged
 * from the scopes the token endpoint *granted* (its response's `scope`; `granted`), never
 * from those requested: an OAuth server may drop a requested scope the client does not hold
 * (FIDELITY-AUDIT #23). Without `granted`, from the configured scopes (a static guess, used
 * only before any token was fetched). API keys never are (they act as their user).
 */
export function isPrivateContentBot(auth: TenantAuth, granted?: readonly string[]): boolean {
  if (auth.type !== "oauth2") return false;
  const scopes = new Set(granted ?? (auth.scope ?? PRIVATE_CONTENT_BOT_SCOPE).split(/[\s,]+/).filter(Boolean));
  return scopes.has("admin.apps") && scopes.has("admin_classic");
}

/** The deadline signal of the REST attempt running now (set by `call`). */
const attemptSignal = new AsyncLocalStorage<AbortSignal>();

/** Gives the connector's `@qlik/api` requests the signal of their attempt, so a deadline closes the socket. */
const signalInterceptor: RestInterceptor = (request, proceed) => {
  const signal = attemptSignal.getStore();
  if (!signal || !isOwnRequest(request)) return proceed(request);
  const options = (request as { options?: Record<string, unknown> }).options ?? {};
  return proceed({ ...request, options: { ...options, signal } } as typeof request);
};

let interceptorsInstalled = false;
/** The connector's interceptors, on `@qlik/api`'s global stack once (see internal/query.ts for why global). */
function installInterceptors(): void {
  if (interceptorsInstalled) return;
  interceptorsInstalled = true;
  qlikInterceptors.addInterceptor(preEncodeQueryInterceptor);
  qlikInterceptors.addInterceptor(signalInterceptor);
}

/** Operations where Qlik works on a whole app before it answers (timeout kind `appJob`). */
const APP_JOBS = new Set<string>(["exportApp", "importApp", "copyApp", "publishApp", "republishApp"]);
function timeoutKindOf(op: string): TimeoutKind {
  if (op === "uploadTempFile") return "idle";
  return APP_JOBS.has(op) ? "appJob" : "request";
}

/** What the last OAuth token request asked for and was granted. */
export interface TokenScopes {
  requested: string[];
  granted: string[];
  /** Set when the token endpoint refused the configured scopes and `user_default` was asked instead. */
  refused?: string;
}

/**
 * The in-process rate limiter a tenant client uses by default, for one tenant user: Qlik's
 * published limits per tier (or `limits.perMinute`), counted over its 5-minute window. Made
 * separately to share one budget between several clients of the same user.
 */
export function createRateLimiter(
  limits: LimitOptions & { clock?: Clock; onThrottle?: (bucket: string, waitMs: number, reason: "window" | "retry-after") => void } = {},
): RateLimiter {
  return new TierLimiter({
    clock: limits.clock ?? systemClock,
    perMinute: (bucket) => limits.perMinute?.[bucket] ?? publishedPerMinute(bucket),
    windowMs: limits.windowMs,
    headroom: limits.headroom,
    timeScale: limits.timeScale,
    enabled: limits.enabled,
    ...(limits.onThrottle ? { onThrottle: limits.onThrottle } : {}),
  });
}

export function createTenantCore(config: TenantClientConfig): TenantCore {
  installInterceptors();
  const host = tenantUrl(config.host);
  const auth = config.auth;
  const tokenMaxAgeMs = config.tokenMaxAgeMs ?? 60 * 60_000;
  let current: (ApiSession & { issuedAt: number }) | undefined;
  let pendingToken: Promise<ApiSession & { issuedAt: number }> | undefined;
  if (auth.type === "apikey") {
    const hostConfig = toHostConfig(host, auth);
    current = { api: createQlikApi({ hostConfig }), hostConfig, issuedAt: Number.POSITIVE_INFINITY };
  }
  let scopes: TokenScopes | undefined;
  /** One token request through `@qlik/api`'s oauth2 module, its response observed (internal/token-response.ts). */
  const tokenFor = async (scope: string) => {
    const tokenConfig = { ...toHostConfig(host, { ...(auth as Extract<TenantAuth, { type: "oauth2" }>), scope }), noCache: true } as HostConfig;
    // POST /oauth/token is a Tier 2 call of its own.
    stats.callsPerTier["2"] = (stats.callsPerTier["2"] ?? 0) + 1;
    stats.callsPerOperation.oauthToken = (stats.callsPerOperation.oauthToken ?? 0) + 1;
    // @qlik/api's token call takes no signal: the deadline gives up on it (the socket is left to close).
    return observeTokenResponse(() =>
      withDeadline(() => auth_.getAccessToken({ hostConfig: tokenConfig }), {
        kind: "request",
        limitMs: timeouts.requestMs,
        noticeMs: timeouts.noticeMs,
        onNotice: (waitedMs) =>
          emit({ type: "waiting", operation: "oauthToken", what: "POST /oauth/token", host, attempt: 1, kind: "request", waitedMs, limitMs: timeouts.requestMs }),
        what: `POST /oauth/token on ${host}`,
      }),
    );
  };
  /** For oauth2: a fresh token (coalescing concurrent requests). */
  const renew = (): Promise<ApiSession & { issuedAt: number }> => {
    pendingToken ??= (async () => {
      try {
        if (auth.type !== "oauth2") throw new Error("renew() is for OAuth clients");
        let requested = auth.scope ?? PRIVATE_CONTENT_BOT_SCOPE;
        let got = await tokenFor(requested);
        let refused: string | undefined;
        // An OAuth server may refuse scopes the client does not hold (400, RFC 6749 §5.2
        // invalid_scope). With the default scopes, ask again for `user_default` alone: the
        // backup then runs as a non-bot and says what it cannot see (a coverage gap). Scopes
        // the user configured are not second-guessed: the refusal is the error.
        if (got.error !== undefined && got.response?.status === 400 && auth.scope === undefined) {
          refused = classify(got.error, { operation: "oauthToken", host }).detail ?? "400 Bad Request";
          requested = "user_default";
          got = await tokenFor(requested);
        }
        if (got.error !== undefined) throw got.error;
        const token = got.result;
        if (!token) throw new QlikApiError({ kind: "unauthorized", operation: "oauthToken", host, detail: "the token endpoint returned no access token" });
        scopes = { requested: requested.split(/[\s,]+/).filter(Boolean), granted: grantedScopes(got.response, requested), ...(refused !== undefined ? { refused } : {}) };
        const hostConfig = bearerHostConfig(host, token);
        current = { api: createQlikApi({ hostConfig }), hostConfig, issuedAt: Date.now() };
        return current;
      } finally {
        pendingToken = undefined;
      }
    })();
    return pendingToken;
  };
  const session = async (): Promise<ApiSession> => {
    if (current && Date.now() - current.issuedAt < tokenMaxAgeMs) return current;
    return renew();
  };
  const clock = config.clock ?? systemClock;
  const random = config.random ?? Math.random;
  const policy: RetryPolicy = { ...defaultRetryPolicy, ...config.retry };
  const timeouts = resolveTimeouts(config.timeouts);
  const stats: ClientStats = {
    callsPerTier: {},
    callsPerOperation: {},
    retries: 0,
    rateLimited: 0,
    throttledMs: 0,
    qixSessions: 0,
    qixCalls: 0,
    bytesDownloaded: 0,
    downloadResumes: 0,
    reExports: 0,
  };
  const emit = (e: QlikClientEvent): void => {
    try {
      config.onEvent?.(e);
    } catch {
      // a listener's failure is not the connector's
    }
  };
  const limiter =
    config.limiter ?? createRateLimiter({ ...config.limits, clock, onThrottle: (bucket, waitMs, reason) => emit({ type: "throttled", bucket, waitMs, reason }) });
  const rest = createPool(config.concurrency?.rest ?? DEFAULT_CONCURRENCY.rest);
  const qixSessions = createPool(config.concurrency?.qixSessions ?? DEFAULT_CONCURRENCY.qixSessions);
  const names = new Map<string, string>();
  let closed = false;

  async function call<T>(
    op: OperationName,
    object: string | undefined,
    fn: (api: QlikAPI, ctx: CallContext) => Promise<T>,
    opts: { idempotent?: boolean } = {},
  ): Promise<T> {
    const info = OPERATIONS[op];
    const bucket = bucketOf(info);
    const kind = timeoutKindOf(op);
    const limitMs = limitOf(timeouts, kind);
    const what = `${info.method} ${info.path}`;
    if (closed) throw new QlikApiError({ kind: "permanent", operation: op, host, object, detail: "the tenant client was closed" });
    config.signal?.throwIfAborted();
    return withRetry(
      async (attempt) => {
        /** One request under its deadline (timeouts.ts), its signal reaching @qlik/api through the interceptor. */
        const timed = (used: ApiSession): Promise<T> =>
          withDeadline(
            ({ signal, progress }) =>
              attemptSignal.run(signal, () => fn(used.api, { signal, progress, attempt, pageOptions: { hostConfig: used.hostConfig, noCache: true, signal } })),
            {
              kind,
              limitMs,
              idle: kind === "idle",
              noticeMs: timeouts.noticeMs,
              onNotice: (waitedMs) => emit({ type: "waiting", operation: op, what, host, ...(object ? { object } : {}), attempt, kind, waitedMs, limitMs }),
              what: `${what}${object ? ` for ${object}` : ""}`,
            },
          );
        // Counted by the limiter from here until the answer (see limiter.ts): waiting for
        // the token and a REST slot below must not make the request look older than it is.
        const send = async (get: () => Promise<ApiSession>): Promise<T> => {
          const permit = await limiter.admit(bucket, config.signal);
          stats.throttledMs += permit.waitedMs;
          stats.callsPerTier[bucket] = (stats.callsPerTier[bucket] ?? 0) + 1;
          stats.callsPerOperation[op] = (stats.callsPerOperation[op] ?? 0) + 1;
          try {
            const used = await get();
            return await rest.run(() => timed(used));
          } finally {
            permit.done();
          }
        };
        let used: ApiSession | undefined;
        try {
          return await send(async () => (used = await session()));
        } catch (e) {
          // An OAuth token may have expired or been revoked: renew once and repeat.
          if (auth.type !== "oauth2" || (e as { status?: unknown })?.status !== 401 || !used) throw e;
          const stale = used;
          return await send(async () => (stale === current ? await renew() : await session()));
        }
      },
      {
        operation: op,
        host,
        object,
        clock,
        policy,
        random,
        idempotent: opts.idempotent,
        onRateLimited: (err) => {
          stats.rateLimited++;
          const ms = err.retryAfterMs ?? 1000;
          limiter.pause(bucket, ms);
          emit({ type: "rate-limited", operation: op, bucket, retryAfterMs: ms });
        },
        onRetry: (err, attempt, delayMs) => {
          stats.retries++;
          emit({ type: "retry", operation: op, object, attempt, delayMs, kind: err.kind, status: err.status });
        },
      },
    );
  }

  async function qixCall<T>(what: string, object: string, fn: () => Promise<T>, operation = "readAppObjects"): Promise<T> {
    stats.qixCalls++;
    const kind: TimeoutKind = what === "OpenDoc" ? "qixOpen" : what === "OpenDoc (with data)" ? "appJob" : "qixCall";
    const limitMs = limitOf(timeouts, kind);
    try {
      return await withDeadline(() => fn(), {
        kind,
        limitMs,
        noticeMs: timeouts.noticeMs,
        onNotice: (waitedMs) => emit({ type: "waiting", operation, what: `QIX ${what}`, host, object, attempt: 1, kind, waitedMs, limitMs }),
        what: `QIX ${what} for ${object}`,
      });
    } catch (e) {
      throw classifyQix(e, { operation, host, object, what });
    }
  }

  const identity = config.qixIdentity ?? "lifeboat";
  /**
   * One QIX session for `fn`, always closed. `retry: "all"` (reads) repeats open + `fn` after
   * a transient failure; `retry: "open"` (writes) repeats only opening the session, so a
   * failure inside `fn` reaches the caller, whose journal decides. `withData` opens the app
   * with its data model (selections need it) under its own identity, since one identity
   * cannot hold an app open in both modes ("App is opened in a different mode").
   */
  async function withQixSession<T>(appId: string, object: string, fn: (doc: unknown) => Promise<T>, opts: { retry?: "all" | "open"; operation?: string; withData?: boolean } = {}): Promise<T> {
    const operation = opts.operation ?? "readAppObjects";
    const retryCtx = {
      operation,
      host,
      object,
      clock,
      policy,
      random,
      onRetry: (err: QlikApiError, attempt: number, delayMs: number) => {
        stats.retries++;
        emit({ type: "retry", operation, object, attempt, delayMs, kind: err.kind, status: err.status });
      },
    };
    const open = async (): Promise<{ doc: unknown; close: () => Promise<void> }> => {
      if (closed) throw new QlikApiError({ kind: "permanent", operation, host, object, detail: "the tenant client was closed" });
      stats.qixSessions++;
      const { api, hostConfig } = await session();
      const app = api.qix.openAppSession({ appId, withoutData: opts.withData !== true, identity: opts.withData === true ? `${identity}-data` : identity, hostConfig });
      // Closing a session that never opened (a host that does not answer the upgrade) must not hang either.
      const close = (): Promise<void> =>
        withDeadline(() => app.close({ websocketCloseDelay: 0 }), { kind: "qixCall", limitMs: 5_000, noticeMs: 0, what: "QIX close" }).catch(() => undefined);
      try {
        // Opening with data loads the app's whole data model: as long as Qlik's work on a whole app (kind appJob).
        return { doc: await qixCall(opts.withData === true ? "OpenDoc (with data)" : "OpenDoc", object, () => app.getDoc(), operation), close };
      } catch (e) {
        await close();
        throw e;
      }
    };
    return qixSessions.run(async () => {
      if ((opts.retry ?? "all") === "all")
        return withRetry(async () => {
          const s = await open();
          try {
            return await fn(s.doc);
          } finally {
            await s.close();
          }
        }, retryCtx);
      const s = await withRetry(open, retryCtx);
      try {
        return await fn(s.doc);
      } finally {
        await s.close();
      }
    });
  }


  return {
    host,
    config,
    session,
    call,
    qixCall,
    withQixSession,
    timeouts,
    close: () => void (closed = true),
    authorization: async () => {
      const { hostConfig } = await session();
      return `Bearer ${await auth_.getAccessToken({ hostConfig })}`;
    },
    emit,
    stats,
    tokenScopes: () => (scopes ? structuredClone(scopes) : undefined),
    appName: (appId) => names.get(appId) ?? "",
    rememberApp: (appId, name) => void names.set(appId, name),
  };
}

/** QIX errors: enigma-style `{ code, message }` or websocket failures carrying an HTTP status in the text. */
export function classifyQix(e: unknown, ctx: { operation: string; host: string; object: string; what: string }): QlikApiError {
  if (e instanceof QlikApiError) return e;
  if (e instanceof CallTimeoutError) return classify(e, ctx);
  const err = (e ?? {}) as { code?: unknown; message?: unknown; status?: unknown };
  const message = typeof err.message === "string" ? err.message : String(e);
  const base = { operation: ctx.operation, host: ctx.host, object: ctx.object, cause: e };
  const detail = `${ctx.what}: ${message}`;
  if (typeof err.status === "number") return classify(e, ctx).with({ detail });
  const code = typeof err.code === "number" ? err.code : undefined;
  // Engine error codes (QIX spec LocalizedErrorCode): 2 not found, 1003 app not found, 5 / 1013? access denied.
  if (code === 2 || code === 1003 || /not found/i.test(message)) return new QlikApiError({ ...base, kind: "not-found", qlikCode: code?.toString(), detail });
  if (code === 5 || /access denied|forbidden|\b403\b/i.test(message)) return new QlikApiError({ ...base, kind: "forbidden", status: /\b403\b/.test(message) ? 403 : undefined, qlikCode: code?.toString(), detail });
  if (/\b401\b|unauthori[sz]ed/i.test(message)) return new QlikApiError({ ...base, kind: "unauthorized", status: 401, detail });
  if (/\b429\b/.test(message)) return new QlikApiError({ ...base, kind: "rate-limited", status: 429, detail, retryAfterMs: 1000 });
  if (/\b404\b/.test(message)) return new QlikApiError({ ...base, kind: "not-found", status: 404, detail });
  if (/\b50[0234]\b|closed|socket|ECONNRESET|ECONNREFUSED|hang up|timeout|terminated/i.test(message))
    return new QlikApiError({ ...base, kind: "transient", detail });
  return new QlikApiError({ ...base, kind: "permanent", qlikCode: code?.toString(), detail });
}

export function createTenantClient(config: TenantClientConfig): TenantClient {
  const core = createTenantCore(config);
  const unsupported = (kind: ResourceKindName, what: string): QlikApiError =>
    new QlikApiError({ kind: "permanent", operation: `resources:${kind}`, host: core.host, object: kind, detail: `Lifeboat cannot ${what} ${kind} on Qlik Cloud` });
  const resourceApi = (kind: ResourceKindName): ResourceApi => {
    const api = RESOURCE_APIS[kind];
    if (!api) throw unsupported(kind, "list");
    return api;
  };
  const { host, call, stats } = core;
  const clock = config.clock ?? systemClock;
  const random = config.random ?? Math.random;
  const policy: RetryPolicy = { ...defaultRetryPolicy, ...config.retry };
  const exportsPool = createPool(config.concurrency?.exports ?? DEFAULT_CONCURRENCY.exports);
  const qixCalls = config.concurrency?.qixCalls ?? DEFAULT_CONCURRENCY.qixCalls;
  const nc = { noCache: true } as const;
  let writerInstance: TenantWriter | undefined;

  const appLabel = (appId: string): string => {
    const name = core.appName(appId);
    return name ? `app '${name}' (id ${appId})` : `app ${appId}`;
  };

  async function spaceTypes(): Promise<Map<string, SpaceType>> {
    const types = new Map<string, SpaceType>();
    for await (const sp of client.listSpaces()) types.set(sp.id, sp.type);
    return types;
  }

  /** POST export, then open the download; a 404/410 on the fresh file (expired) means export again. */
  async function exportAndOpen(appId: string, withData: boolean): Promise<{ open: (offset: number) => Promise<OpenedDownload>; first: OpenedDownload }> {
    const label = appLabel(appId);
    for (let round = 1; ; round++) {
      const resp = await call("exportApp", label, (api) => api.apps.exportApp(appId, withData ? {} : { NoData: true }, nc));
      const location = (resp.headers as Headers | undefined)?.get?.("location");
      if (!location)
        throw new QlikApiError({ kind: "permanent", operation: "exportApp", host, object: label, status: resp.status, detail: "the export answered without a Location header" });
      const id = tempContentIdFromLocation(location);
      const url = `${host}/api/v1/temp-contents/${encodeURIComponent(id)}`;
      const open = (offset: number): Promise<OpenedDownload> =>
        call("downloadTempFile", label, async (_api, ctx) => {
          const headers: Record<string, string> = { Authorization: await core.authorization() };
          if (offset > 0) headers.Range = `bytes=${offset}-`;
          // The call's deadline covers the answer's headers; the body is watched for progress
          // (streamBody's idle deadline), through a signal of its own that outlives the call.
          const body = new AbortController();
          const res = await fetch(url, { headers, redirect: "follow", signal: AbortSignal.any([ctx.signal, body.signal]) });
          if (res.status >= 300) await throwAnswer(res, url);
          // Qlik's spec lists "204 No Content: resource is incomplete" for this call; a 2xx
          // without the file (204, or an announced length of 0) is never a .qvf: retried as
          // transient, then a failed export — never a stored 0-byte file.
          const size = parseSize(res);
          if ((res.status !== 200 && res.status !== 206) || size === 0) {
            await res.body?.cancel().catch(() => undefined);
            throw new QlikApiError({
              kind: "transient",
              operation: "downloadTempFile",
              host,
              object: label,
              status: res.status,
              detail: `the exported file answered ${res.status}${size === 0 ? " with an empty body" : res.status === 204 ? " No Content (the file is incomplete)" : ""}, not the .qvf; back up this app again later`,
            });
          }
          return { response: res, size, abort: (reason: unknown) => body.abort(reason) };
        });
      try {
        return { open, first: await open(0) };
      } catch (e) {
        const err = classify(e, { operation: "downloadTempFile", host, object: label });
        if (err.kind === "not-found" && round < 3) {
          stats.reExports++;
          core.emit({ type: "re-export", appId, reason: `temp file answered ${err.status ?? "?"} (expired)` });
          continue;
        }
        throw err;
      }
    }
  }

  const client: TenantClient = {
    host,

    async whoAmI(): Promise<CallerInfo> {
      // GET /users/me answers 301 to the user resource; fetch follows it (Qlik Cloud platform, not Windows).
      const resp = await call("getMyUser", undefined, (api) => api.users.getMyUser(nc));
      const u = toUserRecord(resp.data);
      const scopes = core.tokenScopes();
      const info: CallerInfo = { userId: u.id, subject: u.subject, name: u.name ?? "", isPrivateContentBot: isPrivateContentBot(config.auth, scopes?.granted ?? (config.auth.type === "oauth2" ? [] : undefined)) };
      if (scopes) {
        info.grantedScopes = scopes.granted;
        const missing = ["admin.apps", "admin_classic"].filter((sc) => !scopes.granted.includes(sc));
        if (missing.length > 0)
          info.scopeNote = scopes.refused
            ? `the token endpoint refused the scopes ${PRIVATE_CONTENT_BOT_SCOPE.split(" ").filter((sc) => sc !== "user_default").join(" ")} (${scopes.refused}); the token was asked for and granted "${scopes.granted.join(" ")}"`
            : `the OAuth token was granted "${scopes.granted.join(" ")}" (asked: "${scopes.requested.join(" ")}"), without ${missing.join(" and ")}: assign ${missing.join(" and ")} to the OAuth client`;
      }
      return info;
    },

    async *listUsers(): AsyncIterable<UserRecord> {
      for await (const u of pages(core, "getUsers", undefined, (api) => api.users.getUsers({ limit: 100 }, nc))) yield toUserRecord(u);
    },

    async *listGroups(): AsyncIterable<GroupRecord> {
      for await (const g of pages(core, "getGroups", undefined, (api) => api.groups.getGroups({ limit: 100 }, nc))) yield toGroupRecord(g);
    },

    async *listRoles(): AsyncIterable<RoleRecord> {
      for await (const r of pages(core, "getRoles", undefined, (api) => api.roles.getRoles({ limit: 100 }, nc))) yield toRoleRecord(r);
    },

    async *listSpaces(): AsyncIterable<SpaceRecord> {
      for await (const sp of pages(core, "getSpaces", undefined, (api) => api.spaces.getSpaces({ limit: 100 }, nc))) yield toSpaceRecord(sp);
    },

    async *listSpaceAssignments(spaceId: string): AsyncIterable<AssignmentRecord> {
      const label = `the space ${spaceId}`;
      for await (const a of pages(core, "getSpaceAssignments", label, (api) => api.spaces.getSpaceAssignments(spaceId, { limit: 100 }, nc)))
        yield toAssignmentRecord(a);
    },

    resourceKinds: () => Object.keys(RESOURCE_APIS) as ResourceKindName[],

    async *listResources(kind, opts = {}): AsyncIterable<ResourceRecord> {
      const api = resourceApi(kind);
      for await (const summary of api.list(core)) {
        if (!api.detail || !api.get) yield summary;
        else if (opts.unchanged?.(summary)) yield { ...summary, summaryOnly: true };
        else yield await api.get(core, summary.id, summary);
      }
    },

    readResourceFile(kind, id, file) {
      const api = resourceApi(kind);
      if (!api.readFile) throw unsupported(kind, `read the file ${file} of`);
      return api.readFile(core, id, file);
    },

    async *listApps(): AsyncIterable<AppSummary> {
      const types = await spaceTypes();
      // Two listings: every app the caller can see, then `spaceType=personal` — the way Qlik
      // lists other users' personal apps for a private-content bot (qlik.dev
      // manage/platform-operations/private-content-bots). Whether the unfiltered listing
      // includes them is undocumented (FIDELITY-AUDIT #25); an app found twice is listed once.
      const seen = new Set<string>();
      const listing = async function* (): AsyncGenerator<unknown> {
        yield* pages(core, "getItems", undefined, (api) => api.items.getItems({ resourceType: "app", limit: 100, noActions: true }, nc));
        yield* pages(core, "getItems", "personal-space apps", (api) => api.items.getItems({ resourceType: "app", spaceType: "personal", limit: 100, noActions: true }, nc));
      };
      for await (const item of listing()) {
        const o = rec(item);
        const appId = s(o.resourceId) ?? "";
        if (seen.has(appId)) continue;
        seen.add(appId);
        const name = s(o.name) ?? "";
        core.rememberApp(appId, name);
        const spaceId = s(o.spaceId) || undefined;
        // No spaceId ⇒ personal. A space we cannot list (not a member) is shared or managed;
        // the items API cannot tell which, and "shared" is the safe restore default.
        const spaceType: SpaceType = spaceId ? (types.get(spaceId) ?? "shared") : "personal";
        const app: AppSummary = { appId, itemId: s(o.id) ?? "", name, spaceType, ownerId: s(o.ownerId) ?? "" };
        if (spaceId) app.spaceId = spaceId;
        if (s(o.updatedAt)) app.updatedAt = s(o.updatedAt);
        if (s(o.resourceUpdatedAt)) app.resourceUpdatedAt = s(o.resourceUpdatedAt);
        yield app;
      }
    },

    async getAppInfo(appId: string): Promise<{ attributes: Record<string, unknown> }> {
      const resp = await call("getAppInfo", appLabel(appId), (api) => api.apps.getAppInfo(appId, nc));
      const data = rec(resp.data);
      const attributes = rec(data.attributes);
      if (s(attributes.name)) core.rememberApp(appId, s(attributes.name) ?? "");
      return { ...data, attributes };
    },

    async getAppScript(appId: string): Promise<string> {
      const resp = await call("getAppScript", appLabel(appId), (api) => api.apps.getAppScript(appId, "current", nc));
      return s(rec(resp.data).script) ?? "";
    },

    async getAppScriptHistory(appId: string): Promise<ScriptVersionInfo[]> {
      const out: ScriptVersionInfo[] = [];
      let resp = await call("getAppScriptHistory", appLabel(appId), (api) => api.apps.getAppScriptHistory(appId, {}, nc));
      for (;;) {
        const scripts = rec(resp.data).scripts;
        if (Array.isArray(scripts))
          for (const v of scripts) {
            const o = rec(v);
            const info: ScriptVersionInfo = { scriptId: s(o.scriptId) ?? "", modifiedTime: s(o.modifiedTime) ?? "" };
            if (s(o.modifierId)) info.modifierId = s(o.modifierId);
            if (s(o.versionMessage)) info.versionMessage = s(o.versionMessage);
            if (typeof o.size === "number") info.size = o.size;
            out.push(info);
          }
        const next: (() => Promise<typeof resp>) | undefined = resp.next;
        if (!next) return out;
        resp = await call("getAppScriptHistory", appLabel(appId), (_api, ctx) => (next as (o: unknown) => Promise<typeof resp>)(ctx.pageOptions));
      }
    },

    async exportApp(appId: string, opts: { withData: boolean }): Promise<AppExport> {
      const release = await exportsPool.acquire();
      let opened: Awaited<ReturnType<typeof exportAndOpen>>;
      try {
        opened = await exportAndOpen(appId, opts.withData);
      } catch (e) {
        release();
        throw e;
      }
      const label = appLabel(appId);
      const what = `GET /api/v1/temp-contents/{id} for ${label}`;
      const body = streamBody(opened.first, {
        open: opened.open,
        idle: {
          ms: core.timeouts.idleMs,
          noticeMs: core.timeouts.noticeMs,
          what,
          onNotice: (waitedMs, received) =>
            core.emit({
              type: "waiting",
              operation: "downloadTempFile",
              what: `data of GET /api/v1/temp-contents/{id} (${received} bytes so far)`,
              host,
              object: label,
              attempt: 1,
              kind: "idle",
              waitedMs,
              limitMs: core.timeouts.idleMs,
            }),
        },
        onBytes: (n) => void (stats.bytesDownloaded += n),
        onFinish: release,
        emptyError: () =>
          new QlikApiError({ kind: "permanent", operation: "downloadTempFile", host, object: label, detail: "the exported file was empty (0 bytes), not a .qvf; back up this app again later" }),
        async onTruncated(received, expected, resumes, cause) {
          stats.downloadResumes++;
          if (resumes >= policy.attempts) {
            throw new QlikApiError({
              kind: "transient",
              operation: "downloadTempFile",
              host,
              object: label,
              status: 0,
              attempts: resumes,
              detail: `the download kept breaking off (${received} of ${expected ?? "?"} bytes)${cause instanceof Error && cause.message ? `; last: ${cause.message}` : ""}`,
              cause,
            });
          }
          core.emit({ type: "download-resumed", appId, received, expected, resumes });
          stats.retries++;
          await clock.sleep(backoffDelay(resumes, policy, random));
        },
      });
      const result: AppExport = { body };
      if (opened.first.size !== undefined) result.size = opened.first.size;
      return result;
    },

    async readAppObjects(appId: string): Promise<ObjectRecord[]> {
      const label = appLabel(appId);
      return core.withQixSession(appId, label, (doc) =>
        readObjects(doc as QixDocLike, {
          concurrency: qixCalls,
          call: (what, fn) => core.qixCall(what, label, fn),
          isNotFound: (e) => e instanceof QlikApiError && e.kind === "not-found",
          onSkip: (objectId, objectType, reason) => core.emit({ type: "object-skipped", appId, objectId, objectType, reason }),
        }),
      );
    },

    async readAppContent(appId, opts): Promise<AppContent> {
      const label = appLabel(appId);
      return core.withQixSession(appId, label, async (raw) => {
        const doc = raw as QixDocLike;
        const call = <T>(what: string, fn: () => Promise<T>) => core.qixCall(what, label, fn);
        const readOpts = {
          concurrency: qixCalls,
          call,
          isNotFound: (e: unknown) => e instanceof QlikApiError && e.kind === "not-found",
          onSkip: (objectId: string, objectType: string, reason: string) => core.emit({ type: "object-skipped", appId, objectId, objectType, reason }),
        };
        const getScript = doc.getScript?.bind(doc);
        const scriptRead = opts.script && getScript ? call("GetScript", getScript) : undefined;
        scriptRead?.catch(() => undefined); // awaited below; keeps an early failure from going unhandled
        const infos = await listInfos(doc, readOpts);
        const meta = new Map<string, Record<string, unknown>>();
        const trees = new Map<string, unknown>();
        const stamps = await readStamps(doc, infos, readOpts, meta, trees);
        const content: AppContent = {};
        if (stamps) content.stamps = stamps;
        if (!stamps || !opts.unchanged?.(stamps)) content.objects = await readObjects(doc, readOpts, infos, meta, trees);
        if (scriptRead) content.script = await scriptRead;
        return content;
      });
    },

    stats(): ClientStats {
      return structuredClone(stats);
    },

    writer(): TenantWriter {
      writerInstance ??= createTenantWriter(core);
      return writerInstance;
    },

    async close(): Promise<void> {
      // QIX sessions are closed after each read; this makes later calls fail clearly.
      core.close();
    },
  };
  return client;
}

export { TruncatedDownloadError, tempContentIdFromLocation };
