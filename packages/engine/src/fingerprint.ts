/**
 * Change detection without exporting. An export is Tier 2 (expensive); reading an
 * app's attributes (Tier 1), script (Tier 1) and objects (QIX, no tier) is cheap.
 * So the backup reads those every run and hashes them; an app whose hash equals the
 * one in the tenant's previous snapshot is not exported again and the previous
 * .qvf is referenced.
 *
 * Limits, documented in docs/snapshot-layout.md: content that is in the .qvf but not
 * in the hash is not detected — the media library, the data model when the export
 * is without data, and objects the caller cannot see (private content of other
 * users for a non-bot caller). `--full` forces export.
 */
import { canonicalJson, sha256Hex } from "./internal/canonical.ts";
import type { ObjectRecord } from "@lifeboat/model";

/**
 * Attributes that change without the app's content changing (or that describe the
 * caller), left out of the hash. `lastReloadTime` counts only when exporting data.
 */
export const VOLATILE_ATTRIBUTES = ["modifiedDate", "lastReloadTime", "thumbnail", "usage", "privileges", "_resourcetype"] as const;

export type FingerprintInput = {
  attributes: Record<string, unknown>;
  script: string;
  withData: boolean;
} & ({ objects: ObjectRecord[] } | { objectsHash: string });

/** The attributes that count as content: all but the volatile ones. */
export function stableAttributes(attributes: Record<string, unknown>, withData: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { ...attributes };
  for (const key of VOLATILE_ATTRIBUTES) {
    if (key === "lastReloadTime" && withData) continue;
    delete out[key];
  }
  return out;
}

/** Hash of the stable attributes alone (diff uses it to see attribute changes). */
export function attributesHash(attributes: Record<string, unknown>): string {
  return sha256Hex(canonicalJson(stableAttributes(attributes, false))).slice(0, 32);
}

/** Hash of an app's object records (order-independent); stored in app.json as `objectsHash`. */
export function objectsHash(objects: readonly ObjectRecord[]): string {
  const sorted = [...objects].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return sha256Hex(canonicalJson(sorted));
}

/**
 * Version 2: the objects enter through their hash, so a run that found an app's objects
 * unchanged by their stamps can compute the fingerprint from the previous `objectsHash`
 * without reading them. (Version 1 hashed the records inline; a snapshot written with it
 * has a different fingerprint, so the first run after the change exports every app once.)
 */
export function appFingerprint(input: FingerprintInput): string {
  const attributes = stableAttributes(input.attributes, input.withData);
  const objects = "objectsHash" in input ? input.objectsHash : objectsHash(input.objects);
  return sha256Hex(canonicalJson({ v: 2, attributes, script: input.script, objects, withData: input.withData }));
}

/** What the previous snapshot knew about an app. */
export interface PreviousCapture {
  fingerprint: string;
  /** The stored export, when that snapshot has one. */
  qvf?: { ref: { id: string; size: number }; withData: boolean; exportedAt: string };
}

export type ExportDecision =
  | { export: true; reason: string }
  | { export: false; reuse: NonNullable<PreviousCapture["qvf"]>; reason: string };

/**
 * Pure: export the app again, or reference the previous .qvf — and why. The caller
 * still checks that the referenced blob exists before relying on it.
 */
export function decideExport(input: { previous?: PreviousCapture; fingerprint: string; full: boolean; withData: boolean }): ExportDecision {
  const { previous, fingerprint } = input;
  if (input.full) return { export: true, reason: "exported (--full)" };
  if (!previous) return { export: true, reason: "not in the previous snapshot" };
  if (!previous.qvf) return { export: true, reason: "the previous snapshot has no export of it" };
  if (previous.qvf.withData !== input.withData)
    return { export: true, reason: input.withData ? "the previous export is without data" : "the previous export is with data" };
  if (previous.fingerprint !== fingerprint) return { export: true, reason: "changed since the previous snapshot" };
  return { export: false, reuse: previous.qvf, reason: "unchanged since the previous snapshot: its .qvf is referenced" };
}
