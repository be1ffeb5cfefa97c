/**
 * One error vocabulary for every package. Each error Lifeboat raises is a `LifeboatError`
 * (or a subclass) with a `code` from `ERROR_CODES` saying what kind of failure it is, and
 * the facts a reader needs: what it is about (`object`), where (`place`: a tenant host, a
 * repository, a file, a step), and what to do next (`next`). The message already says all
 * of that in a sentence; the fields are for programs (logs, the service's answers).
 *
 * What a code means to a user is decided once, at the edge: the CLI maps codes to exit codes
 * (`exitCodeFor`, packages/cli/src/errors.ts), the service (later) maps them to HTTP
 * statuses in its one error handler. Libraries never carry exit codes or HTTP statuses.
 *
 * ```ts
 * throw new LifeboatError("not-found", `no run with id ${id} in the run history; list runs to find its id`, { object: `run ${id}` });
 * if (errorCodeOf(err) === "damaged") …
 * ```
 */

/** Every code, with what it means. Add one only when no existing code says it. */
export const ERROR_CODES = {
  /** The input is wrong (a flag, an argument, a config value, a plan file, a selection that matches nothing): nothing was done; correct the input. */
  usage: "the input is wrong; nothing was done",
  /** A setting that names where or how to work cannot be used as it is (a repository URL without a bucket, a path that is a file, a repository format newer than this Lifeboat): fix the setting. */
  config: "a setting cannot be used as it is",
  /** Credentials were rejected or are missing (an API key, an OAuth client, a repository password). */
  auth: "the credentials were rejected or are missing",
  /** The caller may not do this (a missing permission or scope), or the storage refuses writes (read-only). */
  forbidden: "not allowed",
  /** What was named does not exist (anymore): an app on a tenant, a file in a repository, a path in a snapshot, a run. */
  "not-found": "it does not exist",
  /** The state changed or clashes: a name is taken, a location is in use, something changed between reading and writing (run it again, or make a new plan). */
  conflict: "the state changed or clashes",
  /** The other side's rate limit was still exceeded after retrying. */
  "rate-limited": "rate limit exceeded",
  /** A temporary failure of the tenant, the network or the storage that outlasted the retries: try again later. */
  transient: "a temporary failure; try again later",
  /** A call took longer than its deadline. */
  timeout: "a deadline passed",
  /** The other side could not be reached at all: the host name does not resolve, nothing listens, the port is refused. */
  unreachable: "the host could not be reached",
  /** The other side answered but refused the request as it is; retrying the same request will not help. */
  rejected: "the request was refused",
  /** A lock stands in the way: another process holds it (a repository, a tenant's restore, the run history), or ours was lost. */
  locked: "locked by another process",
  /** Stored data failed its check (hash, authentication, a missing entry): running again reads the same damage. */
  damaged: "stored data is damaged",
  /** A restore's read-back differs from the snapshot. */
  mismatch: "the result differs from what was expected",
  /** Some items failed, the rest was done (run it again to finish). */
  partial: "some items failed, the rest was done",
  /** The run was stopped (an abort signal, the user). */
  cancelled: "the run was stopped",
  /** Anything else: a broken invariant (a bug), or a failure no other code describes. Errors without a code of ours count as this. */
  internal: "an unexpected failure",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The structured facts of an error; each one is also said in its message. */
export interface ErrorFacts {
  /** What the error is about, e.g. "app 'Sales' (id 6a1…)", "index/3f2…", "run 42". */
  object?: string;
  /** Where: a tenant host, a repository location, a file, a restore step. */
  place?: string;
  /** The next step for the user, e.g. "run 'lifeboat verify --read-data'". */
  next?: string;
  /** The error this one explains. */
  cause?: unknown;
}

export class LifeboatError extends Error {
  readonly code: ErrorCode;
  // Declared only: a fact not given is absent from the error, not `undefined` (logs, JSON).
  declare readonly object?: string;
  declare readonly place?: string;
  declare readonly next?: string;

  constructor(code: ErrorCode, message: string, facts: ErrorFacts = {}) {
    super(message, facts.cause === undefined ? undefined : { cause: facts.cause });
    this.name = "LifeboatError";
    this.code = code;
    if (facts.object !== undefined) this.object = facts.object;
    if (facts.place !== undefined) this.place = facts.place;
    if (facts.next !== undefined) this.next = facts.next;
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ERROR_CODES, value);
}

/**
 * Whether `err` is one of ours: a `LifeboatError`, or an error from another copy of this
 * module (two installs of a package) that carries one of our codes.
 */
export function isLifeboatError(err: unknown): err is LifeboatError {
  return err instanceof LifeboatError || (err instanceof Error && isErrorCode((err as { code?: unknown }).code));
}

/** The code of any thrown value: its own code when it carries one of ours, else `internal`. */
export function errorCodeOf(err: unknown): ErrorCode {
  const code = err !== null && typeof err === "object" ? (err as { code?: unknown }).code : undefined;
  return isErrorCode(code) ? code : "internal";
}
