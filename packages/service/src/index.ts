/**
 * @lifeboat/service — the parts of `lifeboat serve` that exist so far: schedules and
 * the scheduler, the run history (SQLite or PostgreSQL) with its audit log, and
 * alerts. The HTTP API and the console are not built yet (docs/service.md).
 *
 * @example
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
