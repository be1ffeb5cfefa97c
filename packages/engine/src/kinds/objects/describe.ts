/** How one object changed between two snapshots, as short phrases for `lifeboat diff`. */
import type { ObjectRecord } from "@lifeboat/model";
import { canonicalJson } from "../../internal/canonical.ts";

interface PropertyNode {
  qProperty?: Record<string, unknown>;
  qChildren?: PropertyNode[];
}

function childId(node: PropertyNode): string | undefined {
  const info = node.qProperty?.qInfo as { qId?: unknown } | undefined;
  return typeof info?.qId === "string" ? info.qId : undefined;
}

function withoutTitle(prop: Record<string, unknown> | undefined): unknown {
  if (!prop) return prop;
  const { qMetaDef, ...rest } = prop;
  if (qMetaDef && typeof qMetaDef === "object") {
    const { title: _t, ...meta } = qMetaDef as Record<string, unknown>;
    return { ...rest, qMetaDef: meta };
  }
  return rest;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * Pure: how one object changed, as short phrases: "title", "owner auth0|a → auth0|b",
 * "published", "properties", "2 charts changed", "1 chart added".
 */
export function describeObjectChange(before: ObjectRecord, after: ObjectRecord): string[] {
  const details: string[] = [];
  if (before.title !== after.title) details.push("title");
  if (before.ownerSubject !== after.ownerSubject || before.ownerId !== after.ownerId)
    details.push(`owner ${before.ownerSubject || before.ownerId} → ${after.ownerSubject || after.ownerId}`);
  if (before.approved !== after.approved) details.push(after.approved ? "approved" : "unapproved");
  if (before.published !== after.published) details.push(after.published ? "published" : "unpublished");
  if (before.type !== after.type) details.push(`type ${before.type} → ${after.type}`);
  const bt = (before.propertyTree ?? {}) as PropertyNode;
  const at = (after.propertyTree ?? {}) as PropertyNode;
  if (canonicalJson(withoutTitle(bt.qProperty)) !== canonicalJson(withoutTitle(at.qProperty))) details.push("properties");
  const kids = (t: PropertyNode) => new Map((t.qChildren ?? []).map((c, i) => [childId(c) ?? `#${i}`, c]));
  const bk = kids(bt);
  const ak = kids(at);
  const word = after.type === "sheet" || before.type === "sheet" ? "chart" : "child object";
  let changed = 0;
  let added = 0;
  let removed = 0;
  for (const [id, c] of ak) {
    const p = bk.get(id);
    if (!p) added++;
    else if (canonicalJson(p) !== canonicalJson(c)) changed++;
  }
  for (const id of bk.keys()) if (!ak.has(id)) removed++;
  if (changed) details.push(`${plural(changed, word)} changed`);
  if (added) details.push(`${plural(added, word)} added`);
  if (removed) details.push(`${plural(removed, word)} removed`);
  if (details.length === 0 && canonicalJson(before) !== canonicalJson(after)) details.push("metadata");
  return details;
}
