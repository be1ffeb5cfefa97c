/**
 * Errors of the service package. One class for input that does not validate
 * (schedules, alert settings): it carries every problem with its field path, so
 * the CLI can print them and the HTTP layer answers 400 with them (in `meta.issues`). Like every
 * error of ours it is a `LifeboatError` (@lifeboat/model), here with code `usage`.
 */
import { LifeboatError } from "@lifeboat/model";

/** One problem in an input, at a field path such as `tenants.acme.schedules[0].at`. */
export interface Issue {
  path: string;
  message: string;
}

export class InvalidInputError extends LifeboatError {
  constructor(
    /** what was being read, e.g. "schedule of tenant 'acme'" */
    readonly subject: string,
    readonly issues: Issue[],
  ) {
    super("usage", `${subject} is not valid: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`, { object: subject });
    this.name = "InvalidInputError";
  }
}

/** Text of any thrown value, for messages and records. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
