/** `lifeboat verify [--read-data]`: check the repository; exit code 4 when anything is damaged. */
import { verifyRepository, type VerifyReport } from "@lifeboat/repository";
import type { Command } from "commander";
import { EXIT } from "../errors.ts";
import { writeJson } from "../render/json.ts";
import { formatBytes } from "../render/table.ts";
import { addNoLockOption, addRepoOptions, openRepoFromOptions, readOnlyOpenOptions } from "../repo-options.ts";

export function renderVerifyReport(r: VerifyReport): string {
  const c = r.checked;
  let text = `checked ${c.keys} key file(s), ${c.indexFiles} index file(s), ${c.packs} pack(s), ${c.snapshots} snapshot(s), ${c.trees} tree(s), ${c.blobs} blob(s)`;
  text += r.readData ? `, read ${formatBytes(c.bytesRead)}\n` : " (structure only; --read-data reads every byte)\n";
  for (const n of r.notes) text += `note: ${n}\n`;
  for (const w of r.warnings ?? []) text += `warning: ${w}\n`;
  if (r.ok) return text + "no problems found\n";
  text += `\n${r.problems.length} problem(s):\n`;
  for (const p of r.problems) text += `  ${p.kind}: ${[p.file, p.object].filter(Boolean).join(" ")}: ${p.message}\n`;
  text += r.affectedSnapshots.length
    ? `\nsnapshots affected (cannot be restored completely):\n${r.affectedSnapshots.map((s) => `  ${s}\n`).join("")}`
    : "\nno snapshot is affected\n";
  return text;
}

export function register(program: Command): void {
  const cmd = program
    .command("verify")
    .description("check the repository's structure; with --read-data read and check every byte (exit code 4 on damage)")
    .option("--read-data", "read every pack and check every byte")
    .option("--json", "print the report as JSON");
  addRepoOptions(cmd);
  addNoLockOption(cmd);
  cmd.action(async (opts: { readData?: boolean; json?: boolean } & Record<string, unknown>) => {
    // A shared lock (a prune must not delete what is being checked), unless --no-lock or read-only storage.
    const repo = await openRepoFromOptions(opts, readOnlyOpenOptions(opts, { purpose: "verify" }));
    try {
      const live = process.stderr.isTTY && !opts.json && !process.env.CI;
      const report = await verifyRepository(repo, {
        readData: opts.readData === true,
        // Progress on a terminal only; stdout keeps the report.
        onProgress: live ? (p) => process.stderr.write(`\rchecking ${p.phase}: ${p.done}/${p.total}\x1b[K${p.done === p.total ? "\n" : ""}`) : undefined,
      });
      if (opts.json) writeJson(process.stdout, report);
      else process.stdout.write(renderVerifyReport(report));
      return report.ok ? EXIT.ok : EXIT.damaged;
    } finally {
      await repo.close();
    }
  });
}
