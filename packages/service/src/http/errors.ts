/**
 * The service's one error handler: every error becomes an HTTP status chosen by its
 * `LifeboatError` code (`errorCodeOf`, @lifeboat/model) and a JSON body shaped like Qlik
 * Cloud's REST errors (`{ errors: [{ code, title, detail, status }], traceId }`, as in the
 * 2025 REST spec's `Errors` schemas), with Lifeboat's facts in `meta`: the object, the place
 * and the next step. An error without a code of ours is `internal` (500) and its message is
 * not sent (it may hold anything); the trace id finds it in the service's log.
 */
import { randomUUID } from "node:crypto";
import { ERROR_CODES, errorCodeOf, isLifeboatError, type ErrorCode } from "@lifeboat/model";
import { z } from "zod";
import { InvalidInputError } from "../errors.ts";

export const STATUS_OF: Record<ErrorCode, number> = {
  usage: 400,
  config: 422,
  auth: 401,
  forbidden: 403,
  "not-found": 404,
  conflict: 409,
  "rate-limited": 429,
  transient: 503,
  timeout: 504,
  unreachable: 502,
  rejected: 502,
  locked: 409,
  damaged: 500,
  mismatch: 500,
  partial: 500,
  cancelled: 409,
  internal: 500,
};

export const errorBodySchema = z
  .object({
    errors: z.array(
      z.object({
        code: z.string().describe("LIFEBOAT-<error code>, e.g. LIFEBOAT-not-found"),
        title: z.string().describe("what the code means"),
        detail: z.string().describe("the message: names the object, the place and the next step"),
        status: z.string().describe("the HTTP status, as Qlik writes it"),
        meta: z
          .object({
            object: z.string().optional(),
            place: z.string().optional(),
            next: z.string().optional(),
            issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
            retryAfterSeconds: z.number().optional(),
          })
          .optional(),
      }),
    ),
    traceId: z.string(),
  })
  .describe("an error, in Qlik Cloud's REST error shape");
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** Status and body for any thrown value. */
export function errorResponse(err: unknown, traceId: string = randomUUID()): { status: number; body: ErrorBody } {
  const code = errorCodeOf(err);
  const status = STATUS_OF[code];
  const ours = isLifeboatError(err);
  const e = err as { message?: string; object?: string; place?: string; next?: string; retryAfterSeconds?: number };
  const meta: NonNullable<ErrorBody["errors"][number]["meta"]> = {};
  if (ours && e.object) meta.object = e.object;
  if (ours && e.place) meta.place = e.place;
  if (ours && e.next) meta.next = e.next;
  if (err instanceof InvalidInputError) meta.issues = err.issues;
  if (typeof e.retryAfterSeconds === "number") meta.retryAfterSeconds = e.retryAfterSeconds;
  const detail = ours ? String(e.message) : `an unexpected failure; the service's log has it under trace id ${traceId}`;
  return {
    status,
    body: { errors: [{ code: `LIFEBOAT-${code}`, title: ERROR_CODES[code], detail, status: String(status), ...(Object.keys(meta).length ? { meta } : {}) }], traceId },
  };
}
