/** `lifeboat diff A B`: what was added, removed and changed between two snapshots, at object level. */
import { diffSnapshots } from "@lifeboat/engine";
import type { Command } from "commander";
import { writeJson } from "../render/json.ts";
import { renderDiff } from "../render/manifest.ts";
import { addNoLockOption, addRepoOptions, openRepoFromOptions, readOnlyOpenOptions } from "../repo-options.ts";

export function register(program: Command): void {
  const cmd = program
    .command("diff")
    .description("compare two snapshots: apps, objects (with owners), spaces, users, groups and roles added, removed or changed")
    .argument("<from>", "older snapshot (id, prefix or 'latest')")
    .argument("<to>", "newer snapshot (id, prefix or 'latest')")
    .option("--json", "print the differences as JSON");
  addRepoOptions(cmd);
  addNoLockOption(cmd);
  cmd.action(async (from: string, to: string, opts: { json?: boolean } & Record<string, unknown>) => {
    const repo = await openRepoFromOptions(opts, readOnlyOpenOptions(opts));
    try {
      const [a, b] = await Promise.all([repo.loadSnapshot(from), repo.loadSnapshot(to)]);
      const diff = await diffSnapshots(repo, a, b);
      if (opts.json) writeJson(process.stdout, diff);
      else process.stdout.write(renderDiff(diff));
    } finally {
      await repo.close();
    }
  });
}
