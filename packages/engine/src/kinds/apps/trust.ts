/**
 * `trustItemDates` (BackupOptions): when an app's catalogue entry is exactly as the previous
 * snapshot recorded it, its attributes, script and history are taken from that snapshot.
 */
import type { BlobRef, SnapshotRepository } from "@lifeboat/repository";
import type { AppSummary } from "@lifeboat/model";

/**
 * The items service stamps its dates to the second (a real tenant's listing:
 * `"updatedAt": "2024-01-25T17:56:02Z"`), so a change made in the same second as the one the
 * previous run saw, after that run listed the app, leaves the dates as they were. The
 * previous run's reads are trusted only when both dates lie a full second (plus a second for
 * clock skew) before that run started.
 */
export function settledBefore(now: AppSummary, previousStart: string | undefined): boolean {
  const start = previousStart ? Date.parse(previousStart) : Number.NaN;
  const dates = [now.updatedAt, now.resourceUpdatedAt].map((d) => (d ? Date.parse(d) : Number.NaN));
  return Number.isFinite(start) && dates.every((d) => Number.isFinite(d) && d + 2000 <= start);
}

/** Same catalogue entry: both dates present and equal, and the same name, space and owner. */
export function sameCatalogueEntry(before: AppSummary, now: AppSummary): boolean {
  if (!now.updatedAt || !now.resourceUpdatedAt) return false;
  return (
    before.updatedAt === now.updatedAt &&
    before.resourceUpdatedAt === now.resourceUpdatedAt &&
    before.name === now.name &&
    before.spaceId === now.spaceId &&
    before.spaceType === now.spaceType &&
    before.ownerId === now.ownerId &&
    before.itemId === now.itemId
  );
}

export async function readText(repo: SnapshotRepository, ref: BlobRef): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const part of repo.readBlob(ref.id)) parts.push(part);
  return Buffer.concat(parts).toString("utf8");
}
