/**
 * The repository's error classes. Each carries a `code` the CLI maps to an exit code
 * (`exitCode` follows the CLI's convention: 1 error, 4 damage).
 */

/** A named file does not exist in the backend. The only error meaning "not found". */
export class NotFoundError extends Error {
  readonly code = "NOT_FOUND";
  constructor(readonly file: string, where: string) {
    super(`${file} not found in ${where}`);
    this.name = "NotFoundError";
  }
}

/** A problem the user must fix (bad location, wrong password, missing password...). */
export class RepositoryError extends Error {
  readonly exitCode: number = 1;
  constructor(message: string, readonly code: string) {
    super(message);
    this.name = "RepositoryError";
  }
}

/** Stored data is damaged (hash mismatch, authentication failure, truncated file). */
export class DamageError extends Error {
  readonly exitCode = 4;
  readonly code = "DAMAGED";
  constructor(message: string, readonly file?: string) {
    super(message);
    this.name = "DamageError";
  }
}

/** The repository is locked by another process. */
export class LockedError extends Error {
  readonly exitCode = 1;
  readonly code = "LOCKED";
  constructor(message: string) {
    super(message);
    this.name = "LockedError";
  }
}

/**
 * The storage refused a write (read-only file system, immutable directory, S3 AccessDenied):
 * raised where a lock or data would be written. Readers can run with --no-lock.
 */
export class ReadOnlyError extends RepositoryError {
  constructor(message: string) {
    super(message, "READ_ONLY");
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
