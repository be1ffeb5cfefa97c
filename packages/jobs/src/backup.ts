/**
 * `runBackup(spec, deps)`: one snapshot of a tenant into a repository.
 *
 * ```ts
 * const { snapshot, manifest } = await runBackup(
 *   { kind: "backup", tenant: { host: "https://acme.eu.qlikcloud.com", credentials: "vault:acme" },
 *     repository: { url: "/backups/acme", password: "vault:repo" }, tags: ["nightly"] },
 *   { resolveTenant, resolveSecret, signal, onEvent: (e) => queue.publish(e) },
 * );
 * ```
 *
 * Cancelled (the signal aborts): no item starts after it, the run ends with a `JobError`
 * (`cancelled`), no snapshot is written and the repository is closed (its lock released);
 * data saved before stays unreferenced until a prune.
 */
import type { BackupResult } from "@lifeboat/engine";
import { backupThrough, connectFor, openRepositoryFor, runContext } from "./run.ts";
import { JobError, type BackupJobSpec, type JobDeps } from "./spec.ts";

export async function runBackup(spec: BackupJobSpec, deps: JobDeps): Promise<BackupResult> {
  const ctx = runContext(deps, spec.tenant.host ?? "");
  if (deps.signal?.aborted) throw cancelled(`the backup was cancelled before it started; no snapshot was written`, deps.signal);
  const connection = await deps.resolveTenant(spec.tenant);
  ctx.tenant = connection.host;
  const lease = await (deps.openRepository ?? ((ref, use) => openRepositoryFor(ref, use, deps)))(spec.repository, { purpose: "backup" });
  try {
    const { handle, skipped } = connectFor(connection, spec.timeouts, deps, ctx);
    try {
      return await backupThrough(
        handle,
        skipped,
        lease.repository,
        { ...spec, tags: [...connection.tags, ...(spec.tags ?? [])] },
        deps,
        (event) => ctx.emit({ source: "backup", event }),
      );
    } catch (e) {
      if (deps.signal?.aborted) throw cancelled(`the backup of ${connection.host} was cancelled; no snapshot was written — run it again`, deps.signal);
      throw e;
    } finally {
      await handle.close();
    }
  } finally {
    await lease.close();
  }
}

export function cancelled(message: string, signal: AbortSignal): JobError {
  const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? "");
  return new JobError(reason && !/^This operation was aborted$/.test(reason) ? `${message} (${reason})` : message, "cancelled", { cause: signal.reason });
}
