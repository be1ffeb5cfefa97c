/**
 * How `lifeboat restore` shows the declared resource kinds (data connections, tasks, themes,
 * …): the plan's decisions, a section per kind with each item's action, class and reason and
 * the secrets it needs (whether given — never a value), and the re-entry checklist (what is
 * left to do by hand, and where) that ends a restore and that `--plan` prints as "will need".
 */
import { pluralOf, RESOURCES, type ChecklistItem, type ResourceClass, type ResourceDecision } from "@lifeboat/engine";
import { clean, table } from "./table.ts";

export const CLASS_LABEL: Record<ResourceClass, string> = {
  direct: "direct",
  input: "recreate with input",
  reference: "reference only",
};

/** What the CLI needs of a declared kind to render it (`DeclaredKind` has it). */
export interface RenderKind {
  readonly layer: string;
  readonly noun: string;
  readonly path?: string;
  readonly def: { readonly where: string };
}

const kindOf = (layer: string, kinds: readonly RenderKind[]) => kinds.find((k) => k.layer === layer);
const plural = (noun: string, n: number) => (n === 1 ? noun : `${noun}s`);

function secretsCell(d: ResourceDecision): string {
  if (!d.secrets?.length) return "-";
  // Not written: the target's item keeps what it holds.
  if (d.action === "unchanged" && !d.secrets.some((s) => s.given)) return "kept in the target";
  return d.secrets.map((s) => `${s.label}: ${s.given ? "given" : "NOT GIVEN"}`).join(", ");
}

/** A section per kind (registry order): each item's action, class, secrets and why. */
export function renderResourceDecisions(decisions: readonly ResourceDecision[], kinds: readonly RenderKind[] = RESOURCES): string {
  if (!decisions.length) return "";
  const layers = [...new Set(decisions.map((d) => d.layer))];
  const rank = (l: string) => {
    const i = kinds.findIndex((k) => k.layer === l);
    return i < 0 ? kinds.length : i;
  };
  layers.sort((a, b) => rank(a) - rank(b));
  let out = "";
  for (const layer of layers) {
    const list = decisions.filter((d) => d.layer === layer);
    const kind = kindOf(layer, kinds);
    const counts = new Map<string, number>();
    for (const d of list) counts.set(d.action, (counts.get(d.action) ?? 0) + 1);
    out += `${kind ? `${pluralOf(kind)} (${kind.path ?? kind.layer})` : layer}: ${[...counts].map(([a, n]) => `${n} ${a}`).join(", ")}\n`;
    out += table(
      ["name", "decision", "class", "secrets", "why"],
      list.map((d) => [
        clean(d.name, 40),
        d.action + (d.targetId ? ` → ${clean(d.targetId, 40)}` : d.action === "create" ? " (new)" : ""),
        CLASS_LABEL[d.class] ?? d.class,
        secretsCell(d),
        clean([d.reason, d.class !== "direct" ? d.classReason : ""].filter(Boolean).join("; "), 160),
      ]),
    );
    out += "\n";
  }
  return out;
}

/**
 * The lines of one item together: "enter its user name" and "enter its password" of one data
 * connection read "enter its user name, password" (the engine lists one per field; `--json`
 * keeps them so).
 */
export function groupChecklist(items: readonly ChecklistItem[]): ChecklistItem[] {
  const out: ChecklistItem[] = [];
  const SECRET = /^enter its (.+)$/;
  const NEVER = /^the (.+) is never returned by Qlik, so the snapshot does not hold it$/;
  const NEVER_ALL = "never returned by Qlik, so the snapshot does not hold them";
  for (const c of items) {
    const prev = out.at(-1);
    const a = prev && SECRET.exec(prev.todo);
    const b = SECRET.exec(c.todo);
    if (prev && a && b && prev.layer === c.layer && prev.sourceId === c.sourceId && prev.where === c.where && prev.targetId === c.targetId) {
      const reason = (NEVER.test(prev.reason) || prev.reason === NEVER_ALL) && NEVER.test(c.reason) ? NEVER_ALL : prev.reason === c.reason ? prev.reason : `${prev.reason}; ${c.reason}`;
      out[out.length - 1] = { ...prev, todo: `enter its ${a[1]}, ${b[1]}`, reason };
    } else out.push(c);
  }
  return out;
}

/** The re-entry checklist: one line per item (its secrets together), with what to do, where and why; `heading` says when it applies. */
export function renderChecklist(items: readonly ChecklistItem[], heading = "re-entry checklist"): string {
  if (!items.length) return `${heading}: nothing left to do by hand\n`;
  const lines = groupChecklist(items);
  let out = `${heading} (${lines.length} ${plural("item", lines.length)}):\n`;
  out += table(
    ["kind", "name", "to do", "where", "why"],
    lines.map((c) => [clean(c.noun, 30), clean(c.name, 40) + (c.targetId ? ` (${clean(c.targetId, 40)})` : ""), clean(c.todo, 80), clean(c.where, 60), clean(c.reason, 120)]),
  );
  return out;
}
