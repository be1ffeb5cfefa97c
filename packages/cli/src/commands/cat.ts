/** `lifeboat cat SNAPSHOT [path]`: print a file of a snapshot (streamed), a tree, or the snapshot itself. */
import type { Command } from "commander";
import { writeJson } from "../render/json.ts";
import { addNoLockOption, addRepoOptions, openRepoFromOptions, readOnlyOpenOptions } from "../repo-options.ts";
import { resolvePath } from "./ls.ts";

export function register(program: Command): void {
  const cmd = program
    .command("cat")
    .description("write a file of a snapshot to stdout; a folder or the snapshot itself is printed as JSON")
    .argument("<snapshot>", "snapshot id, unique prefix, or 'latest'")
    .argument("[path]", "path inside the snapshot", "");
  addRepoOptions(cmd);
  addNoLockOption(cmd);
  cmd.action(async (id: string, path: string, opts: Record<string, unknown>) => {
    const repo = await openRepoFromOptions(opts, readOnlyOpenOptions(opts));
    try {
      const snap = await repo.loadSnapshot(id);
      if (!path.split("/").some(Boolean)) {
        writeJson(process.stdout, snap);
        return;
      }
      const { entry, tree } = await resolvePath(repo, snap.tree, path);
      if (tree) {
        writeJson(process.stdout, tree);
        return;
      }
      if (entry?.type !== "blob") return;
      for await (const piece of repo.readBlob(entry.blob)) {
        if (!process.stdout.write(piece)) await new Promise((r) => process.stdout.once("drain", r));
      }
    } finally {
      await repo.close();
    }
  });
}
