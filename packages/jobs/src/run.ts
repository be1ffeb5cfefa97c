/**
 * What backup and restore runs share: the envelope around every event, the default ways to
 * open the repository and to connect to a tenant, and the record of objects the connector
 * skipped (every backup through a connection records them, the restore's safety backup too).
 */
import { randomUUID } from "node:crypto";
import { backup, type BackupEvent, type BackupResult } from "@lifeboat/engine";
import { createRestoreTarget, createTenantClient, type QlikClientEvent } from "@lifeboat/qlik";
import { openRepository, type SnapshotRepository } from "@lifeboat/repository";
import type { ConnectWiring, JobDeps, JobEvent, RepositoryLease, RepositoryRef, TenantConnection, TenantHandle } from "./spec.ts";

export interface RunContext {
  runId: string;
  now: () => Date;
  /** The tenant named in envelopes (set once known). */
  tenant: string;
  emit(e: JobEvent): void;
}

export function runContext(deps: JobDeps, tenant: string): RunContext {
  const now = deps.now ?? (() => new Date());
  const ctx: RunContext = {
    runId: deps.runId ?? randomUUID(),
    now,
    tenant,
    emit: (event) => deps.onEvent?.({ runId: ctx.runId, tenant: ctx.tenant, at: now().toISOString(), event }),
  };
  return ctx;
}

/** The default `connect`: a tenant client over @qlik/api with the run's wiring. */
export function connectTenant(connection: TenantConnection, wiring: ConnectWiring): TenantHandle {
  const client = createTenantClient({
    host: connection.host,
    auth: connection.auth,
    timeouts: wiring.timeouts,
    onEvent: wiring.onEvent,
    ...(wiring.limiter ? { limiter: wiring.limiter } : {}),
    ...(wiring.signal ? { signal: wiring.signal } : {}),
  });
  return { reader: client, target: () => createRestoreTarget(client), close: () => client.close() };
}

/** The default `openRepository`: the password resolved through `resolveSecret`, locked for the use. */
export async function openRepositoryFor(ref: RepositoryRef, use: { purpose: "backup" | "restore" }, deps: JobDeps): Promise<RepositoryLease> {
  const password = ref.password !== undefined ? await deps.resolveSecret?.(ref.password) : undefined;
  if (ref.password !== undefined && password === undefined)
    throw new Error(`the repository password is named (${ref.password}) but no resolveSecret was given to read it`);
  const repository = await openRepository({
    url: ref.url,
    ...(password !== undefined ? { password } : {}),
    ...(ref.insecureNoPassword ? { insecureNoPassword: true } : {}),
    // A backup takes the shared lock before reading the index (what it deduplicates against
    // cannot be pruned meanwhile); a restore only reads: --no-lock and read-only storage work.
    ...(use.purpose === "backup"
      ? { lock: { kind: "shared" as const, purpose: "backup" } }
      : { autoLock: "none" as const, noLock: ref.noLock === true, readOnlyFallback: true, lock: { kind: "shared" as const, purpose: "restore" } }),
  });
  return { repository, close: () => repository.close() };
}

export type SkippedObject = { objectId: string; objectType: string; reason: string };

/**
 * Objects the connector could not read arrive as its events, not in what it returns; the
 * engine records them as skipped when asked per app (`skippedObjects`). Every backup through
 * a connection — a backup job and a restore's safety backup — wires this record, so the
 * snapshot's manifest names what is missing from it and why.
 */
export function skippedObjectsRecord(): { onEvent: (e: QlikClientEvent) => void; of: (appId: string) => SkippedObject[] } {
  const skipped = new Map<string, SkippedObject[]>();
  return {
    onEvent: (e) => {
      if (e.type === "object-skipped") skipped.set(e.appId, [...(skipped.get(e.appId) ?? []), { objectId: e.objectId, objectType: e.objectType, reason: e.reason }]);
    },
    of: (appId) => skipped.get(appId) ?? [],
  };
}

/** A connection with its skipped-objects record and its events forwarded to the run. */
export function connectFor(connection: TenantConnection, specTimeouts: ConnectWiring["timeouts"] | undefined, deps: JobDeps, ctx: RunContext) {
  const skipped = skippedObjectsRecord();
  const handle = (deps.connect ?? connectTenant)(connection, {
    timeouts: { ...connection.timeouts, ...specTimeouts },
    onEvent: (e) => {
      skipped.onEvent(e);
      ctx.emit({ source: "connector", event: e });
    },
    ...(deps.limiter ? { limiter: deps.limiter } : {}),
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  return { handle, skipped };
}

/** One backup through a connection, skipped objects recorded, cancelled by the run's signal. */
export function backupThrough(
  handle: TenantHandle,
  skipped: ReturnType<typeof skippedObjectsRecord>,
  repository: SnapshotRepository,
  o: { tags: string[]; full?: boolean; withData?: boolean; trustItemDates?: boolean; deepCheckDays?: number; sessions?: number; exports?: number },
  deps: JobDeps,
  onEvent: (e: BackupEvent) => void,
): Promise<BackupResult> {
  return backup({
    tenant: handle.reader,
    repository,
    tags: o.tags,
    ...(o.full !== undefined ? { full: o.full } : {}),
    ...(o.withData !== undefined ? { withData: o.withData } : {}),
    ...(o.trustItemDates !== undefined ? { trustItemDates: o.trustItemDates } : {}),
    ...(o.deepCheckDays !== undefined ? { deepCheckDays: o.deepCheckDays } : {}),
    ...(o.sessions !== undefined ? { sessions: o.sessions } : {}),
    ...(o.exports !== undefined ? { exports: o.exports } : {}),
    ...(deps.now ? { now: deps.now } : {}),
    ...(deps.signal ? { signal: deps.signal } : {}),
    skippedObjects: skipped.of,
    onEvent,
  });
}
