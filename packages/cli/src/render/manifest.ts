/** Text renderings of a backup manifest and a snapshot diff. */
import { LAYERS, pluralOf, RESOURCES, type Manifest, type SnapshotDiff } from "@lifeboat/engine";
import type { Snapshot } from "@lifeboat/repository";
import { clean, formatBytes, formatDuration, table } from "./table.ts";

export function renderManifest(manifest: Manifest, snapshot?: Snapshot, opts: { items?: boolean } = {}): string {
  let text = "";
  if (snapshot) text += `snapshot ${snapshot.id.slice(0, 12)} of ${clean(snapshot.tenant, 200)} at ${snapshot.time}${snapshot.partial ? " (PARTIAL)" : ""}\n`;
  text += `caller ${clean(manifest.caller.subject || manifest.caller.userId, 200)}${manifest.caller.isPrivateContentBot ? " (private-content bot)" : ""}, `;
  text += `took ${formatDuration(manifest.durationMs)}, exported ${manifest.exports.count} app(s), ${formatBytes(manifest.exports.bytes)}`;
  if (manifest.options.full) text += ", --full";
  if (manifest.options.withData) text += ", with data";
  text += "\n\n";
  const withResources = RESOURCES.some((k) => manifest.counts[k.layer]);
  text += table(
    ["layer", "captured", "unchanged", "failed", "skipped"],
    // A layer this snapshot has no count for (taken before the kind existed) is left out.
    // A layer this snapshot has no count for (taken before the kind existed) is left out — but
    // when the run captured declared resource kinds, each declared kind is listed (0: it found none).
    LAYERS.filter((l) => l !== "tenant" && (manifest.counts[l] || (withResources && RESOURCES.some((k) => k.layer === l)))).map((l) => {
      const c = manifest.counts[l] ?? { captured: 0, unchanged: 0, failed: 0, skipped: 0 };
      return [l, c.captured, c.unchanged, c.failed, c.skipped];
    }),
  );
  const problems = manifest.items.filter((i) => i.status === "failed" || i.status === "skipped");
  if (problems.length) {
    text += `\n${problems.length} item(s) failed or skipped:\n`;
    for (const p of problems) text += `  ${p.status} ${p.layer} ${p.name ? `'${clean(p.name)}' ` : ""}(${clean(p.id)}): ${clean(p.reason ?? "", 2000)}\n`;
  }
  if (manifest.coverageGaps.length) {
    text += "\ncoverage gaps:\n";
    for (const g of manifest.coverageGaps) text += `  ${g.layer}: ${clean(g.description, 2000)}\n`;
  }
  if (opts.items) {
    const apps = manifest.items.filter((i) => i.layer === "apps");
    if (apps.length) {
      text += "\n" + table(
        ["app", "id", "status", "objects", "qvf"],
        apps.map((a) => [
          clean(a.name ?? "", 40),
          clean(a.id, 60),
          a.status,
          manifest.items.filter((o) => o.layer === "objects" && o.appId === a.id && o.status === "captured").length,
          a.status === "unchanged" ? "referenced" : a.bytes ? formatBytes(a.bytes) : "-",
        ]),
      );
    }
  }
  if (manifest.apiCalls !== undefined) text += `\nAPI calls: ${formatApiCalls(manifest.apiCalls)}\n`;
  const reentry = reentrySummary(manifest);
  if (reentry.length) text += `\n${reentry.map((l) => `${l}\n`).join("")}`;
  const needs = manifest.restoreNeeds.filter((n) => n.reenter.length > 0);
  text += needs.length
    ? `\na restore will need re-entered: ${needs.map((n) => `${n.layer}: ${n.reenter.join(", ")}`).join("; ")}\n`
    : "\na restore will need no secrets re-entered for these layers (apps exported without data need a reload)\n";
  return text;
}

/**
 * Per kind, how many captured items a restore will need which secrets re-entered for ("3 data
 * connections need their user name and password re-entered at restore"), from the manifest
 * items' `reenter`.
 */
export function reentrySummary(manifest: Manifest): string[] {
  // layer → the labels of each item needing some
  const byLayer = new Map<string, string[][]>();
  for (const item of manifest.items) {
    if ((item.status !== "captured" && item.status !== "unchanged") || !item.reenter?.length) continue;
    const list = byLayer.get(item.layer) ?? [];
    list.push(item.reenter);
    byLayer.set(item.layer, list);
  }
  const rank = (layer: string) => LAYERS.indexOf(layer as (typeof LAYERS)[number]);
  const words = (labels: string[]) => (labels.length > 1 ? `${labels.slice(0, -1).join(", ")} and ${labels.at(-1)}` : labels[0]!);
  return [...byLayer]
    .sort(([a], [b]) => rank(a) - rank(b))
    .flatMap(([layer, lists]) => {
      const kind = RESOURCES.find((k) => k.layer === layer);
      const noun = kind?.noun ?? layer;
      const nouns = kind ? pluralOf(kind) : layer;
      // Items needing the same labels are counted together.
      const groups = new Map<string, number>();
      for (const l of lists) groups.set(JSON.stringify(l), (groups.get(JSON.stringify(l)) ?? 0) + 1);
      return [...groups].map(([key, n]) => {
        const labels = (JSON.parse(key) as string[]).map((x) => clean(x, 60));
        return `${n} ${n === 1 ? noun : nouns} ${n === 1 ? "needs its" : "need their"} ${words(labels)} re-entered at restore`;
      });
    });
}

export function renderDiff(diff: SnapshotDiff): string {
  let text = `from ${diff.from.id.slice(0, 12)} (${diff.from.time}) to ${diff.to.id.slice(0, 12)} (${diff.to.time})\n`;
  if (diff.changes.length === 0) return text + "no differences\n";
  const sign = { added: "+", removed: "-", changed: "~" } as const;
  for (const c of diff.changes) text += `${sign[c.kind]} ${clean(c.summary, 400)}\n`;
  text += `${diff.counts.added} added, ${diff.counts.removed} removed, ${diff.counts.changed} changed\n`;
  return text;
}

/** "tier 1: 60, tier 2: 12; QIX: 12 sessions, 312 calls; 0 retries, 0 rate-limited" — or the raw JSON. */
export function formatApiCalls(stats: unknown): string {
  if (!stats || typeof stats !== "object") return JSON.stringify(stats);
  const s = stats as Record<string, unknown>;
  const tiers = s.callsPerTier;
  if (!tiers || typeof tiers !== "object") return JSON.stringify(stats);
  const parts = [
    Object.entries(tiers as Record<string, number>)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([tier, n]) => `${/^\d+$/.test(tier) ? `tier ${tier}` : tier}: ${n}`)
      .join(", ") || "no REST calls",
  ];
  if (typeof s.qixSessions === "number") parts.push(`QIX: ${s.qixSessions} sessions, ${s.qixCalls ?? 0} calls`);
  if (typeof s.retries === "number") parts.push(`${s.retries} retries, ${s.rateLimited ?? 0} rate-limited (429) answers, waited ${formatDuration(Math.round(Number(s.throttledMs ?? 0)))}`);
  return parts.join("; ");
}
