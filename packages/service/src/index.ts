/**
 * @lifeboat/service — `lifeboat serve`: the HTTP API (OpenAPI 3.1 at /api/openapi.json) with
 * local accounts, sessions, API tokens and roles; schedules and the scheduler; the run history
 * (SQLite or PostgreSQL) with its audit log; alerts; Prometheus metrics. The console (web UI)
 * comes later (docs/service.md).
 *
 * @example
 *   const service = await createService({ dataDir, adminPassword, tenants, onNotice: console.error });
 *   const { url } = await service.listen({ port: 8080 });
 *
 * The parts, used on their own:
 *   const history = await openHistoryStore(historyLocationFromEnv(process.env, "history.db"));
 *   const parsed = parseTenantSchedules(config.tenants.acme.schedules, "tenants.acme.schedules");
 *   if (!parsed.ok) throw new InvalidInputError("schedules of tenant 'acme'", parsed.issues);
 *   const scheduler = new Scheduler({ clock: systemClock(), schedules: new Map([["acme", parsed.schedules]]),
 *     startRun: (tenant, reason) => runLayer.backup(tenant, reason),
 *     lastScheduledRun: (t) => history.lastScheduledRun(t),
 *     onMissed: (m) => history.recordMissed(m.tenant, m.dueTimes) });
 *   await scheduler.start();
 */
export { InvalidInputError, type Issue } from "./errors.ts";
export {
  MIN_RUN_INTERVAL_MS,
  isTimeZone,
  nextRun,
  nextRunOf,
  parseSchedule,
  parseTenantSchedules,
  runsBetween,
  type ParseResult,
  type Schedule,
  type ScheduleInput,
  type Weekday,
} from "./schedule/spec.ts";
export { ManualClock, systemClock, type Clock, type TimerHandle } from "./schedule/clock.ts";
export { Scheduler, type MissedRuns, type RunReason, type SchedulerOptions, type TenantState } from "./schedule/scheduler.ts";
export {
  historyLocationFromEnv,
  openHistoryStore,
  UnknownRunError,
  type AlertDelivery,
  type AuditEntry,
  type HistoryLocation,
  type HistoryStore,
  type NewRun,
  type RunCounts,
  type RunEnd,
  type RunKind,
  type RunQuery,
  type RunRecord,
  type RunStatus,
  type RunTrigger,
} from "./history/store.ts";
export { HistoryLockedError } from "./history/sql.ts";
export {
  ALERT_EVENT_TYPES,
  DEFAULT_MASS_DELETION,
  eventForMassDeletion,
  eventForMissed,
  eventForRun,
  massDeletion,
  type AlertEvent,
  type AlertEventType,
  type MassDeletionResult,
  type MassDeletionThresholds,
  type SnapshotSummary,
} from "./alerts/events.ts";
export { describeChannel, parseAlertSettings, type AlertSettings, type AlertSettingsResult, type Channel } from "./alerts/settings.ts";
export { AlertDispatcher, type AlertDispatcherOptions, type DeliveryResult } from "./alerts/dispatcher.ts";
export { createService, SERVICE_VERSION, type Service, type ServiceOptions } from "./service.ts";
export { loadSecretKey, SecretBox } from "./security/secretbox.ts";
export { DEFAULT_SCRYPT, type ScryptParams } from "./security/passwords.ts";
export { ROLES, type Role } from "./security/accounts.ts";
export { tenantInputSchema, type TenantInput } from "./settings/tenants.ts";
export { STATUS_OF } from "./http/errors.ts";
