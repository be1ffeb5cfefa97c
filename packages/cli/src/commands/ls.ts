/** `lifeboat ls SNAPSHOT [path]`: list a tree of a snapshot (generic over trees). */
import type { SnapshotRepository, Tree, TreeEntry } from "@lifeboat/repository";
import type { Command } from "commander";
import { LifeboatError } from "@lifeboat/model";
import { lsBackupSnapshot } from "../render/browse.ts";
import { writeJson } from "../render/json.ts";
import { clean, formatBytes, table } from "../render/table.ts";
import { addNoLockOption, addRepoOptions, openRepoFromOptions, readOnlyOpenOptions } from "../repo-options.ts";

/** Follows `path` ("a/b/c") from a snapshot's root tree; returns the entry reached (undefined: the root). */
export async function resolvePath(repo: SnapshotRepository, root: string, path: string): Promise<{ entry?: TreeEntry; tree?: Tree }> {
  const parts = path.split("/").filter(Boolean);
  let tree = await repo.loadTree(root);
  let entry: TreeEntry | undefined;
  for (let i = 0; i < parts.length; i++) {
    const name = parts[i]!;
    entry = tree.entries.find((e) => e.name === name);
    if (!entry) throw new LifeboatError("not-found", `'${parts.slice(0, i + 1).join("/")}' does not exist in the snapshot — 'lifeboat ls SNAPSHOT ${parts.slice(0, i).join("/")}' lists what is there`);
    if (entry.type === "tree") tree = await repo.loadTree(entry.subtree);
    else if (i < parts.length - 1) throw new LifeboatError("not-found", `'${parts.slice(0, i + 1).join("/")}' is a file, not a folder`);
  }
  return entry?.type === "blob" ? { entry } : { entry, tree };
}

export function register(program: Command): void {
  const cmd = program
    .command("ls")
    .description("list what a snapshot holds at a path")
    .argument("<snapshot>", "snapshot id, unique prefix, or 'latest'")
    .argument("[path]", "path inside the snapshot", "")
    .option("--json", "print the entries as JSON");
  addRepoOptions(cmd);
  addNoLockOption(cmd);
  cmd.action(async (id: string, path: string, opts: { json?: boolean } & Record<string, unknown>) => {
    const repo = await openRepoFromOptions(opts, readOnlyOpenOptions(opts));
    try {
      const snap = await repo.loadSnapshot(id);
      if (await lsBackupSnapshot(repo, snap, path, opts)) return; // backup snapshots: names from meta
      const { entry, tree } = await resolvePath(repo, snap.tree, path);
      const entries = tree ? tree.entries : [entry!];
      if (opts.json) {
        writeJson(process.stdout, { snapshot: snap.id, path, entries });
        return;
      }
      process.stdout.write(
        table(
          ["name", "type", "size", "id"],
          entries.map((e) => [
            clean(e.name + (e.type === "tree" ? "/" : ""), 80),
            e.type,
            e.type === "blob" ? formatBytes(e.blob.size) : "",
            (e.type === "blob" ? e.blob.id : e.subtree).slice(0, 12),
          ]),
        ),
      );
    } finally {
      await repo.close();
    }
  });
}
