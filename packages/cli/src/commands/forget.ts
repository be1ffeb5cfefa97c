/** `lifeboat forget --keep-…`: plan retention per tenant, show each decision with its reasons, apply it. */
import { forget, isEmptyPolicy, parseDuration, prune, type RetentionPlan, type RetentionPolicy } from "@lifeboat/repository";
import { InvalidArgumentError, type Command } from "commander";
import { UserError } from "../errors.ts";
import { writeJson } from "../render/json.ts";
import { clean } from "../render/table.ts";
import { addRepoOptions, openRepoFromOptions } from "../repo-options.ts";
import { renderPruneReport } from "./prune.ts";

const count = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a whole number ≥ 0");
  return n;
};
const duration = (v: string) => {
  try {
    parseDuration(v);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  return v;
};
const collect = (value: string, previous: string[]) => [...previous, value];

export function renderRetentionPlan(plan: RetentionPlan, dryRun: boolean): string {
  let text = "";
  for (const g of plan.groups) {
    text += `tenant ${clean(g.tenant, 80)}:\n`;
    for (const d of g.decisions) {
      const s = d.snapshot;
      const label = d.keep ? "keep" : dryRun ? "would remove" : "remove";
      text += `  ${label.padEnd(dryRun ? 12 : 6)} ${s.id.slice(0, 12)} ${s.time}${s.partial ? " (partial)" : ""}  — ${d.reasons.join("; ")}\n`;
    }
  }
  text += `${plan.keep.length} kept, ${plan.remove.length} ${dryRun ? "would be removed (dry run)" : "removed"}\n`;
  return text;
}

export function register(program: Command): void {
  const cmd = program
    .command("forget")
    .description("remove snapshots according to a retention policy (per tenant; the newest complete snapshot is always kept)")
    .option("--keep-last <n>", "keep the n newest snapshots", count)
    .option("--keep-hourly <n>", "keep the newest snapshot of each of the last n hours that have one", count)
    .option("--keep-daily <n>", "… of each of the last n days", count)
    .option("--keep-weekly <n>", "… of each of the last n ISO weeks", count)
    .option("--keep-monthly <n>", "… of each of the last n months", count)
    .option("--keep-yearly <n>", "… of each of the last n years", count)
    .option("--keep-within <duration>", "keep everything within this duration of the newest snapshot (e.g. 7d, 2w, 1y6m)", duration)
    .option("--keep-tag <tag>", "keep snapshots with this tag (repeatable)", collect, [])
    .option("--dry-run", "only show what would be removed")
    .option("--prune", "run prune afterwards to free the space")
    .option("--json", "print the plan (and prune report) as JSON");
  addRepoOptions(cmd);
  cmd.action(async (opts: Record<string, unknown>) => {
    const o = opts as { keepLast?: number; keepHourly?: number; keepDaily?: number; keepWeekly?: number; keepMonthly?: number; keepYearly?: number; keepWithin?: string; keepTag: string[]; dryRun?: boolean; prune?: boolean; json?: boolean };
    const policy: RetentionPolicy = {
      last: o.keepLast, hourly: o.keepHourly, daily: o.keepDaily, weekly: o.keepWeekly,
      monthly: o.keepMonthly, yearly: o.keepYearly, within: o.keepWithin, tags: o.keepTag,
    };
    if (isEmptyPolicy(policy)) throw new UserError("no --keep-… option given: forget would keep everything — give at least one, e.g. --keep-daily 30");
    const repo = await openRepoFromOptions(opts, { autoLock: "none" });
    try {
      const result = await forget(repo, policy, { dryRun: o.dryRun });
      const pruneReport = o.prune && !o.dryRun ? await prune(repo) : undefined;
      if (o.json) {
        writeJson(process.stdout, {
          dryRun: result.dryRun,
          groups: result.plan.groups.map((g) => ({ tenant: g.tenant, decisions: g.decisions.map((d) => ({ id: d.snapshot.id, time: d.snapshot.time, partial: d.snapshot.partial, keep: d.keep, reasons: d.reasons })) })),
          removed: result.removed,
          ...(pruneReport ? { prune: pruneReport } : {}),
        });
      } else {
        process.stdout.write(renderRetentionPlan(result.plan, result.dryRun));
        if (pruneReport) process.stdout.write(renderPruneReport(pruneReport));
      }
    } finally {
      await repo.close();
    }
  });
}
