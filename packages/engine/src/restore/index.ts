/**
 * Restore: read the snapshot (`loadRestoreSource`) and the target (`readTargetState`),
 * plan purely (`planRestore`), show the plan, then execute it with a journal
 * (`executeRestore`) and read the result back (`verifyRestore`).
 */
export { loadRestoreSource, SnapshotContentError } from "./source.ts";
export type { RestoreSource } from "./source.ts";
export { readTargetState } from "./target.ts";
export { objectsForPlan, objectsNeededFor, planRestore, RestorePlanError, resourcesForPlan, restoreKeyOf } from "./plan.ts";
export type { ResourceStepFields, ResourceStepRef, RestoreOptions, RestorePlan } from "./plan.ts";
export { NO_SECRETS } from "./resources.ts";
export type { ChecklistItem, ResourceDecision, RestoreSecrets } from "./resources.ts";
export { planChecklist, resourceKindsFor } from "../kinds/resources/restore.ts";
export type { ResourceClass } from "../kinds/resources/def.ts";
export { formatPlanFile, parsePlanFile, stalePlanReasons } from "./planfile.ts";
export { journalState, MemoryJournal } from "./journal.ts";
export { defaultStateDir, JournalStoreError, LocalJournalStore, RestoreLockedError, storeJournal } from "./store.ts";
export type { JournalScope, JournalStore, JournalSummary, TenantLock } from "./store.ts";
export { chooseRestoreSnapshot, importLegacyJournals, isSafetySnapshot, restoreJournalKey, SAFETY_TAG, SnapshotChoiceError } from "./resume.ts";
export type { SnapshotChoice } from "./resume.ts";
export { executeRestore, SafetyBackupError } from "./execute.ts";
export type { ExecuteOptions, RestoreEvent, RestoreEventListener, RestoreResult } from "./execute.ts";
export { verifyRestore } from "./verify.ts";
export type { VerificationReport, VerifyOptions } from "./verify.ts";
