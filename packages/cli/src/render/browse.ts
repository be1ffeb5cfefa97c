/** Text rendering of `browseSnapshot` results (`lifeboat ls SNAPSHOT [path]`). */
import { type BrowseEntry, type BrowseResult, browseSnapshot, PATHS } from "@lifeboat/engine";
import type { Snapshot, SnapshotRepository } from "@lifeboat/repository";
import { clean, formatBytes, table } from "./table.ts";

function details(e: BrowseEntry): string {
  const m = e.meta;
  const parts: string[] = [];
  const ownerId = typeof m.ownerId === "string" ? m.ownerId : typeof m.owner === "string" ? m.owner : undefined;
  const owner = typeof m.ownerSubject === "string" ? m.ownerSubject : (e.ownerSubject ?? ownerId);
  if (owner) parts.push(e.ownerName ? `owner ${clean(e.ownerName, 30)} (${owner})` : `owner ${owner}`);
  if (m.approved === true) parts.push("approved");
  else if (m.published === true) parts.push("published");
  else if (m.approved === false && m.published === false) parts.push("private");
  if (typeof m.spaceType === "string")
    parts.push(`${m.spaceType} space${e.spaceName ? ` '${clean(e.spaceName, 30)}'` : typeof m.spaceId === "string" ? ` ${m.spaceId}` : ""}`);
  else if (typeof m.space === "string") parts.push(`space '${clean(e.spaceName ?? m.space, 30)}'`); // a declared resource kind's item
  if (typeof m.type === "string" && e.kind === "space") parts.push(m.type);
  if (Array.isArray(m.files) && m.files.length) parts.push(`files: ${m.files.map((f) => clean(String(f), 30)).join(", ")}`);
  if (Array.isArray(m.reenter) && m.reenter.length) parts.push(`restore needs: ${m.reenter.map((f) => clean(String(f), 30)).join(", ")}`);
  if (typeof m.objects === "number") parts.push(`${m.objects} objects`);
  if (typeof m.count === "number") parts.push(`${m.count} entries`);
  if (typeof m.email === "string") parts.push(m.email);
  if (m.failed === true) parts.push("FAILED");
  if (e.size !== undefined) parts.push(formatBytes(e.size));
  return parts.join(", ");
}

function entryTable(entries: BrowseEntry[], prefix = ""): string {
  return table(
    ["name", "kind", "title", "details"],
    entries.map((e) => [clean(prefix + e.name + (e.type === "tree" ? "/" : ""), 60), e.kind, clean(e.label ?? "", 50), details(e)]),
  );
}

export function renderBrowse(result: BrowseResult): string {
  const header = `/${result.path}${result.kind !== "snapshot" ? `  (${result.kind})` : ""}\n`;
  let text = header + (result.entries.length === 0 ? "(empty)\n" : entryTable(result.entries));
  if (result.apps) {
    text += `\napps in this space (${result.apps.length}):\n`;
    text += result.apps.length ? entryTable(result.apps, "apps/") : "(none)\n";
  }
  return text;
}

/**
 * `lifeboat ls` for a snapshot written by `lifeboat backup` (its root holds tenant.json):
 * walks tenant / space / app / object with names from meta; path segments may be ids
 * or unique names. Returns false for other snapshots, which `ls` lists generically.
 */
export async function lsBackupSnapshot(
  repo: SnapshotRepository,
  snapshot: Snapshot,
  path: string,
  opts: { json?: boolean },
  out: NodeJS.WritableStream = process.stdout,
): Promise<boolean> {
  const root = await repo.loadTree(snapshot.tree);
  if (!root.entries.some((e) => e.name === PATHS.tenant)) return false;
  // A path that names nothing throws the engine's BrowsePathError (code not-found, exit 1).
  const result: BrowseResult = await browseSnapshot(repo, snapshot, path);
  if (opts.json) out.write(JSON.stringify({ snapshot: snapshot.id, ...result }, null, 2) + "\n");
  else out.write(renderBrowse(result));
  return true;
}
