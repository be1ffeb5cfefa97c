/**
 * Exit codes, one place. Every command ends through `main`, which asks `exitCodeFor`; a
 * command either returns (its outcome: `main` takes a number it returns as the exit code)
 * or throws. Errors carry a code of the shared vocabulary (`@lifeboat/model`'s
 * `ERROR_CODES`), never an exit code; this file alone turns codes into exit codes. The
 * table is also in the README ("Exit codes") and docs/architecture.md.
 *
 *   0  ok
 *   1  error: every other code — the run failed (unreachable host, rejected credentials,
 *      locked repository, a path that names nothing in a snapshot, …)
 *   2  usage: bad flags, flag values or arguments, a config file that does not validate, an
 *      argument naming nothing (an unknown snapshot); nothing was done
 *   3  partial: some items failed, the rest was saved (run it again)
 *   4  damaged or mismatch: stored data is damaged (verify, or a restore reading it), or a
 *      restore's read-back differs from the snapshot
 */
import { errorCodeOf, LifeboatError, type ErrorCode, type ErrorFacts } from "@lifeboat/model";
import { CommanderError } from "commander";
import { escapeText } from "./render/text.ts";

export const EXIT = { ok: 0, error: 1, usage: 2, partial: 3, damaged: 4 } as const;

/**
 * A usage error (code `usage`, exit 2): a flag, argument or setting the user must correct;
 * nothing was done. The message names the object, the place and the next step.
 */
export class UserError extends LifeboatError {
  constructor(message: string, facts: ErrorFacts = {}) {
    super("usage", message, facts);
    this.name = "UserError";
  }
}

/** The exit code of a code of the shared vocabulary: the README's table. */
export function exitCodeOf(code: ErrorCode): number {
  switch (code) {
    case "usage":
      return EXIT.usage;
    case "partial":
      return EXIT.partial;
    case "damaged":
    case "mismatch":
      return EXIT.damaged;
    default:
      return EXIT.error;
  }
}

/**
 * The exit code of a run that threw `err`: commander's own errors by their kind, every
 * other error by its code (`errorCodeOf`: an error without a code of ours is `internal`,
 * exit 1). Fields such as an `exitCode` on a foreign error are not trusted.
 */
export function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // --help and --version end 0; anything else commander refused is a usage error.
    if (err.code === "commander.helpDisplayed" || err.code === "commander.version") return EXIT.ok;
    if (err.code === "commander.help") return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    return EXIT.usage;
  }
  return exitCodeOf(errorCodeOf(err));
}

/** The one line (or lines: config errors list fields) printed for an error; tenant text in it escaped (render/text.ts). */
export function formatError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `lifeboat: ${message.split("\n").map(escapeText).join("\n")}`;
}
