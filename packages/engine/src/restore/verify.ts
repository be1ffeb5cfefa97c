/**
 * Verification after a restore: reads the restored content back through the target
 * (REST + QIX, the same way a backup reads it) and compares it with the snapshot —
 * every object of every restored app (present, type, title, property tree, owner,
 * approved, published), no objects the snapshot does not have in an imported app (in an app
 * restored in place, none of those the plan deletes; the others are counted as kept), the load
 * script where the plan sets it (section access), the app's owner and
 * space, the owners of the spaces the restore created (or brought back), the development copy holding base content only, created users and spaces, and
 * the assignments the plan restored (with the role Qlik adds for an app's new owner on top).
 *
 * `status` is "match" only when nothing differs; each mismatch names where, what was
 * expected and what was found. Each kind checks its part (`kinds/<layer>/verify.ts`, in
 * registry order: users, spaces and assignments, apps with their objects).
 */
import type { SnapshotRepository } from "@lifeboat/repository";
import type { AppSummary, SpaceRecord } from "@lifeboat/model";
import { restoredAppId } from "../kinds/apps/verify.ts";
import type { ResourceKind } from "../kinds/kind.ts";
import { KINDS } from "../kinds/registry.ts";
import type { VerifyContext } from "../kinds/restore.ts";
import type { RestorePlan } from "./plan.ts";
import { type Created, type Ref, resolveRef } from "./ref.ts";
import type { RestoreSource } from "./source.ts";
import type { RestoreTarget } from "@lifeboat/model";

export interface Mismatch {
  /** e.g. "app 'Sales' object 'sh-1' (sheet 'Q3')". */
  where: string;
  field: string;
  expected?: string;
  actual?: string;
}

export interface AppVerification {
  sourceId: string;
  name: string;
  targetAppId?: string;
  objects: number;
  /** Object fields compared. */
  checked: number;
  /** Objects not comparable (others' private content invisible to a non-bot caller). */
  notVisible: number;
  /** Objects the target app has beyond the snapshot's, kept as the plan said (a user's newer work). */
  kept: number;
  mismatches: Mismatch[];
}

export interface VerificationReport {
  status: "match" | "mismatch";
  checkedAt: string;
  target: string;
  snapshot: string;
  apps: AppVerification[];
  /** Users, spaces, assignments. */
  other: Mismatch[];
  mismatches: number;
}

export interface VerifyOptions {
  plan: RestorePlan;
  source: RestoreSource;
  target: RestoreTarget;
  /** ref key → target id, from the executor's result (or the journal). */
  created: Created;
  /** Where the snapshot's blobs (scripts) are read from. */
  repository: Pick<SnapshotRepository, "readBlob">;
  /**
   * Ids of the apps the target had when the plan was made. With it, an app of a restored
   * app's name in its space that was neither there before nor restored by this plan is a
   * duplicate (e.g. made by a second restore running at the same time) and a mismatch.
   */
  appsBefore?: Iterable<string>;
  /** Apps read back at once (default 16; QIX, not rate-limited). */
  concurrency?: number;
  /** Step id → fields its runner left different on purpose (`RestoreResult.unrestored`): not compared. */
  unrestored?: Readonly<Record<string, readonly string[]>>;
  now?: () => Date;
}

export async function verifyRestore(opts: VerifyOptions): Promise<VerificationReport> {
  const { plan, source, target, created } = opts;
  const order = new Map(plan.apps.map((a, i) => [a.sourceId, i]));
  const targetApps = new Map<string, AppSummary>();
  for await (const a of target.listApps()) targetApps.set(a.appId, a);
  // Every app this plan restores into, whatever its name: never a duplicate of another.
  const restoredIds = new Set<string>();
  for (const d of plan.apps) {
    const id = restoredAppId({ created }, d);
    if (id) restoredIds.add(id);
  }
  for (const id of Object.values(created)) restoredIds.add(id);
  const targetSpaces = new Map<string, SpaceRecord>();
  for await (const s of target.listSpaces()) targetSpaces.set(s.id, s);

  const v: VerifyContext = {
    plan,
    source,
    target,
    created,
    repository: opts.repository,
    resolve: (ref: Ref | undefined) => resolveRef(ref, created),
    targetApps,
    targetSpaces,
    ...(opts.appsBefore ? { appsBefore: new Set(opts.appsBefore) } : {}),
    restoredIds,
    concurrency: opts.concurrency ?? 16,
    unrestored: (stepId) => opts.unrestored?.[stepId] ?? [],
    other: [],
    apps: [],
  };
  for (const kind of KINDS as readonly ResourceKind[]) await kind.restore?.verify?.(v);

  const apps = [...v.apps].sort((a, b) => order.get(a.sourceId)! - order.get(b.sourceId)!);
  const mismatches = v.other.length + apps.reduce((n, a) => n + a.mismatches.length, 0);
  return {
    status: mismatches === 0 ? "match" : "mismatch",
    checkedAt: (opts.now ?? (() => new Date()))().toISOString(),
    target: plan.target.host,
    snapshot: plan.snapshot.id,
    apps,
    other: v.other,
    mismatches,
  };
}
