/**
 * Exit codes, one place. Every command ends through `main`, which asks `exitCodeFor`;
 * the table is also in the README ("Exit codes") and docs/architecture.md.
 *
 *   0  ok
 *   1  error: the run failed (unreachable host, rejected credentials, locked repository, …)
 *   2  usage: bad flags, flag values or arguments, a config file that does not validate, an
 *      argument naming nothing (an unknown snapshot); nothing was done
 *   3  partial result: some items failed, the rest was saved (run it again)
 *   4  damage or mismatch: stored data is damaged (verify, or a restore reading it), or a
 *      restore's read-back differs from the snapshot
 */
import { CommanderError } from "commander";
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

/** Repository error codes that mean "the argument names no snapshot" (a usage error, as for every command). */
const NO_SUCH_SNAPSHOT = new Set(["NO_SNAPSHOT", "BAD_ID", "AMBIGUOUS"]);

/**
 * The exit code of a run that threw `err`. Errors of the other packages are mapped by their
 * class or `code` here — their own `exitCode` fields are not trusted to follow this table.
 */
export function exitCodeFor(err: unknown): number {
  if (err instanceof UserError) return err.exitCode;
  if (err instanceof CommanderError) {
    // --help and --version end 0; anything else commander refused is a usage error.
    if (err.code === "commander.helpDisplayed" || err.code === "commander.version") return EXIT.ok;
    if (err.code === "commander.help") return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    return EXIT.usage;
  }
  const code = err && typeof err === "object" && "code" in err ? String((err as { code: unknown }).code) : "";
  // DAMAGED: stored data failed its check; MISSING: something a snapshot needs is in no index.
  // MISSING_UNLOCKED (read without a lock: --no-lock, read-only storage) falls through to 1:
  // a concurrent forget + prune may have removed it, so the run failed and is tried again.
  if (code === "DAMAGED" || code === "MISSING") return EXIT.damaged;
  if (NO_SUCH_SNAPSHOT.has(code)) return EXIT.usage;
  return EXIT.error;
}

/** The one line (or lines: config errors list fields) printed for an error; tenant text in it escaped (render/text.ts). */
export function formatError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `lifeboat: ${message.split("\n").map(escapeText).join("\n")}`;
}
