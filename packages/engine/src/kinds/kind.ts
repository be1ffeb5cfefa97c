/**
 * A resource kind: one kind of tenant content (users, spaces, apps, … and later data
 * connections, automations, themes, …) declared once, so that backup, diff, browse, restore
 * planning, execution and verification iterate the registry (`registry.ts`) instead of
 * naming kinds. docs/architecture.md ("Adding a kind") walks through adding one.
 *
 * A definition has a read half — where the kind lives in a snapshot, how it is captured
 * through the connector and indexed for `ls`/`show`/`diff` — and a restore half: its pure
 * plan fragment, the runners of the steps it plans, and its read-back verification. Both
 * halves are optional per kind (the tenant document is captured but never restored; groups
 * and roles are captured and diffed, never created by a restore: a space assignment names a
 * group of the target by name).
 *
 * ```ts
 * export const users: ResourceKind = {
 *   layer: "users", noun: "user", path: "users",
 *   restoreNeeds: { reenter: [], note: "no secrets; …" },
 *   capture: captureUsers, index: usersIndex,
 *   restore: { plan: planUsers, steps: userSteps, verify: verifyUsers },
 * };
 * ```
 */
import type { Capture, KindIndex } from "./read.ts";
import type { KindRestore } from "./restore.ts";

export interface RestoreNeedDecl {
  /** Secrets or settings a restore must be given again (e.g. a data connection's password); empty when none. */
  reenter: string[];
  note: string;
}

export interface ResourceKind {
  /**
   * The registry key and manifest layer: a plural, camel-cased noun ("users",
   * "dataConnections"). Stored in manifests: never renamed.
   */
  readonly layer: string;
  /** The singular noun used in messages and `ls` ("user", "data connection"). */
  readonly noun: string;
  /** Its plural where it is not the noun and "s" ("glossaries", "IP policies"). */
  readonly plural?: string;
  /**
   * Where the kind lives in a snapshot: the root tree entry it owns (a blob or a tree), or,
   * for a kind nested in another kind's entries (objects inside apps), undefined with `parent`.
   */
  readonly path?: string;
  /** The layer whose entries hold this kind's (objects: "apps"). */
  readonly parent?: string;
  /**
   * What a restore of this kind needs that the snapshot cannot hold (never a secret), as the
   * manifest's `restoreNeeds` lists it; absent for what a restore never writes (the tenant document).
   */
  readonly restoreNeeds?: RestoreNeedDecl;
  /** Read half: how a backup captures the kind (read.ts); absent for kinds captured with their parent (objects, with apps). */
  readonly capture?: Capture;
  /** Read half: how `ls`, `show` and `diff` index the kind (read.ts); absent for what diff ignores (the tenant document). */
  readonly index?: KindIndex;
  /** The restore half: plan fragment, step runners, verification (restore.ts). */
  readonly restore?: KindRestore;
}

/** A kind's plural noun ("data connections", "glossaries"). */
export const pluralOf = (kind: Pick<ResourceKind, "noun" | "plural">): string => kind.plural ?? `${kind.noun}s`;
