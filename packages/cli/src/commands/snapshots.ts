/** `lifeboat snapshots`: list snapshots, oldest first; safety backups taken by restores are marked. */
import { isSafetySnapshot, SAFETY_TAG } from "@lifeboat/engine";
import type { Command } from "commander";
import { writeJson } from "../render/json.ts";
import { clean, table } from "../render/table.ts";
import { addNoLockOption, addRepoOptions, openRepoFromOptions, readOnlyOpenOptions } from "../repo-options.ts";

const collect = (value: string, previous: string[]) => [...previous, value];

export function register(program: Command): void {
  const cmd = program
    .command("snapshots")
    .description("list the snapshots in the repository")
    .option("--tenant <tenant>", "only this tenant")
    .option("--tag <tag>", "only snapshots with this tag (repeatable)", collect, [])
    .option("--json", "print the list as JSON");
  addRepoOptions(cmd);
  addNoLockOption(cmd);
  cmd.action(async (opts: { tenant?: string; tag: string[]; json?: boolean } & Record<string, unknown>) => {
    const repo = await openRepoFromOptions(opts, readOnlyOpenOptions(opts));
    try {
      const list = (await repo.listSnapshots()).filter(
        (s) => (!opts.tenant || s.tenant === opts.tenant) && opts.tag.every((t) => s.tags.includes(t)),
      );
      if (opts.json) {
        writeJson(process.stdout, list.map((s) => (isSafetySnapshot(s) ? { ...s, safety: true } : s)));
        return;
      }
      if (list.length === 0) {
        process.stdout.write("no snapshots\n");
        return;
      }
      process.stdout.write(
        table(
          ["id", "time", "tenant", "state", "tags"],
          list.map((s) => [s.id.slice(0, 12), s.time, clean(s.tenant, 50), (s.partial ? "partial" : "complete") + (isSafetySnapshot(s) ? ", safety" : ""), clean(s.tags.join(","), 40)]),
        ),
      );
      process.stdout.write(`${list.length} snapshot(s)\n`);
      if (list.some(isSafetySnapshot))
        process.stdout.write(
          `safety: a backup 'lifeboat restore' took of its target before changing it (tag ${SAFETY_TAG}); 'restore latest' skips these — restore one by id or with 'restore latest --tag ${SAFETY_TAG}'\n`,
        );
    } finally {
      await repo.close();
    }
  });
}
