/**
 * Qlik-shaped errors: every failure leaves the emulator as
 * `{"errors":[{"code","title","detail","status"}],"traceId"}` (API-FACTS §3), raised by
 * route code as a `QlikError` and mapped to a response in one place (`server.ts`).
 */
import { randomBytes } from "node:crypto";

export class QlikError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status} ${code}: ${title}${detail ? ` — ${detail}` : ""}`);
    this.name = "QlikError";
  }
}

export function traceId(): string {
  return randomBytes(8).toString("hex");
}

export function errorBody(err: QlikError): Record<string, unknown> {
  const item: Record<string, unknown> = { code: err.code, title: err.title, status: err.status };
  if (err.detail !== undefined) item.detail = err.detail;
  return { errors: [item], traceId: traceId() };
}

export const badRequest = (code: string, detail: string): QlikError => new QlikError(400, code, "Bad Request", detail);
export const unauthorized = (detail = "Missing or invalid Authorization Bearer token."): QlikError =>
  new QlikError(401, "HTTP-401", "Unauthorized", detail);
export const forbidden = (code: string, detail: string): QlikError => new QlikError(403, code, "Forbidden", detail);
export const notFound = (code: string, detail: string): QlikError => new QlikError(404, code, "Not Found", detail);
export const conflict = (code: string, detail: string): QlikError => new QlikError(409, code, "Conflict", detail);
