/**
 * A client-managed (Qlik Sense Enterprise on Windows) site as a `TenantReader`, over the
 * Qlik Repository Service (QRS) API: through a virtual proxy with header authentication
 * (`https://site/prefix`), or on the repository port with a client certificate and the user in
 * `X-Qlik-User: UserDirectory=…; UserId=…` (`https://site:4242`; client-managed.md, "Calling
 * the QRS API"). Certificates go through `node:https` (Node's `fetch` takes no client
 * certificate without the undici package, which this project does not ship).
 *
 * Plain `fetch`, not `@qlik/api`: `@qlik/api` can authenticate to QSEoW but ships no QRS
 * functions (client-managed.md, "Calling the QRS API", after @qlik/api docs/authentication.md).
 * Every call carries the same random 16-character Xrfkey as `?xrfkey=` and `X-Qlik-Xrfkey`.
 *
 * What the backup gets, and from where (every call: docs/qlik-surface.md, "QRS"):
 * - users: `GET /qrs/user/full` — subject `DIRECTORY\userid`, admin roles as assigned roles;
 *   no groups or roles layers (QSEoW has none of Cloud's; they are empty);
 * - streams as spaces: `GET /qrs/stream/full` — each stream a space of type "managed" (the
 *   Cloud counterpart Qlik's migration tutorial moves published apps to), no members (security
 *   rules do not map to space roles: client-managed.md, last line);
 * - apps: `GET /qrs/app/full`; an app in a stream is in that "space", any other app "personal";
 * - objects: `GET /qrs/app/object/full?filter=app.id eq …` — engineObjectId, type, owner
 *   `DIRECTORY\userid`, approved/published. Their property trees are inside `app.qvf` only:
 *   QRS has none and this reader opens no QIX session, so `propertyTree` is null and the
 *   record carries `source: "qrs"`, the repository id and QRS's `contentHash` instead;
 * - the load script: also only inside `app.qvf` (QRS has no script endpoint): `getAppScript`
 *   answers "" and `getAppScriptHistory` [] — client-managed keeps no script history;
 * - the export: `POST /qrs/app/{id}/export/{token}?skipData=…&exportScope=all`, then one
 *   `GET <downloadPath>` — the file can be downloaded once, so a failed download is retried
 *   with a fresh export, never by downloading again.
 *
 * No silent hangs (issue 15.6): every call runs under the connector's deadlines
 * (internal/timeouts.ts, `withDeadline`, the same as the Cloud client's): JSON calls get
 * `request` (sending to the end of the answer's body), the export POST `appJob`, the download
 * `idle` (no progress: for its headers, then for every stretch of its body). While a call
 * waits, a "waiting" event goes to `onEvent` every `timeouts.noticeMs`; a call past its
 * deadline is aborted and fails as a transient error (code TIMEOUT), retried like a reset.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { Agent, request as httpsRequest } from "node:https";
import { Readable } from "node:stream";
import type { AppExport, AppSummary, AssignmentRecord, CallerInfo, GroupRecord, ObjectRecord, RoleRecord, ScriptVersionInfo, SpaceRecord, TenantReader, UserRecord } from "@lifeboat/model";
import { backoffDelay, retry, systemClock, tenantUrl, type Backoff, type Clock } from "@lifeboat/kit";
import type { QlikClientEvent } from "./client.ts";
import { classify, QlikApiError, type QlikErrorKind } from "./errors.ts";
import { parseSize, streamBody } from "./internal/download.ts";
import { CallTimeoutError, limitOf, resolveTimeouts, withDeadline, type TimeoutKind, type Timeouts } from "./internal/timeouts.ts";

export interface QrsHeaderAuth {
  type: "header";
  /** Header the virtual proxy reads the user from, e.g. "hdr-usr". */
  headerName: string;
  /** The user, `DIRECTORY\userid`. A secret of sorts: from the environment or a file, never a flag. */
  user: string;
}

export interface QrsCertificateAuth {
  type: "certificate";
  /** PEM texts: the client certificate and its key, and the CA that signed the site's certificate. */
  cert: string;
  key: string;
  ca?: string;
  /** The user to act as, `DIRECTORY\userid` (sent as `X-Qlik-User`). */
  user: string;
}

export interface QrsReaderConfig {
  /** The site through its virtual proxy, `https://site/prefix`, or the repository port, `https://site:4242` (QRS at `${host}/qrs`). */
  host: string;
  auth: QrsHeaderAuth | QrsCertificateAuth;
  /** Attempts per read on a transient failure (5xx, network, a deadline passed); default 3. */
  attempts?: number;
  /** Deadlines per kind of call (internal/timeouts.ts; defaults in DEFAULT_TIMEOUTS): request, appJob (export), idle (download). */
  timeouts?: Partial<Timeouts>;
  /** "waiting" notices while a call waits (as the Cloud client's `onEvent`; see `waitingMessage`). */
  onEvent?: (e: QlikClientEvent) => void;
  fetch?: typeof fetch;
  /** Waits between attempts (default the system clock; tests inject a manual one). */
  clock?: Clock;
  /** Uniform [0, 1) for the backoff's jitter (default Math.random). */
  random?: () => number;
}

/** Between attempts: 200–400 ms, then 400–800 ms, … (never sooner than the fixed 200·2^(n-1) ms of earlier versions). */
const QRS_BACKOFF: Backoff = { baseMs: 400, maxMs: 8_000 };

interface QrsUserJson {
  id: string;
  userId: string;
  userDirectory: string;
  name?: string;
  roles?: string[];
  inactive?: boolean;
  removedExternally?: boolean;
  blacklisted?: boolean;
  attributes?: { attributeType?: string; attributeValue?: string }[];
}

interface QrsOwner {
  id: string;
  userId: string;
  userDirectory: string;
  name?: string;
}

interface QrsAppJson {
  id: string;
  name: string;
  description?: string;
  owner: QrsOwner;
  stream?: { id: string; name: string } | null;
  published?: boolean;
  publishTime?: string;
  modifiedDate?: string;
  createdDate?: string;
  lastReloadTime?: string;
  fileSize?: number;
  savedInProductVersion?: string;
  tags?: { id: string; name: string }[];
  customProperties?: { value: string; definition: { name: string } }[];
}

interface QrsObjectJson {
  id: string;
  engineObjectId: string;
  objectType: string;
  engineObjectType?: string;
  name?: string;
  description?: string;
  owner: QrsOwner;
  approved?: boolean;
  published?: boolean;
  publishTime?: string;
  contentHash?: string;
  createdDate?: string;
  modifiedDate?: string;
}

/** QRS writes "never" as this date (help.qlik.com App: Import app sample). */
const NEVER = "1753-01-01T00:00:00.000Z";

const subjectOf = (o: { userDirectory: string; userId: string }): string => `${o.userDirectory}\\${o.userId}`;

function genericTypeOf(objectType: string): ObjectRecord["genericType"] {
  if (objectType === "bookmark") return "genericBookmark";
  if (objectType === "dimension") return "genericDimension";
  if (objectType === "measure") return "genericMeasure";
  return "genericObject";
}

function kindOf(status: number): QlikErrorKind {
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404) return "not-found";
  if (status === 429) return "rate-limited";
  if (status === 0 || status >= 500) return "transient";
  return "permanent";
}

/** A random Xrfkey: 16 characters of 0-9a-zA-Z. */
function xrfkey(): string {
  const alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  return [...randomBytes(16)].map((b) => alphabet[b % alphabet.length]).join("");
}

/** A `fetch` over `node:https` that presents a client certificate (only what this reader uses: method, headers, no body). */
function certificateFetch(auth: QrsCertificateAuth): typeof fetch {
  const agent = new Agent({ cert: auth.cert, key: auth.key, ...(auth.ca ? { ca: auth.ca } : {}), keepAlive: true });
  return ((input: string | URL, init?: RequestInit) =>
    new Promise<Response>((resolve, reject) => {
      const signal = init?.signal ?? undefined;
      const req = httpsRequest(String(input), { method: init?.method ?? "GET", headers: init?.headers as Record<string, string>, agent, ...(signal ? { signal } : {}) }, (res) => {
        // A deadline passing while the body streams closes it too (fetch does the same).
        signal?.addEventListener("abort", () => res.destroy(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason))), { once: true });
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
        const status = res.statusCode ?? 0;
        const body = status === 204 || status === 304 ? null : (Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>);
        resolve(new Response(body, { status, headers }));
      });
      req.on("error", reject);
      req.end();
    })) as typeof fetch;
}

/** A TLS failure: the site refused our certificate, or we do not trust its certificate. */
function isTlsFailure(err: unknown): boolean {
  const code = String((err as { code?: unknown } | null)?.code ?? "");
  return /^ERR_SSL_|CERT|^ERR_TLS_|DEPTH_ZERO_SELF_SIGNED|UNABLE_TO_VERIFY/.test(code);
}

export interface QrsReader extends TenantReader {
  readonly source: "qseow";
}

export function createQrsReader(config: QrsReaderConfig): QrsReader {
  const host = tenantUrl(config.host);
  const auth = config.auth;
  const doFetch = config.fetch ?? (auth.type === "certificate" ? certificateFetch(auth) : fetch);
  const attempts = config.attempts ?? 3;
  const clock = config.clock ?? systemClock;
  const random = config.random ?? Math.random;
  const timeouts = resolveTimeouts(config.timeouts);
  const emit = (e: QlikClientEvent): void => {
    try {
      config.onEvent?.(e);
    } catch {
      // a listener's failure is not the reader's
    }
  };
  const key = xrfkey();
  const [userDirectory = "", userId = ""] = auth.user.split("\\");
  const headers: Record<string, string> = { "x-qlik-xrfkey": key, accept: "application/json" };
  if (auth.type === "header") headers[auth.headerName] = auth.user;
  else headers["x-qlik-user"] = `UserDirectory=${userDirectory}; UserId=${userId}`;
  const url = (path: string, query: Record<string, string> = {}): string => {
    const u = new URL(`${host}${path}`);
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
    u.searchParams.set("xrfkey", key);
    return u.toString();
  };

  let answered = false;
  async function fail(res: Response | undefined, operation: string, object: string | undefined, cause?: unknown, tries = 1): Promise<QlikApiError> {
    const status = res?.status ?? 0;
    // Over TLS 1.3 a refused client certificate reaches the client as a reset connection, not
    // as an alert: before anything ever answered, a reset is read as a refused certificate.
    const resetBeforeAnyAnswer = auth.type === "certificate" && !answered && /ECONNRESET|socket hang up/i.test(`${(cause as { code?: unknown } | null)?.code ?? ""} ${cause instanceof Error ? cause.message : ""}`);
    if (!res && (isTlsFailure(cause) || resetBeforeAnyAnswer)) {
      const why = cause instanceof Error ? cause.message : String(cause);
      return new QlikApiError({ kind: "unauthorized", status: 0, operation, object, host, detail: `the TLS handshake failed or the site closed the connection before answering — it refused the client certificate (is it signed by the site's CA?), or its own certificate is not signed by the CA given (${why})`, attempts: tries, cause });
    }
    const text = res ? (await res.text().catch(() => "")).slice(0, 500) : cause instanceof Error ? cause.message : String(cause);
    return new QlikApiError({ kind: kindOf(status), status, operation, object, host, detail: text || res?.statusText, attempts: tries, cause });
  }

  /**
   * One request and the reading of its answer (`read`) under the deadline of `kind`, retried on
   * transient failures, a passed deadline included (never for the one-time download).
   */
  async function request<T>(method: string, path: string, query: Record<string, string>, operation: string, object: string | undefined, read: (res: Response) => Promise<T>, kind: TimeoutKind = "request"): Promise<T> {
    // The QRS path as called, without the site and prefix (the message names the host).
    const what = `${method} ${path}`;
    const limitMs = limitOf(timeouts, kind);
    return retry(
      async (i) => {
        return await withDeadline(
          async ({ signal }) => {
            let res: Response;
            try {
              res = await doFetch(url(path, query), { method, headers, signal });
              answered = true;
            } catch (err) {
              throw await fail(undefined, operation, object, err, i);
            }
            if (!res.ok) throw await fail(res, operation, object, undefined, i);
            return await read(res);
          },
          {
            kind,
            limitMs,
            noticeMs: timeouts.noticeMs,
            onNotice: (waitedMs) => emit({ type: "waiting", operation, what, host, ...(object ? { object } : {}), attempt: i, kind, waitedMs, limitMs }),
            what: `${what}${object ? ` for ${object}` : ""}`,
          },
        );
      },
      {
        clock,
        delayAfter: (e, i) => {
          // Anything else (an answer that is not JSON) is not retried, as before.
          if (!(e instanceof QlikApiError) && !(e instanceof CallTimeoutError)) throw e;
          const last = e instanceof CallTimeoutError ? classify(e, { operation, host, object }).with({ attempts: i }) : e;
          if (!last.retryable || i >= attempts) throw last;
          return backoffDelay(i, QRS_BACKOFF, random);
        },
      },
    );
  }

  async function getJson<T>(path: string, query: Record<string, string>, operation: string, object?: string): Promise<T> {
    return request("GET", path, query, operation, object, async (res) => (await res.json()) as T);
  }

  let me: Promise<CallerInfo> | undefined;
  const apps = new Map<string, QrsAppJson>();

  async function app(appId: string): Promise<QrsAppJson> {
    const known = apps.get(appId);
    if (known) return known;
    const a = await getJson<QrsAppJson>(`/qrs/app/${encodeURIComponent(appId)}`, {}, "getAppInfo", `app ${appId}`);
    apps.set(appId, a);
    return a;
  }

  async function exportOnce(appId: string, withData: boolean): Promise<AppExport> {
    const a = apps.get(appId);
    const object = a ? `app '${a.name}' (id ${appId})` : `app ${appId}`;
    const token = randomUUID();
    // Qlik builds the whole .qvf before it answers: the export's deadline is appJob's.
    const { status, body } = await request(
      "POST",
      `/qrs/app/${encodeURIComponent(appId)}/export/${token}`,
      { skipData: String(!withData), exportScope: "all" },
      "exportApp",
      object,
      async (res) => ({ status: res.status, body: (await res.json()) as { downloadPath?: string } }),
      "appJob",
    );
    if (!body.downloadPath) throw new QlikApiError({ kind: "permanent", status, operation: "exportApp", object, host, detail: "the export answered without a downloadPath" });
    // downloadPath is relative to the proxy and carries its own query (serverNodeId).
    const download = new URL(`${host}${body.downloadPath}`);
    download.searchParams.set("xrfkey", key);
    // The download may take as long as it needs while bytes move (deadline `idle`): first for
    // its headers, then (streamBody) for every stretch of its body, through a signal of its own.
    const what = `GET ${body.downloadPath.split("?")[0]}`;
    const limitMs = timeouts.idleMs;
    const waiting = (waitedMs: number, of: string): void =>
      emit({ type: "waiting", operation: "downloadTempFile", what: of, host, object, attempt: 1, kind: "idle", waitedMs, limitMs });
    const bodySignal = new AbortController();
    let file: Response;
    try {
      file = await withDeadline(({ signal }) => doFetch(download, { headers, signal: AbortSignal.any([signal, bodySignal.signal]) }), {
        kind: "idle",
        limitMs,
        idle: true,
        noticeMs: timeouts.noticeMs,
        onNotice: (waitedMs) => waiting(waitedMs, what),
        what: `${what} for ${object}`,
      });
    } catch (err) {
      throw err instanceof CallTimeoutError ? classify(err, { operation: "downloadTempFile", host, object }) : await fail(undefined, "downloadTempFile", object, err);
    }
    if (!file.ok || !file.body) throw await fail(file, "downloadTempFile", object);
    const size = parseSize(file);
    const stream = streamBody(
      { response: file, ...(size !== undefined ? { size } : {}), abort: (reason) => bodySignal.abort(reason) },
      {
        // Never called: onTruncated gives up first (the file can be downloaded only once).
        open: () => Promise.reject(new Error("a QRS export cannot be downloaded twice")),
        idle: { ms: limitMs, noticeMs: timeouts.noticeMs, what: `${what} for ${object}`, onNotice: (waitedMs, received) => waiting(waitedMs, `data of ${what} (${received} bytes so far)`) },
        onFinish: () => undefined,
        emptyError: () => new QlikApiError({ kind: "permanent", operation: "downloadTempFile", host, object, detail: "the exported file was empty (0 bytes), not a .qvf; back up this app again later" }),
        async onTruncated(received, expected, _resumes, cause) {
          // A stalled body (CallTimeoutError) or one cut short: transient, named; the next run exports again.
          throw cause instanceof CallTimeoutError
            ? classify(cause, { operation: "downloadTempFile", host, object })
            : new QlikApiError({
                kind: "transient",
                operation: "downloadTempFile",
                host,
                object,
                status: 0,
                detail: `the download broke off after ${received} of ${expected ?? "?"} bytes${cause instanceof Error && cause.message ? ` (${cause.message})` : ""}`,
                cause,
              });
        },
      },
    );
    return { body: stream, ...(size !== undefined ? { size } : {}) };
  }

  return {
    source: "qseow",
    host,
    coverageGaps() {
      return [
        {
          layer: "apps",
          description:
            `${host} is client-managed: the load script of each app is inside its app.qvf only (QRS has no script endpoint), ` +
            "so script.qvs is empty and script-history.json lists nothing (client-managed keeps no script history).",
        },
        {
          layer: "objects",
          description:
            `${host} is client-managed: objects are recorded from QRS (engineObjectId, type, owner, approved/published, contentHash); ` +
            "their property trees are inside app.qvf only (propertyTree is null), so diff names a changed object but not the changed properties.",
        },
      ];
    },
    whoAmI() {
      me ??= (async () => {
        const filter = `userDirectory eq '${userDirectory.replace(/'/g, "''")}' and userId eq '${userId.replace(/'/g, "''")}'`;
        const found = await getJson<QrsUserJson[]>("/qrs/user/full", { filter }, "whoAmI");
        const u = found[0];
        if (!u) throw new QlikApiError({ kind: "unauthorized", status: 200, operation: "whoAmI", host, detail: `the site knows no user ${auth.user}` });
        // RootAdmin and ContentAdmin read every object, private ones included: the QSEoW counterpart of Cloud's private-content bot.
        const admin = (u.roles ?? []).some((r) => r === "RootAdmin" || r === "ContentAdmin");
        return { userId: u.id, subject: subjectOf(u), name: u.name ?? u.userId, isPrivateContentBot: admin };
      })();
      return me;
    },
    async *listUsers(): AsyncIterable<UserRecord> {
      for (const u of await getJson<QrsUserJson[]>("/qrs/user/full", {}, "getUsers")) {
        const email = u.attributes?.find((a) => a.attributeType?.toLowerCase() === "email")?.attributeValue;
        yield {
          id: u.id,
          subject: subjectOf(u),
          ...(u.name ? { name: u.name } : {}),
          ...(email ? { email } : {}),
          status: u.removedExternally ? "removed" : u.blacklisted ? "blacklisted" : u.inactive ? "inactive" : "active",
          assignedRoles: (u.roles ?? []).map((name) => ({ name })),
          assignedGroups: [],
        };
      }
    },
    async *listGroups(): AsyncIterable<GroupRecord> {},
    async *listRoles(): AsyncIterable<RoleRecord> {},
    async *listSpaces(): AsyncIterable<SpaceRecord> {
      for (const s of await getJson<{ id: string; name: string; owner: QrsOwner }[]>("/qrs/stream/full", {}, "getSpaces")) {
        yield { id: s.id, name: s.name, type: "managed", description: `QSEoW stream "${s.name}"`, ownerId: s.owner.id };
      }
    },
    async *listSpaceAssignments(): AsyncIterable<AssignmentRecord> {},
    async *listApps(): AsyncIterable<AppSummary> {
      for (const a of await getJson<QrsAppJson[]>("/qrs/app/full", {}, "getItems")) {
        apps.set(a.id, a);
        yield {
          appId: a.id,
          itemId: a.id,
          name: a.name,
          ...(a.stream ? { spaceId: a.stream.id } : {}),
          spaceType: a.stream ? "managed" : "personal",
          ownerId: a.owner.id,
          ...(a.modifiedDate ? { updatedAt: a.modifiedDate } : {}),
        };
      }
    },
    async getAppInfo(appId) {
      const a = await app(appId);
      const published = a.published === true && !!a.publishTime && a.publishTime !== NEVER;
      return {
        attributes: {
          source: "qseow",
          id: a.id,
          name: a.name,
          description: a.description ?? "",
          ownerId: a.owner.id,
          owner: subjectOf(a.owner),
          createdDate: a.createdDate,
          modifiedDate: a.modifiedDate,
          ...(a.lastReloadTime && a.lastReloadTime !== NEVER ? { lastReloadTime: a.lastReloadTime } : {}),
          published,
          ...(published ? { publishTime: a.publishTime } : {}),
          ...(a.stream ? { stream: { id: a.stream.id, name: a.stream.name } } : {}),
          tags: (a.tags ?? []).map((t) => t.name),
          customProperties: (a.customProperties ?? []).map((c) => ({ name: c.definition.name, value: c.value })),
          ...(a.fileSize !== undefined ? { fileSize: a.fileSize } : {}),
          ...(a.savedInProductVersion ? { savedInProductVersion: a.savedInProductVersion } : {}),
        },
      };
    },
    async getAppScript() {
      return "";
    },
    async getAppScriptHistory(): Promise<ScriptVersionInfo[]> {
      return [];
    },
    async readAppObjects(appId) {
      const a = apps.get(appId);
      const list = await getJson<QrsObjectJson[]>("/qrs/app/object/full", { filter: `app.id eq ${appId}` }, "readAppObjects", a ? `app '${a.name}' (id ${appId})` : `app ${appId}`);
      return list
        .map((o) => {
          const published = o.published === true;
          const record: ObjectRecord & Record<string, unknown> = {
            id: o.engineObjectId,
            type: o.objectType,
            genericType: genericTypeOf(o.objectType),
            title: o.name ?? "",
            ownerId: o.owner.id,
            ownerSubject: subjectOf(o.owner),
            approved: o.approved === true,
            published,
            ...(published && o.publishTime && o.publishTime !== NEVER ? { publishTime: o.publishTime } : {}),
            // The property tree is inside app.qvf (see the module comment).
            propertyTree: null,
            source: "qrs",
            repositoryId: o.id,
            ...(o.contentHash ? { contentHash: o.contentHash } : {}),
            ...(o.description ? { description: o.description } : {}),
          };
          return record;
        })
        .sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    },
    async exportApp(appId, opts) {
      // One retry with a fresh export: the file of a failed download cannot be fetched again.
      try {
        return await exportOnce(appId, opts.withData);
      } catch (err) {
        if (err instanceof QlikApiError && err.retryable) return exportOnce(appId, opts.withData);
        throw err;
      }
    },
  };
}
