/**
 * `lifeboat show SNAPSHOT [PATH]`: the manifest of a backup run, or one stored item.
 *
 *   lifeboat show latest                                   # the manifest
 *   lifeboat show latest data-connections/"Sales DB"       # one data connection as stored
 *
 * An item of a declared resource kind (data connections, tasks, themes, …) is printed as the
 * snapshot stores it — Qlik's fields, never a secret (none is stored) — with the secrets a
 * restore will need re-entered for it (`--secrets FILE` or the prompt of `lifeboat restore`).
 * Path segments are entry names or unique names, as for `lifeboat ls`.
 */
import { browseSnapshot, loadManifest, RESOURCES } from "@lifeboat/engine";
import type { Command } from "commander";
import { LifeboatError } from "@lifeboat/model";
import type { Snapshot, SnapshotRepository } from "@lifeboat/repository";
import { writeJson } from "../render/json.ts";
import { renderManifest } from "../render/manifest.ts";
import { clean } from "../render/table.ts";
import { addNoLockOption, addRepoOptions, openRepoFromOptions, readOnlyOpenOptions } from "../repo-options.ts";
import { resolvePath } from "./ls.ts";

export function register(program: Command): void {
  const cmd = program
    .command("show")
    .description("print a snapshot's manifest (what was captured, unchanged, failed or skipped, and why), or one stored item at PATH (e.g. data-connections/NAME)")
    .argument("<snapshot>", "snapshot id, unique prefix, or 'latest'")
    .argument("[path]", "an item inside the snapshot, as 'lifeboat ls' names it")
    .option("--json", "print the manifest (or the item) as JSON");
  addRepoOptions(cmd);
  addNoLockOption(cmd);
  cmd.action(async (id: string, path: string | undefined, opts: { json?: boolean } & Record<string, unknown>) => {
    const repo = await openRepoFromOptions(opts, readOnlyOpenOptions(opts));
    try {
      const snapshot = await repo.loadSnapshot(id);
      if (path?.split("/").some(Boolean)) {
        process.stdout.write(await showItem(repo, snapshot, path, opts));
        return;
      }
      if (!snapshot.manifest)
        throw new LifeboatError("not-found", `snapshot ${snapshot.id.slice(0, 12)} has no manifest (it was not written by 'lifeboat backup')`);
      const manifest = await loadManifest(repo, snapshot);
      if (opts.json) writeJson(process.stdout, { snapshot, manifest });
      else process.stdout.write(renderManifest(manifest, snapshot, { items: true }));
    } finally {
      await repo.close();
    }
  });
}

/** One stored item as text (or JSON): a declared kind's document with what a restore needs; any other JSON document as it is. */
export async function showItem(repo: SnapshotRepository, snapshot: Snapshot, path: string, opts: { json?: boolean } = {}): Promise<string> {
  const found = await browseSnapshot(repo, snapshot, path);
  const entry = found.entries[0];
  if (found.entries.length !== 1 || entry?.type !== "blob" || found.path.split("/").at(-1) !== entry.name)
    throw new LifeboatError("not-found", `'${path}' is a folder in snapshot ${snapshot.id.slice(0, 8)}; 'lifeboat ls ${snapshot.id.slice(0, 8)} ${found.path}' lists what it holds, and 'lifeboat show ${snapshot.id.slice(0, 8)} ${found.path}/NAME' shows one item`);
  const kind = RESOURCES.find((k) => k.path === found.path.split("/")[0]);
  if (typeof entry.meta.file === "string" || !entry.name.endsWith(".json"))
    throw new LifeboatError("not-found", `'${path}' is a file (${entry.kind}), not a stored document; 'lifeboat cat ${snapshot.id.slice(0, 8)} ${found.path} > FILE' writes its bytes`);
  const { entry: blob } = await resolvePath(repo, snapshot.tree, found.path);
  if (blob?.type !== "blob") throw new LifeboatError("not-found", `'${path}' names nothing readable in snapshot ${snapshot.id.slice(0, 8)}`);
  const doc = await repo.readJson<unknown>(blob.blob);
  const reenter = Array.isArray(entry.meta.reenter) ? entry.meta.reenter.map(String) : [];
  if (opts.json) return JSON.stringify({ snapshot: snapshot.id, path: found.path, kind: kind?.layer ?? entry.kind, meta: entry.meta, ...(kind ? { reenter } : {}), document: doc }, null, 2) + "\n";
  let out = `${kind ? kind.noun : entry.kind} '${clean(entry.label ?? entry.name, 80)}'${typeof entry.meta.id === "string" ? ` (${clean(entry.meta.id, 80)})` : ""} in snapshot ${snapshot.id.slice(0, 12)}\n`;
  const owner = entry.ownerName ?? entry.ownerSubject ?? (typeof entry.meta.owner === "string" ? entry.meta.owner : undefined);
  if (owner) out += `  owner  ${clean(owner, 80)}\n`;
  if (typeof entry.meta.space === "string") out += `  space  ${clean(entry.spaceName ?? entry.meta.space, 80)}${entry.spaceName ? ` (${clean(entry.meta.space, 60)})` : ""}\n`;
  if (Array.isArray(entry.meta.files) && entry.meta.files.length) out += `  files  ${entry.meta.files.map((f) => clean(String(f), 40)).join(", ")} (stored byte for byte; 'lifeboat cat' writes them)\n`;
  if (kind) {
    const fields = kind.def.secrets ?? [];
    out += reenter.length
      ? `  restore needs re-entered: ${reenter.map((r) => clean(r, 40)).join(", ")} (not stored: give ${reenter.length === 1 ? "it" : "them"} with 'lifeboat restore --secrets FILE' or at its prompt; ${kind.def.where})\n`
      : fields.length
        ? `  restore needs no secret re-entered for it (the ${fields.map((f) => f.label).join(", ")} ${fields.length === 1 ? "was" : "were"} not set)\n`
        : "";
  }
  out += JSON.stringify(doc, null, 2) + "\n";
  return out;
}
