/**
 * JSON-RPC 2.0 as the QIX engine speaks it: requests `{jsonrpc, id, handle, method, params}`
 * (params positional or named), responses `{jsonrpc, id, result}` or
 * `{jsonrpc, id, error: {code, parameter, message}}`, plus `change`/`close` handle lists
 * piggy-backed on responses or pushed on their own.
 *
 * Error codes are the engine's: JSON-RPC's own (-32700 … -32603) for malformed frames and
 * `NxLocalizedErrorCode` values (qix-engine-api.json) for engine failures.
 */

export const ErrorCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** LOCERR_GENERIC_NOT_FOUND */
  NOT_FOUND: 2,
  /** LOCERR_GENERIC_ALREADY_EXISTS */
  ALREADY_EXISTS: 3,
  /** LOCERR_GENERIC_ACCESS_DENIED */
  ACCESS_DENIED: 5,
  /** LOCERR_GENERIC_INVALID_PARAMETERS */
  INVALID_PARAMETERS: 8,
  /** LOCERR_APP_NOT_FOUND */
  APP_NOT_FOUND: 1003,
  /** LOCERR_APP_SAVE_FAILED */
  APP_SAVE_FAILED: 1005,
} as const;

/** An engine error as it leaves in a response's `error` member. */
export class QixError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly parameter = "",
  ) {
    super(message);
    this.name = "QixError";
  }

  toJSON(): { code: number; parameter: string; message: string } {
    return { code: this.code, parameter: this.parameter, message: this.message };
  }
}

export const objectNotFound = (id: string): QixError => new QixError(ErrorCode.NOT_FOUND, "Object not found", id);
export const accessDenied = (what: string): QixError => new QixError(ErrorCode.ACCESS_DENIED, "Access denied", what);
export const invalidParams = (parameter: string): QixError =>
  new QixError(ErrorCode.INVALID_PARAMS, "Invalid Params", parameter);

export type RequestId = number | string;

export interface RpcRequest {
  id: RequestId;
  handle: number;
  method: string;
  params: unknown;
}

/**
 * Parses one text frame. Returns the request, or an error response to send back, or
 * `undefined` for frames to drop silently (notifications: a method without an id).
 */
export function parseFrame(text: string): { request: RpcRequest } | { error: QixError; id: RequestId | null } | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { error: new QixError(ErrorCode.PARSE_ERROR, "Parse error"), id: null };
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return { error: new QixError(ErrorCode.INVALID_REQUEST, "Invalid Request"), id: null };
  }
  const frame = data as Record<string, unknown>;
  const id = frame.id;
  const validId = typeof id === "number" || typeof id === "string";
  if (id === undefined && typeof frame.method === "string") return undefined;
  if (!validId) return { error: new QixError(ErrorCode.INVALID_REQUEST, "Invalid Request", "id"), id: null };
  if (typeof frame.method !== "string" || frame.method === "") {
    return { error: new QixError(ErrorCode.INVALID_REQUEST, "Invalid Request", "method"), id };
  }
  const handle = frame.handle ?? -1;
  if (typeof handle !== "number" || !Number.isInteger(handle)) {
    return { error: new QixError(ErrorCode.INVALID_REQUEST, "Invalid Request", "handle"), id };
  }
  const params = frame.params ?? [];
  if (typeof params !== "object" || params === null) {
    return { error: invalidParams("params"), id };
  }
  // The method handlers walk, clone and compare params recursively; refuse absurd nesting
  // here instead of overflowing the stack in them (an internal error).
  if (nestingDepth(params, MAX_PARAMS_DEPTH) > MAX_PARAMS_DEPTH) {
    return { error: invalidParams(`params (nested deeper than ${MAX_PARAMS_DEPTH} levels)`), id };
  }
  return { request: { id, handle, method: frame.method, params } };
}

/** Real property trees nest a few dozen levels; this leaves ample room. */
export const MAX_PARAMS_DEPTH = 512;

/** Depth of nested objects/arrays, without recursion; stops counting past `limit`. */
function nestingDepth(value: unknown, limit: number): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    if (depth > max) max = depth;
    if (max > limit) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
  }
  return max;
}

/**
 * Named access to a request's params, positional or by name: `names` lists the method's
 * parameters in the order of the OpenRPC spec.
 */
export class Params {
  private readonly values: Record<string, unknown>;

  constructor(raw: unknown, names: readonly string[]) {
    if (Array.isArray(raw)) {
      this.values = {};
      names.forEach((name, i) => {
        if (i < raw.length) this.values[name] = raw[i];
      });
    } else {
      this.values = { ...(raw as Record<string, unknown>) };
    }
  }

  private get(name: string, required: boolean): unknown {
    const v = this.values[name];
    if (required && (v === undefined || v === null)) throw invalidParams(name);
    return v ?? undefined;
  }

  string(name: string): string;
  string(name: string, required: false): string | undefined;
  string(name: string, required = true): string | undefined {
    const v = this.get(name, required);
    if (v === undefined) return undefined;
    if (typeof v !== "string") throw invalidParams(name);
    return v;
  }

  number(name: string): number;
  number(name: string, required: false): number | undefined;
  number(name: string, required = true): number | undefined {
    const v = this.get(name, required);
    if (v === undefined) return undefined;
    if (typeof v !== "number" || !Number.isFinite(v)) throw invalidParams(name);
    return v;
  }

  boolean(name: string, required = false): boolean | undefined {
    const v = this.get(name, required);
    if (v === undefined) return undefined;
    if (typeof v !== "boolean") throw invalidParams(name);
    return v;
  }

  object(name: string): Record<string, unknown>;
  object(name: string, required: false): Record<string, unknown> | undefined;
  object(name: string, required = true): Record<string, unknown> | undefined {
    const v = this.get(name, required);
    if (v === undefined) return undefined;
    if (typeof v !== "object" || v === null || Array.isArray(v)) throw invalidParams(name);
    return v as Record<string, unknown>;
  }

  array(name: string): unknown[] {
    const v = this.get(name, true);
    if (!Array.isArray(v)) throw invalidParams(name);
    return v;
  }

  optionalArray(name: string): unknown[] | undefined {
    const v = this.get(name, false);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) throw invalidParams(name);
    return v;
  }
}
