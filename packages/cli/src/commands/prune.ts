/** `lifeboat prune`: remove data no snapshot references (repacks partly used packs). */
import { prune, type PruneReport } from "@lifeboat/repository";
import type { Command } from "commander";
import { writeJson } from "../render/json.ts";
import { formatBytes } from "../render/table.ts";
import { addRepoOptions, openRepoFromOptions } from "../repo-options.ts";

export function renderPruneReport(r: PruneReport): string {
  const p = r.packs;
  return (
    `${r.dryRun ? "would " : ""}free ${formatBytes(r.bytes.freed)} (${formatBytes(r.bytes.before)} → ${formatBytes(r.bytes.after)}); ` +
    `packs: ${p.kept} kept, ${p.deleted} deleted, ${p.repacked} repacked into ${p.written}, ${p.unindexedDeleted} left by interrupted writes removed\n` +
    (r.temporary.removed > 0 ? `${r.dryRun ? "would remove" : "removed"} ${r.temporary.removed} temporary file(s) of interrupted saves (${formatBytes(r.temporary.removedBytes)})\n` : "") +
    (r.temporary.kept > 0 ? `kept ${r.temporary.kept} temporary file(s) touched in the last 15 minutes (a save may still be writing them)\n` : "")
  );
}

export function register(program: Command): void {
  const cmd = program
    .command("prune")
    .description("remove data that no snapshot references (takes an exclusive lock)")
    .option("--dry-run", "only show what would be removed")
    .option("--json", "print the report as JSON");
  addRepoOptions(cmd);
  cmd.action(async (opts: { dryRun?: boolean; json?: boolean } & Record<string, unknown>) => {
    const repo = await openRepoFromOptions(opts, { autoLock: "none" });
    try {
      const report = await prune(repo, { dryRun: opts.dryRun });
      if (opts.json) writeJson(process.stdout, report);
      else process.stdout.write(renderPruneReport(report));
    } finally {
      await repo.close();
    }
  });
}
