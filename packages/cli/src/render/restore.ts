/**
 * How `lifeboat restore` shows a restore: the plan, each step's line (also the lines of the
 * restore log), the verification and the result.
 */
import type { ChecklistItem, ResourceDecision, RestoreEvent, RestorePlan, RestoreResult, VerificationReport } from "@lifeboat/engine";
import { planChecklist } from "@lifeboat/engine";
import { renderChecklist, renderResourceDecisions } from "./resources.ts";
import { clean, escapeText, table } from "./table.ts";

/** The plan's decisions on declared resource kinds (none in a plan file of an older version). */
export const resourcesOf = (plan: RestorePlan): ResourceDecision[] => plan.resources ?? [];
/** The restore's re-entry checklist (none in a result of an older version). */
export const checklistOf = (result: RestoreResult): ChecklistItem[] => result.checklist ?? [];

export function eventLine(e: RestoreEvent): string | undefined {
  switch (e.type) {
    case "begin":
      return `${e.resumed ? "continuing" : "starting"} restore ${e.restoreKey}: ${e.steps} step(s); journal ${e.journal}`;
    case "safety-backup":
      return `safety backup of the target taken: snapshot ${e.snapshotId.slice(0, 12)} (tag pre-restore) — restore it to undo this restore`;
    case "warning":
      return `warning: ${escapeText(e.message)}`;
    case "step": {
      const mark = { done: "ok  ", "already-done": "same", failed: "FAIL", skipped: "----" }[e.outcome];
      return `[${String(e.index + 1).padStart(String(e.total).length)}/${e.total}] ${mark} ${clean(e.step.label, 100)}${e.note ? ` — ${clean(e.note, e.outcome === "failed" ? 2000 : 200)}` : ""}`;
    }
    case "end":
      return `restore ${e.result.status}`;
  }
}

export function renderPlan(plan: RestorePlan): string {
  let out = `restore plan ${plan.restoreKey}\n`;
  out += `  snapshot ${plan.snapshot.id.slice(0, 12)} of ${plan.snapshot.host} taken ${plan.snapshot.time}${plan.snapshot.partial ? " (PARTIAL)" : ""}\n`;
  out += `  target   ${plan.target.host} as ${clean(plan.target.caller, 200)}${plan.target.sameTenant ? " (the same tenant)" : " (another tenant)"}\n\n`;
  if (plan.users.length) {
    out += "users\n";
    out += table(
      ["subject", "name", "decision", "target user", "why"],
      plan.users.map((u) => [clean(u.subject || u.sourceId, 40), clean(u.name ?? "", 24), u.action + (u.matchedBy ? ` (${u.matchedBy})` : ""), u.targetId ?? (u.action === "create" ? "(new)" : "-"), clean(u.reason, 90)]),
    );
    out += "\n";
  }
  if (plan.spaces.length) {
    out += "spaces\n";
    out += table(
      ["space", "type", "decision", "target", "owner", "why"],
      plan.spaces.map((s) => [
        clean(s.name, 40),
        s.type,
        s.action,
        s.targetId ?? (s.action === "create" ? "(new)" : "-"),
        s.owner ? clean(s.owner.subject, 40) + (s.owner.ref ? "" : " (missing)") : "-",
        clean(s.reason, 90),
      ]),
    );
    out += "\n";
  }
  if (plan.apps.length) {
    out += "apps\n";
    out += table(
      ["app", "from", "decision", "as", "into", "objects", "why"],
      plan.apps.map((a) => [
        clean(a.name, 40),
        a.sourceSpace ? `${clean(a.sourceSpace.name, 24)} (${a.sourceSpace.type})` : "personal",
        a.action + (a.sectionAccess ? " (section access)" : ""),
        clean(a.targetName, 40),
        a.managed ? `${clean(a.managed.space.name, 24)} via ${clean(a.targetSpace?.name ?? "", 24)}` : a.targetSpace ? clean(a.targetSpace.name, 30) : "personal",
        a.objects,
        clean(a.reason, 100),
      ]),
    );
    // Apps gone from their own tenant: whether Qlik's own restore brings them back, and why.
    const qlik = plan.apps.filter((a) => a.qlik);
    if (qlik.length) {
      out += "Qlik's own restore (soft-deleted apps)\n";
      for (const a of qlik) out += `  ${clean(a.name, 40)}: ${clean(a.qlik!, 300)}\n`;
    }
    out += "\n";
  }
  out += renderResourceDecisions(resourcesOf(plan));
  out += `steps (${plan.steps.length})\n`;
  plan.steps.forEach((s, i) => {
    out += `  ${String(i + 1).padStart(3)}. ${clean(s.label, 120)}\n`;
    out += renderObjectChanges(s);
  });
  for (const w of plan.warnings) out += `warning: ${escapeText(w)}\n`;
  for (const b of plan.blockers) out += `BLOCKER: ${escapeText(b)}\n`;
  const willNeed = planChecklist(plan);
  if (willNeed.length) out += "\n" + renderChecklist(willNeed, "will need after this restore");
  return out;
}

export function renderVerification(report: VerificationReport): string {
  let out = `verification: ${report.status === "match" ? "the restored content equals the snapshot" : `${report.mismatches} mismatch(es)`}\n`;
  out += table(
    ["app", "target id", "objects", "fields checked", "mismatches"],
    report.apps.map((a) => [clean(a.name, 40), a.targetAppId ?? "-", a.objects, a.checked, a.mismatches.length]),
  );
  const all = [...report.other, ...report.apps.flatMap((a) => a.mismatches)];
  for (const m of all.slice(0, 50)) out += `  ${clean(m.where, 120)}: ${m.field} expected ${clean(m.expected ?? "", 60)}, found ${clean(m.actual ?? "", 60)}\n`;
  if (all.length > 50) out += `  … and ${all.length - 50} more (see the report file)\n`;
  for (const a of report.apps) if (a.notVisible) out += `  ${clean(a.name, 40)}: ${a.notVisible} private object(s) of other users not visible to the restoring user, not compared\n`;
  for (const a of report.apps) if (a.kept) out += `  ${clean(a.name, 40)}: ${a.kept} object(s) the snapshot does not have kept (--delete-extra-objects deletes them)\n`;
  return out;
}

/** `withResources`: the plan had resource items, so the checklist is printed even when empty ("nothing left"). */
export function renderResult(result: RestoreResult, report: VerificationReport, files: { log: string; report: string }, withResources = false): string {
  const counts = { done: 0, "already-done": 0, failed: 0, skipped: 0 };
  for (const s of result.steps) counts[s.outcome]++;
  let out = `\nrestore ${result.status}: ${counts.done} step(s) done, ${counts["already-done"]} already done, ${counts.failed} failed, ${counts.skipped} not run\n`;
  if (result.safetySnapshot) out += `safety backup: snapshot ${result.safetySnapshot.slice(0, 12)} (tag pre-restore) holds the target as it was before\n`;
  for (const f of result.failed) out += `  failed: ${clean(f.label, 100)}: ${clean(f.error, 2000)}\n`;
  out += renderVerification(report);
  const checklist = checklistOf(result);
  if (checklist.length || withResources) out += "\n" + renderChecklist(checklist);
  out += `log: ${files.log}\nverification report: ${files.report}\njournal: ${result.journal}\n`;
  return out;
}
/** Object changes listed per step before they are shown more than this many per action ("… and N more"); deletions are always listed in full. */
const OBJECT_LINES_PER_ACTION = 200;

/**
 * The object changes of an objects / object-owners step: a count per action, then every change
 * (each a line of the plan the user confirms). An objects step without `changes` was planned
 * from the snapshot (the app is not readable before it is imported or restored by Qlik).
 */
export function renderObjectChanges(s: RestorePlan["steps"][number]): string {
  let out = "";
  const pad = "         ";
  if (s.kind === "objects") {
    if (!s.changes) {
      out += `${pad}(planned from the snapshot: the app cannot be read before it is back; objects missing from it are recreated, owners and states re-applied)\n`;
      return out;
    }
    const actions = ["create", "update", "state", "delete"] as const;
    const counts = actions.map((a) => [a, s.changes!.filter((c) => c.action === a).length] as const).filter(([, n]) => n > 0);
    out += `${pad}${counts.length ? counts.map(([a, n]) => `${n} ${a}`).join(", ") : "no object changes"}${s.readAt ? "; checked unchanged since planning before writing" : ""}\n`;
    for (const a of actions) {
      const list = s.changes.filter((c) => c.action === a);
      const shown = a === "delete" ? list : list.slice(0, OBJECT_LINES_PER_ACTION);
      for (const c of shown) {
        const what = `${clean(c.type, 30)} '${clean(c.title, 60)}' (${clean(c.id, 60)})`;
        if (a === "delete") out += `${pad}- delete ${what}: not in the snapshot\n`;
        else if (a === "state") out += `${pad}- state ${what}: ${c.state?.approved ? "approved" : c.state?.published ? "published" : "private"}\n`;
        else out += `${pad}- ${a} ${what}\n`;
      }
      if (list.length > shown.length) out += `${pad}  … and ${list.length - shown.length} more ${a} (the plan file, --plan --json, lists all)\n`;
    }
  }
  if (s.kind === "object-owners" && s.changes) {
    out += `${pad}${s.changes.length} owner change(s)\n`;
    for (const c of s.changes.slice(0, OBJECT_LINES_PER_ACTION)) out += `${pad}- owner ${clean(c.type, 30)} '${clean(c.title, 60)}' (${clean(c.id, 60)}) → ${clean(c.subject, 60)}\n`;
    if (s.changes.length > OBJECT_LINES_PER_ACTION) out += `${pad}  … and ${s.changes.length - OBJECT_LINES_PER_ACTION} more (the plan file, --plan --json, lists all)\n`;
  }
  return out;
}

