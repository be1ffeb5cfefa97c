/** `lifeboat show SNAPSHOT`: the manifest of a backup run. */
import { loadManifest } from "@lifeboat/engine";
import type { Command } from "commander";
import { LifeboatError } from "@lifeboat/model";
import { writeJson } from "../render/json.ts";
import { renderManifest } from "../render/manifest.ts";
import { addNoLockOption, addRepoOptions, openRepoFromOptions, readOnlyOpenOptions } from "../repo-options.ts";

export function register(program: Command): void {
  const cmd = program
    .command("show")
    .description("print a snapshot's manifest: what was captured, unchanged, failed or skipped, and why")
    .argument("<snapshot>", "snapshot id, unique prefix, or 'latest'")
    .option("--json", "print the manifest as JSON");
  addRepoOptions(cmd);
  addNoLockOption(cmd);
  cmd.action(async (id: string, opts: { json?: boolean } & Record<string, unknown>) => {
    const repo = await openRepoFromOptions(opts, readOnlyOpenOptions(opts));
    try {
      const snapshot = await repo.loadSnapshot(id);
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
