/** Helpers the kinds' indexes share. */
import type { SnapshotRepository, Tree, TreeEntry } from "@lifeboat/repository";
import { canonicalJson } from "../internal/canonical.ts";

export const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** The entries of the subtree `name` of `tree`; none when there is no such subtree. */
export async function subtreeEntries(repo: SnapshotRepository, tree: Tree, name: string): Promise<TreeEntry[]> {
  const entry = tree.entries.find((e) => e.name === name);
  if (entry?.type !== "tree") return [];
  return (await repo.loadTree(entry.subtree)).entries;
}

/** The keys whose values differ, or ["details"] when none does. */
export function describeMetaChange(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const out = [...keys].filter((k) => canonicalJson(before[k]) !== canonicalJson(after[k]));
  return out.length ? out : ["details"];
}

/** The title diff shows for an item: its meta name, else its subject. */
export function titleOf(meta: Record<string, unknown>): { title?: string } {
  const title = str(meta.name) ?? str(meta.subject);
  return title !== undefined ? { title } : {};
}
