/**
 * Exit codes, one place. 0 ok · 1 error · 2 usage · 3 partial result (some items
 * failed, the rest was saved) · 4 verification found damage or a mismatch.
 */
import { escapeText } from "./render/text.ts";

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

/** The one line (or lines: config errors list fields) printed for an error; tenant text in it escaped (render/text.ts). */
export function formatError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `lifeboat: ${message.split("\n").map(escapeText).join("\n")}`;
}
