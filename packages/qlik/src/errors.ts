/**
 * One error class for everything the connector can fail with, classified from
 * `@qlik/api`'s thrown `{ status, headers, data }` (docs/qlik-surface.md, "Rate limits, retries, errors") or from Node's network
 * errors, in one place (`classify`). `kind` says how to retry; `code` is the shared error
 * vocabulary (@lifeboat/model), derived from the kind and status (`codeOfKind`), which the
 * CLI maps to exit codes and text; the engine records the message per item in the manifest.
 */

import { LifeboatError, type ErrorCode } from "@lifeboat/model";
import { CallTimeoutError } from "./internal/timeouts.ts";

export type QlikErrorKind = "not-found" | "forbidden" | "unauthorized" | "rate-limited" | "transient" | "permanent";

export interface QlikErrorFields {
  kind: QlikErrorKind;
  /** HTTP status when there was a response; 0 for network failures; undefined for QIX errors. */
  status?: number;
  /** Our operation name, e.g. "exportApp" (see `operations.ts`). */
  operation: string;
  /** What the operation was about, e.g. "app 'Sales' (id 6a1…)". */
  object?: string;
  /** The tenant, e.g. "https://acme.eu.qlikcloud.com". */
  host: string;
  /** Qlik's error code from the body, e.g. "HTTP-429", "USERS-7", a QIX error code, or the network error's code ("ECONNRESET"). Not the shared `code`. */
  qlikCode?: string;
  /** Qlik's title/detail, or the network error text. */
  detail?: string;
  /** For rate-limited: how long Qlik asked us to wait. */
  retryAfterMs?: number;
  /** How many attempts were made before giving up. */
  attempts?: number;
}

/**
 * The shared code of a connector failure: the kind says what Qlik answered; a failure with
 * no answer at all (status 0) is `unreachable` unless the kind says more.
 */
export function codeOfKind(kind: QlikErrorKind, status: number | undefined): ErrorCode {
  switch (kind) {
    case "unauthorized":
      return "auth";
    case "forbidden":
      return "forbidden";
    case "not-found":
      return "not-found";
    case "rate-limited":
      return "rate-limited";
    case "transient":
      return status === 0 ? "unreachable" : "transient";
    case "permanent":
      return status === 0 ? "unreachable" : status === 409 ? "conflict" : "rejected";
  }
}

/**
 * Errors name the object, the place and the next step:
 * "could not export app 'Sales' (id 6a1…) on https://acme.eu.qlikcloud.com: 403 Forbidden — …".
 * `place` is the tenant host, `next` the next step the message ends with.
 */
export class QlikApiError extends LifeboatError implements QlikErrorFields {
  readonly kind: QlikErrorKind;
  readonly status?: number;
  readonly operation: string;
  readonly host: string;
  readonly qlikCode?: string;
  readonly detail?: string;
  readonly retryAfterMs?: number;
  readonly attempts?: number;

  /** `code` only when the kind and status do not say it (a deadline that passed: `timeout`). */
  constructor(fields: QlikErrorFields & { message?: string; cause?: unknown; code?: ErrorCode }) {
    super(fields.code ?? codeOfKind(fields.kind, fields.status), fields.message ?? describe(fields), {
      ...(fields.object === undefined ? {} : { object: fields.object }),
      place: fields.host,
      next: nextStep(fields),
      cause: fields.cause,
    });
    this.name = "QlikApiError";
    this.kind = fields.kind;
    this.status = fields.status;
    this.operation = fields.operation;
    this.host = fields.host;
    this.qlikCode = fields.qlikCode;
    this.detail = fields.detail;
    this.retryAfterMs = fields.retryAfterMs;
    this.attempts = fields.attempts;
  }

  /** A copy with more context (object name, attempts) once the caller knows it. */
  with(extra: Partial<QlikErrorFields>): QlikApiError {
    const fields: QlikErrorFields = { ...this.fieldsOf(), ...extra };
    const code = this.code === codeOfKind(this.kind, this.status) ? undefined : this.code;
    return new QlikApiError({ ...fields, cause: this.cause, ...(code ? { code } : {}) });
  }

  /** Whether retrying the same request may succeed. */
  get retryable(): boolean {
    return this.kind === "transient" || this.kind === "rate-limited";
  }

  private fieldsOf(): QlikErrorFields {
    const { kind, status, operation, object, host, qlikCode, detail, retryAfterMs, attempts } = this;
    return { kind, status, operation, object, host, qlikCode, detail, retryAfterMs, attempts };
  }
}

/**
 * Why a call got no answer (code `unreachable` or `timeout`), in plain words with the raw
 * reason in parentheses: "connection refused: nothing listens at that address and port
 * (fetch failed - connect ECONNREFUSED 127.0.0.1:9)". Read from the detail `classify` kept,
 * here, so that no caller matches network error strings again.
 */
export function unreachableReason(err: Pick<QlikApiError, "detail" | "message">): string {
  const raw = (err.detail ?? err.message).replace(/;\s*check the [^;]*$/i, "").replace(/^host not found \((.*)\)$/, "$1");
  if (/ECONNREFUSED/.test(raw)) return `connection refused: nothing listens at that address and port (${raw})`;
  if (/ENOTFOUND|EAI_AGAIN/.test(raw)) return `the host name does not resolve (${raw})`;
  if (/ETIMEDOUT|timed? ?out/i.test(raw)) return `the connection timed out (${raw})`;
  return raw;
}

export function isQlikApiError(e: unknown): e is QlikApiError {
  return e instanceof QlikApiError;
}

/** What each operation does, as a verb phrase for messages ("could not <phrase> <object>"). */
const PHRASES: Record<string, string> = {
  oauthToken: "get an OAuth access token from",
  whoAmI: "read the calling user of",
  getMyUser: "read the calling user of",
  getUsers: "list users of",
  getGroups: "list groups of",
  getRoles: "list roles of",
  getSpaces: "list spaces of",
  getSpaceAssignments: "list the members of",
  getItems: "list apps of",
  getAppInfo: "read",
  getAppScript: "read the script of",
  getAppScriptHistory: "read the script history of",
  exportApp: "export",
  downloadTempFile: "download the export of",
  readAppObjects: "read the objects of",
  createUser: "create",
  createSpace: "create",
  createSpaceAssignment: "assign a member to",
  uploadTempFile: "upload the file for",
  importApp: "import",
  updateAppOwner: "change the owner of",
  updateAppObjectOwner: "change the owner of",
  publishApp: "publish",
  republishApp: "republish",
  moveAppToSpace: "move",
  removeAppFromSpace: "remove from its space",
  copyApp: "copy",
  deleteApp: "delete",
  editApp: "change the objects of",
  // integration kinds (resources/integration.ts)
  getWebhooks: "list webhooks of",
  getWebhook: "read",
  createWebhook: "create",
  patchWebhook: "change",
  updateWebhook: "replace",
  getWebIntegrations: "list web integrations of",
  getWebIntegration: "read",
  createWebIntegration: "create",
  patchWebIntegration: "change",
  getCSPEntries: "list CSP origins of",
  getCSPEntry: "read",
  createCSPEntry: "create",
  updateCSPEntry: "change",
  getOAuthClients: "list OAuth clients of",
  getOAuthClient: "read",
  createOAuthClient: "create",
  patchOAuthClient: "change",
  publishOAuthClient: "publish",
  getApiKeysConfig: "read",
  patchApiKeysConfig: "change",
  // appearance and knowledge (resources/appearance.ts, resources/knowledge.ts)
  getThemes: "list",
  getExtensions: "list",
  downloadTheme: "download the archive of",
  downloadExtension: "download the archive of",
  uploadTheme: "upload",
  uploadExtension: "upload",
  patchTheme: "update",
  patchExtension: "update",
  getBrands: "list",
  getBrand: "read",
  getBrandFile: "download",
  createBrand: "create",
  patchBrand: "update",
  activateBrand: "activate",
  deactivateBrand: "deactivate",
  createBrandFile: "upload",
  updateBrandFile: "replace",
  deleteBrandFile: "delete",
  getGlossaries: "list",
  exportGlossary: "export",
  getGlossaryTerms: "list the terms of",
  getGlossaryCategories: "list the categories of",
  importGlossary: "import",
  updateGlossary: "update",
  createGlossaryCategory: "create",
  updateGlossaryCategory: "update",
  deleteGlossaryCategory: "delete",
  createGlossaryTerm: "create",
  updateGlossaryTerm: "update",
  deleteGlossaryTerm: "delete",
  changeGlossaryTermStatus: "change the status of",
};

function describe(f: QlikErrorFields): string {
  const verb = PHRASES[f.operation] ?? `call ${f.operation} on`;
  const what = f.object ? `${verb} ${f.object}` : verb.replace(/ (of|on)$/, "");
  const where = f.object || / (of|on)$/.test(verb) ? ` on ${f.host}` : ` ${f.host}`;
  const status = f.status === undefined ? "" : f.status === 0 ? " (no response)" : ` (${f.status}${f.qlikCode ? ` ${f.qlikCode}` : ""})`;
  const detail = f.detail ? `: ${f.detail}` : "";
  const attempts = f.attempts && f.attempts > 1 ? ` after ${f.attempts} attempts` : "";
  return `could not ${what}${where}${status}${attempts}${detail} — ${nextStep(f)}`;
}

/** The next step for the reader of the message. */
function nextStep(f: QlikErrorFields): string {
  switch (f.kind) {
    case "unauthorized":
      return "the credentials were rejected: check the API key, or the OAuth client id and secret, for this tenant";
    case "forbidden":
      if (["exportApp", "downloadTempFile", "readAppObjects", "editApp", "updateAppObjectOwner"].includes(f.operation))
        return "the caller lacks permission on this app; to reach every user's content use an OAuth client with the admin.apps and admin_classic scopes (a private-content bot)";
      return "the caller lacks permission for this; use a tenant admin API key or an OAuth client with the needed scopes";
    case "not-found":
      // An export's temporary file lives a limited time (410 Gone once expired): not the app's fault.
      // (A 410 from another operation — a theme or extension deleted since it was listed — is the next line's case.)
      if (f.operation === "downloadTempFile" || (f.status === 410 && f.operation === "exportApp"))
        return (
          "the export's temporary file expired on the tenant before its download finished (Qlik keeps it only for a limited time, " +
          "and Lifeboat already exported again when a fresh file was gone); the app is recorded as failed and the next backup exports it afresh — " +
          "run the backup again, and if this recurs the downloads are too slow for the file's lifetime: check the network speed to the tenant"
        );
      return "it does not exist on the tenant (deleted or moved since it was listed?); list again and retry";
    case "rate-limited":
      return "Qlik's rate limit was still exceeded after retrying; try again later, when other clients of the tenant are quieter";
    case "transient":
      return "the tenant or network kept failing; try again later";
    case "permanent":
      return "the request was rejected as shown; this will not succeed by retrying";
  }
}

/** The parts of a thrown `@qlik/api` `InvokeFetchError` (or anything else) we look at. */
interface ThrownLike {
  status?: unknown;
  headers?: unknown;
  data?: unknown;
  message?: unknown;
  code?: unknown;
  cause?: unknown;
  errors?: unknown;
  name?: unknown;
}

/** Qlik's error body `{errors:[{code,title,detail,status}]}` or the flat variant. */
export function qlikErrorInfo(data: unknown): { code?: string; detail?: string } {
  if (!data || typeof data !== "object") return typeof data === "string" && data.length > 0 && data.length < 500 ? { detail: data } : {};
  const d = data as { errors?: unknown; code?: unknown; title?: unknown; detail?: unknown };
  const first = Array.isArray(d.errors) ? (d.errors[0] as Record<string, unknown> | undefined) : (d as Record<string, unknown>);
  if (!first) return {};
  const code = typeof first.code === "string" ? first.code : undefined;
  const title = typeof first.title === "string" ? first.title : undefined;
  const detail = typeof first.detail === "string" ? first.detail : undefined;
  const text = [title, detail].filter(Boolean).join(": ");
  return { code, detail: text || undefined };
}

/** `Retry-After` as milliseconds (integer seconds per Qlik; an HTTP date is accepted too). */
export function retryAfterMs(headers: unknown, nowMs: number): number | undefined {
  let raw: string | null | undefined;
  if (headers && typeof (headers as Headers).get === "function") raw = (headers as Headers).get("retry-after");
  else if (headers && typeof headers === "object") raw = (headers as Record<string, string>)["retry-after"];
  if (!raw) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

const NETWORK_CODES = /ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|EAI_AGAIN|UND_ERR_SOCKET|UND_ERR_CLOSED|other side closed|socket hang up|terminated|fetch failed|network|aborted/i;

/** Node's fetch refuses some ports outright (the fetch standard's "bad ports": 1, 7, 9, 22, 25, …); no retry helps. */
const BAD_PORT = /\bbad port\b/i;
const BAD_PORT_DETAIL = "Node's fetch refuses to connect to this port (it is on the fetch standard's list of blocked ports); check the port in the tenant URL";

/** Maps an HTTP status to a kind. */
export function kindOfStatus(status: number): QlikErrorKind {
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404 || status === 410) return "not-found";
  if (status === 429) return "rate-limited";
  if (status === 0 || status === 408 || status === 500 || status === 502 || status === 503 || status === 504) return "transient";
  return "permanent";
}

/**
 * Classifies anything a call threw into a `QlikApiError`. `@qlik/api` throws
 * `InvokeFetchError { status, headers, data }` for every status ≥ 300 and status 0 for a
 * fetch that never got a response; OAuth token failures throw `AuthorizationError { errors }`.
 */
export function classify(e: unknown, ctx: { operation: string; host: string; object?: string; nowMs?: number }): QlikApiError {
  if (e instanceof QlikApiError) return e.object || !ctx.object ? e : e.with({ object: ctx.object });
  // A deadline passed (internal/timeouts.ts): like a reset, worth retrying.
  if (e instanceof CallTimeoutError) return new QlikApiError({ operation: ctx.operation, host: ctx.host, object: ctx.object, cause: e, kind: "transient", status: 0, code: "timeout", detail: e.message });
  const t = (e ?? {}) as ThrownLike;
  const base = { operation: ctx.operation, host: ctx.host, object: ctx.object, cause: e };
  if (typeof t.status === "number") {
    const status = t.status;
    const info = qlikErrorInfo(t.data);
    const unknownHost = status === 0 && typeof t.message === "string" && /ENOTFOUND/.test(t.message);
    const blockedPort = status === 0 && typeof t.message === "string" && BAD_PORT.test(t.message);
    const kind = unknownHost || blockedPort ? "permanent" : kindOfStatus(status);
    let detail = info.detail ?? (status === 0 && typeof t.message === "string" ? t.message : undefined);
    if (unknownHost) detail = `host not found (${String(t.message)}); check the tenant URL`;
    if (blockedPort) detail = BAD_PORT_DETAIL;
    return new QlikApiError({
      ...base,
      kind,
      status,
      qlikCode: info.code,
      detail,
      retryAfterMs: status === 429 ? (retryAfterMs(t.headers, ctx.nowMs ?? Date.now()) ?? 1000) : undefined,
    });
  }
  // @qlik/api AuthorizationError (OAuth token endpoint said no): `errors[]` with status.
  if (Array.isArray(t.errors)) {
    const info = qlikErrorInfo({ errors: t.errors });
    const first = t.errors[0] as { status?: unknown } | undefined;
    const status = typeof first?.status === "number" ? first.status : Number(first?.status) || 401;
    const byStatus = kindOfStatus(status);
    const kind: QlikErrorKind = byStatus === "forbidden" || byStatus === "rate-limited" || byStatus === "transient" ? byStatus : "unauthorized";
    return new QlikApiError({
      ...base,
      kind,
      status,
      qlikCode: info.code,
      detail: info.detail ?? String(t.message ?? ""),
      retryAfterMs: kind === "rate-limited" ? 1000 : undefined,
    });
  }
  const code = typeof t.code === "string" ? t.code : undefined;
  const cause = t.cause && typeof t.cause === "object" ? (t.cause as { code?: unknown; message?: unknown }) : undefined;
  const causeText = cause ? String(cause.code ?? cause.message ?? "") : "";
  // Node's fetch throws a bare "fetch failed" and keeps the reason (connect ECONNREFUSED …,
  // bad port, …) in its cause: keep it in the message, as @qlik/api's own fetch errors do.
  const ownMessage = typeof t.message === "string" ? t.message : String(e);
  const causeMessage = typeof cause?.message === "string" ? cause.message : "";
  const message = causeMessage && !ownMessage.includes(causeMessage) ? `${ownMessage} - ${causeMessage}` : ownMessage;
  if (BAD_PORT.test(message)) return new QlikApiError({ ...base, kind: "permanent", status: 0, qlikCode: code, detail: BAD_PORT_DETAIL });
  if (/ENOTFOUND/.test(`${code} ${message} ${causeText}`))
    return new QlikApiError({ ...base, kind: "permanent", status: 0, qlikCode: code, detail: `host not found (${message}); check the tenant URL` });
  if (NETWORK_CODES.test(`${code ?? ""} ${message} ${causeText}`)) return new QlikApiError({ ...base, kind: "transient", status: 0, qlikCode: code, detail: message });
  return new QlikApiError({ ...base, kind: "permanent", qlikCode: code, detail: message });
}
