/**
 * Exit codes, one place. 0 ok · 1 error · 2 usage · 3 partial result (some items
 * failed, the rest was saved) · 4 verification found damage or a mismatch.
 */
export const EXIT = { ok: 0, error: 1, usage: 2, partial: 3, damaged: 4 } as const;

/** An error meant for the user: it names the object, the place and the next step. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.error,
  ) {
    super(message);
    this.name = "UserError";
  }
}

export function exitCodeFor(err: unknown): number {
  if (err && typeof err === "object" && "exitCode" in err && typeof err.exitCode === "number") return err.exitCode;
  return EXIT.error;
}

export function formatError(err: unknown): string {
  if (err instanceof Error) return `lifeboat: ${err.message}`;
  return `lifeboat: ${String(err)}`;
}
