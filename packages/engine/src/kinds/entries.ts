/** Small helpers the kinds' captures share: sorted trees, meta without undefined, failure reasons. */
import type { Tree, TreeEntry } from "@lifeboat/repository";

const byName = (a: TreeEntry, b: TreeEntry) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** A tree with its entries sorted by name. */
export function tree(entries: TreeEntry[]): Tree {
  return { entries: [...entries].sort(byName) };
}

/** Meta without its undefined fields. */
export function definedMeta(meta: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(meta)) if (v !== undefined) out[k] = v;
  return out;
}

export function reasonOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * "could not <step> <where>: <error>". The connector's errors already name the object
 * and the host; those are kept as they are rather than wrapped twice.
 */
export function failure(step: string, where: string, host: string, err: unknown): string {
  const reason = reasonOf(err);
  if (reason.includes(host) && /^could not /.test(reason)) return reason;
  return `could not ${step} ${where}: ${reason}`;
}
