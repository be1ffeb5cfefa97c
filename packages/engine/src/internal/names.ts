/**
 * Tree entry names in a snapshot come from Qlik ids, never from user-chosen names
 * or titles (those go into the entry's `meta`). Ids are usually GUIDs or short
 * engine ids, but an engine object id can be any string a client chose, so every
 * id is made safe here before it becomes an entry name: no `/`, `\`, control
 * characters, no `.`/`..`, bounded length. The mapping is injective for the ids
 * that pass through unchanged and collision-resistant (SHA-256) for the rest; the
 * original id always travels in `meta.id` and inside the stored JSON.
 */
import { createHash } from "node:crypto";

const SAFE = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

/** A name safe to use as a tree entry for `id`, plus a suffix such as ".json". */
export function entryNameForId(id: string, suffix = ""): string {
  if (SAFE.test(id) && !id.startsWith("~")) return id + suffix;
  // Readable prefix of the safe characters, then a hash of the whole id.
  const readable = id.replace(/[^A-Za-z0-9_-]/g, "").slice(0, 40);
  const hash = createHash("sha256").update(id, "utf8").digest("hex").slice(0, 32);
  return `~${readable}${readable ? "-" : ""}${hash}${suffix}`;
}

/** Truncates and strips control characters from a display name for `meta`. */
export function displayName(name: string | undefined, max = 1024): string | undefined {
  if (name === undefined) return undefined;
  // eslint-disable-next-line no-control-regex
  const clean = name.replace(/[\u0000-\u001f\u007f-\u009f]/g, " ");
  return clean.length > max ? clean.slice(0, max - 1) + "…" : clean;
}
