/**
 * Restore: read the snapshot (`loadRestoreSource`) and the target (`readTargetState`),
 * plan purely (`planRestore`), show the plan, then execute it with a journal
 * (`executeRestore`) and read the result back (`verifyRestore`).
 */
export { loadRestoreSource, SnapshotContentError } from "./source.ts";
export type { RestoreSource, SourceApp, SourceSpace } from "./source.ts";
export { readTargetState } from "./target.ts";
export type { TargetState } from "./target.ts";
export { objectsNeededFor, PLAN_FORMAT, PLAN_VERSION, planRestore, previousRestoreKeysOf, RestorePlanError, restoreKeyOf } from "./plan.ts";
export type { AppDecision, PlannedRemoval, PlanStep, PreviousAttempt, Ref, RestoreOptions, RestorePlan, SpaceDecision, StepKind, UserDecision } from "./plan.ts";
export { formatPlanFile, parsePlanFile, PlanFileError, signPlan, stalePlanReasons } from "./planfile.ts";
export type { SignedPlan } from "./planfile.ts";
export { FileJournal, journalState, MemoryJournal } from "./journal.ts";
export { defaultStateDir, JournalStoreError, LocalJournalStore, RestoreLockedError, RestoreLockLostError, storeJournal } from "./store.ts";
export type { JournalScope, JournalStore, JournalSummary, LocalJournalStoreOptions, RestoreLockInfo, TenantLock } from "./store.ts";
export { chooseRestoreSnapshot, importLegacyJournals, isSafetySnapshot, restoreJournalKey, SAFETY_TAG, SnapshotChoiceError } from "./resume.ts";
export type { ImportedJournal, SnapshotChoice } from "./resume.ts";
export type { JournalRecord, JournalState, RestoreJournal } from "./journal.ts";
export { executeRestore, objectRef, SafetyBackupError, treeFingerprint } from "./execute.ts";
export type { ExecuteOptions, RestoreEvent, RestoreEventListener, RestoreResult, StepOutcome } from "./execute.ts";
export { verifyRestore } from "./verify.ts";
export type { AppVerification, Mismatch, VerificationReport, VerifyOptions } from "./verify.ts";
export { restore } from "./run.ts";
export type { RestoreRunOptions, RestoreRunResult } from "./run.ts";
