/**
 * `@lifeboat/jobs` — the run layer: a backup or a restore from a plain-data job spec, with
 * everything live (the abort signal, the journal store, the clock, the rate limiter, the event
 * sink, the confirmation gate, how to open the repository and reach a tenant) injected. The
 * CLI, the bench, and later the service and its workers all run jobs through it.
 *
 * ```ts
 * import { runBackup } from "@lifeboat/jobs";
 * await runBackup(
 *   { kind: "backup", tenant: { host: "https://acme.eu.qlikcloud.com", credentials: "vault:acme" },
 *     repository: { url: "s3:https://s3.example.com/backups/acme", password: "vault:repo" } },
 *   { resolveTenant, resolveSecret, signal: AbortSignal.timeout(6 * 3600_000), onEvent: console.log },
 * );
 * ```
 */
export { runBackup } from "./backup.ts";
export { PLAN_KEY_PURPOSE, runRestore, type RestoreJobResult } from "./restore.ts";
export { connectTenant, skippedObjectsRecord } from "./run.ts";
export {
  JobError,
  type BackupJobSpec,
  type ConnectWiring,
  type JobDeps,
  type JobEnvelope,
  type JobEvent,
  type JobNotice,
  type NoticeCode,
  type RepositoryLease,
  type RepositoryRef,
  type RestoreDeps,
  type RestoreJobSpec,
  type TenantConnection,
  type TenantHandle,
  type TenantRef,
} from "./spec.ts";
