/**
 * `lifeboat repair index`: rebuild the index from the packs' own headers (after an index file
 * was damaged or lost, as `verify` reports it). Takes the exclusive lock; removes no pack.
 */
import { repairIndex, type RepairIndexReport } from "@lifeboat/repository";
import type { Command } from "commander";
import { writeJson } from "../render/json.ts";
import { addRepoOptions, openRepoFromOptions } from "../repo-options.ts";

export function renderRepairIndexReport(r: RepairIndexReport): string {
  let out = `read ${r.packs} pack header(s): ${r.indexed} pack(s) with ${r.entries} entries indexed; ` +
    `${r.indexFiles.written} index file(s) written, ${r.indexFiles.removed} old one(s) removed\n`;
  for (const u of r.unreadable)
    out += `warning: ${u.pack}: header unreadable (${u.reason}); ${u.keptFromIndex ? "its entries were kept from the old index" : "left out of the index (kept on storage)"}\n`;
  out += r.unreadable.length ? "run 'lifeboat verify --read-data' to see which snapshots are affected\n" : "run 'lifeboat verify' to check the result\n";
  return out;
}

export function register(program: Command): void {
  const repair = program.command("repair").description("repair parts of a damaged repository");
  const cmd = repair
    .command("index")
    .description("rebuild the index from the packs' headers (after a damaged or lost index file); takes an exclusive lock, removes no data")
    .option("--json", "print the report as JSON");
  addRepoOptions(cmd);
  cmd.action(async (opts: { json?: boolean } & Record<string, unknown>) => {
    const repo = await openRepoFromOptions(opts, { autoLock: "none" });
    try {
      const report = await repairIndex(repo);
      if (opts.json) writeJson(process.stdout, report);
      else process.stdout.write(renderRepairIndexReport(report));
    } finally {
      await repo.close();
    }
  });
}
