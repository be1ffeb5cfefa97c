/**
 * References: how a plan step names a thing in the target tenant before it exists. A ref is
 * either something that exists when the plan is made (`existing`, its target id), or what a
 * step of this restore creates, named by the source thing it comes from; the executor
 * resolves the latter through `created`, the journal's record of what was created.
 *
 * ```ts
 * const ref: Ref = { t: "space", sourceId: "sp-1" };
 * resolveRef(ref, created);          // the new space's id once its create step is done
 * refKey(ref) === "space:sp-1";       // the journal's key for it
 * ```
 *
 * `refKey` is the string form: the key of `created` in journals and in the executor's result.
 * It is exactly the string earlier versions used as the ref itself ("id:<id>", "user:<id>",
 * "space:<id>", "app:<id>", "devcopy:<id>", "devspace:<id>", "obj:<app>:<id>"), so a journal
 * they wrote resolves the same (an unfinished restore continues after an upgrade), and
 * `parseRefKey` reads plan files they wrote (plan version 2), where refs were those strings.
 * Resources of declared kinds (issue 12) add "res:<layer>:<id>"; no earlier key changes.
 */
import type { ResourceKindName } from "@lifeboat/model";

export type Ref =
  /** Exists in the target when the plan is made. */
  | { t: "existing"; id: string }
  /** The target user created for a source user. */
  | { t: "user"; sourceId: string }
  /** The space created for a source space. */
  | { t: "space"; sourceId: string }
  /** The app imported (or brought back by Qlik's restore) for a source app. */
  | { t: "app"; sourceId: string }
  /** The development copy of a source app from a managed space. */
  | { t: "devcopy"; sourceId: string }
  /** The shared development space created for a source managed space. */
  | { t: "devspace"; sourceSpaceId: string }
  /** An object the target gave another id than the snapshot's (source app id, object id). */
  | { t: "object"; appId: string; objectId: string }
  /** The item of a declared resource kind created for a source item (layer: its kind). */
  | { t: "resource"; layer: ResourceKindName; sourceId: string };

/** ref key → target id: what a restore (this and earlier attempts) created. Also holds "safety" (the safety snapshot's id). */
export type Created = Record<string, string>;

export const existing = (id: string): Ref => ({ t: "existing", id });

/** The journal key of a ref (its string form in versions before typed refs). */
export function refKey(ref: Ref): string {
  switch (ref.t) {
    case "existing":
      return `id:${ref.id}`;
    case "user":
    case "space":
    case "app":
    case "devcopy":
      return `${ref.t}:${ref.sourceId}`;
    case "devspace":
      return `devspace:${ref.sourceSpaceId}`;
    case "object":
      return `obj:${ref.appId}:${ref.objectId}`;
    case "resource":
      return `res:${ref.layer}:${ref.sourceId}`;
  }
}

/** The target id a ref names: its id when it existed, else what `created` recorded (undefined: not created). */
export function resolveRef(ref: Ref | undefined, created: Readonly<Created>): string | undefined {
  if (!ref) return undefined;
  return ref.t === "existing" ? ref.id : created[refKey(ref)];
}

/** The target id of an existing ref, or undefined for one a step creates. */
export const existingId = (ref: Ref | undefined): string | undefined => (ref?.t === "existing" ? ref.id : undefined);

export const sameRef = (a: Ref | undefined, b: Ref | undefined): boolean => a !== undefined && b !== undefined && refKey(a) === refKey(b);

/**
 * Reads a ref key (a plan file of version 2 held refs as these strings). Object keys split at
 * the first ':' after "obj:" (app ids hold none). Undefined for what is not a ref key.
 */
export function parseRefKey(key: string): Ref | undefined {
  const cut = key.indexOf(":");
  if (cut <= 0) return undefined;
  const tag = key.slice(0, cut);
  const rest = key.slice(cut + 1);
  if (!rest) return undefined;
  switch (tag) {
    case "id":
      return { t: "existing", id: rest };
    case "user":
    case "space":
    case "app":
    case "devcopy":
      return { t: tag, sourceId: rest };
    case "devspace":
      return { t: "devspace", sourceSpaceId: rest };
    case "obj": {
      const at = rest.indexOf(":");
      return at > 0 ? { t: "object", appId: rest.slice(0, at), objectId: rest.slice(at + 1) } : undefined;
    }
    case "res": {
      // Layers are camel-cased names without ':'; the source id is everything after.
      const at = rest.indexOf(":");
      return at > 0 && at < rest.length - 1 ? { t: "resource", layer: rest.slice(0, at) as ResourceKindName, sourceId: rest.slice(at + 1) } : undefined;
    }
    default:
      return undefined;
  }
}
