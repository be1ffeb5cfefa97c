/**
 * The repository's error classes. Each is a `LifeboatError` (@lifeboat/model) with a code
 * of the shared vocabulary; `RepositoryError` also keeps its finer `reason` (e.g.
 * "NO_SNAPSHOT") for tests and logs. What a code means to a user (an exit code, an HTTP
 * status) is decided by the CLI and the service, not here.
 */
import { LifeboatError, type ErrorCode, type ErrorFacts } from "@lifeboat/model";

/** A named file does not exist in the backend. The only error meaning "not found". */
export class NotFoundError extends LifeboatError {
  constructor(readonly file: string, where: string) {
    super("not-found", `${file} not found in ${where}`, { object: file, place: where });
    this.name = "NotFoundError";
  }
}

/** Why a `RepositoryError` was raised, and the code each reason carries. */
const REASONS = {
  /** A repository URL that cannot be used (no endpoint or bucket, an unknown scheme). */
  BAD_URL: "config",
  /** No repository was given at all. */
  NO_REPO: "config",
  /** The repository path is a file, or inside one. */
  NOT_A_DIRECTORY: "config",
  /** The repository's format is newer than this Lifeboat. */
  VERSION: "config",
  /** No password was given for an encrypted repository. */
  NO_PASSWORD: "auth",
  /** The password opens none of the key files. */
  WRONG_PASSWORD: "auth",
  /** Nothing at the location (create it with init). */
  NO_REPOSITORY: "not-found",
  /** Something at the location, but no repository config. */
  NOT_A_REPOSITORY: "not-found",
  /** The S3 bucket does not exist. */
  NO_BUCKET: "not-found",
  /** init: a repository already exists there. */
  EXISTS: "conflict",
  /** init: the location holds other files. */
  NOT_EMPTY: "conflict",
  /** verify without a lock: the repository changed while it was read (a prune elsewhere?). */
  CHANGED: "conflict",
  /** Read without a lock, an entry is in no index: a concurrent forget + prune may have removed it (run it again). */
  MISSING_UNLOCKED: "conflict",
  /** The argument names no snapshot (none yet, no such id). */
  NO_SNAPSHOT: "usage",
  /** The argument is not a snapshot id. */
  BAD_ID: "usage",
  /** The snapshot prefix matches more than one. */
  AMBIGUOUS: "usage",
  /** Our lock could not be refreshed for too long; another process may be using the repository. */
  LOCK_EXPIRED: "locked",
  /** Stored data failed its check (a damaged index or snapshot). */
  DAMAGED: "damaged",
  /** Under a lock, an entry a snapshot needs is in no index. */
  MISSING: "damaged",
  /** Saving a pack failed (the storage's error is in the message). */
  UPLOAD_FAILED: "transient",
  /** The storage refuses writes. */
  READ_ONLY: "forbidden",
  /** The repository was used after it was closed (a bug). */
  CLOSED: "internal",
  /** A tree with two entries of one name (a bug in the caller). */
  DUPLICATE_NAME: "internal",
} as const satisfies Record<string, ErrorCode>;

export type RepositoryErrorReason = keyof typeof REASONS;

/** A problem with the repository or its use: the `reason` says which, the `code` what kind. */
export class RepositoryError extends LifeboatError {
  constructor(
    message: string,
    readonly reason: RepositoryErrorReason,
    facts: ErrorFacts = {},
  ) {
    super(REASONS[reason], message, facts);
    this.name = "RepositoryError";
  }
}

/** Stored data is damaged (hash mismatch, authentication failure, truncated file). */
export class DamageError extends LifeboatError {
  constructor(message: string, readonly file?: string) {
    super("damaged", message, file === undefined ? {} : { object: file });
    this.name = "DamageError";
  }
}

/** The repository is locked by another process. */
export class LockedError extends LifeboatError {
  constructor(message: string, facts: ErrorFacts = {}) {
    super("locked", message, facts);
    this.name = "LockedError";
  }
}

/**
 * The storage refused a write (read-only file system, immutable directory, S3 AccessDenied):
 * raised where a lock or data would be written. Readers can run with --no-lock.
 */
export class ReadOnlyError extends RepositoryError {
  constructor(message: string, facts: ErrorFacts = {}) {
    super(message, "READ_ONLY", facts);
    this.name = "ReadOnlyError";
  }
}

/** Whether a storage error means "this location refuses writes" rather than a failure to retry. */
export function isReadOnlyStorageError(err: unknown): boolean {
  const e = err as { code?: string; name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  if (!e || typeof e !== "object") return false;
  if (e.code === "EROFS" || e.code === "EACCES" || e.code === "EPERM") return true;
  return e.name === "AccessDenied" || e.Code === "AccessDenied" || e.$metadata?.httpStatusCode === 403;
}
