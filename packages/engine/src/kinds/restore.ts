/**
 * The restore half of a resource kind (`ResourceKind.restore`): its pure plan fragment, the
 * runners of the step kinds it plans, and its read-back verification. The planner
 * (`restore/plan.ts`), the executor (`restore/execute.ts`) and the verifier (`restore/verify.ts`)
 * iterate the registry and call these; they name no kind.
 *
 * ```ts
 * export const spaces = { layer: "spaces", …,
 *   restore: { plan: planSpaces, steps: spaceSteps, verify: verifySpaces } } satisfies ResourceKind;
 * ```
 *
 * - `plan(b)`: writes the kind's decisions, steps, warnings and blockers into the plan builder
 *   (`restore/builder.ts`), in registry order: a kind may use what the kinds before it decided
 *   (the builder's services, e.g. `ensureUser`). Pure: it reads only `b.ctx`.
 * - `steps`: one runner per step kind the fragment plans (a step kind belongs to one kind). A
 *   runner makes its step idempotent (compare, then change; adopt what an interrupted attempt
 *   created) and returns what it created (`outputs`, by ref key) for the journal.
 * - `verify(v)`: reads back what the kind's steps did and adds mismatches to the report.
 */
import type { SnapshotRepository } from "@lifeboat/repository";
import { LifeboatError, type AppSummary, type ObjectRecord, type RestoreTarget, type SpaceRecord } from "@lifeboat/model";
import type { PlanBuilder } from "../restore/builder.ts";
import type { RestoreEvent } from "../restore/execute.ts";
import type { RestorePlan, StepKind, StepOf } from "../restore/plan.ts";
import type { Created, Ref } from "../restore/ref.ts";
import type { ChecklistItem, RestoreSecrets } from "../restore/resources.ts";
import type { RestoreSource, SourceApp } from "../restore/source.ts";
import type { AppVerification, Mismatch } from "../restore/verify.ts";

/** What a step runner did. */
export interface StepRun {
  /** ref key → target id of what the step created (journaled). */
  outputs?: Created;
  note?: string;
  /** Nothing needed changing. */
  already?: boolean;
  /** What is left for the operator (the target could not do it as asked): the re-entry checklist. */
  checklist?: ChecklistItem[];
  /** Fields left different on purpose (`ResourceWriteResult.unrestored`): journaled; verification does not compare them. */
  unrestored?: string[];
}

/** What a step runner may use. */
export interface StepContext {
  plan: RestorePlan;
  source: RestoreSource;
  /** Where the snapshot's blobs (.qvf, scripts) are read from. */
  repository: SnapshotRepository;
  target: RestoreTarget;
  /** The secrets the operator gave (values only here: never in a step, the journal or an event). */
  secrets: RestoreSecrets;
  /** ref key → target id of everything created so far (this and earlier attempts). */
  created: Created;
  /** This step was started by an earlier attempt and never recorded: look for what it made before creating. */
  interrupted: boolean;
  /** A ref's target id, or undefined when what it names was not created (a failed step). */
  resolve(ref: Ref | undefined): string | undefined;
  /** A ref's target id; throws `DependencyError` (the step is "skipped") when it was not created. */
  need(ref: Ref, what: string): string;
  /** The target id of the user who owns a source user's content, when resolved. */
  ownerOf(sourceUserId: string): string | undefined;
  /** The snapshot app of a plan's app id (throws when the plan does not belong to the snapshot). */
  appOf(sourceAppId: string): SourceApp;
  /** The snapshot objects of an app (read on first use, cached). */
  objectsOf(sourceAppId: string): Promise<ObjectRecord[]>;
  /** An app named `name` in a space (personal when undefined) that is neither in `known` nor created by this restore. */
  findAdoptable(name: string, spaceId: string | undefined, known: string[]): Promise<string | undefined>;
  emit(e: RestoreEvent): void;
}

export type StepRunner<K extends StepKind> = (step: StepOf<K>, x: StepContext) => Promise<StepRun>;
export type StepRunners = { [K in StepKind]?: StepRunner<K> };

/** What a kind's verification reads and writes. */
export interface VerifyContext {
  plan: RestorePlan;
  source: RestoreSource;
  target: RestoreTarget;
  created: Readonly<Created>;
  repository: Pick<SnapshotRepository, "readBlob">;
  resolve(ref: Ref | undefined): string | undefined;
  /** The target's apps and spaces, read once after the restore. */
  targetApps: ReadonlyMap<string, AppSummary>;
  targetSpaces: ReadonlyMap<string, SpaceRecord>;
  /** Apps the target had when the plan was made (duplicates check), when known. */
  appsBefore?: ReadonlySet<string>;
  /** Every app this plan restored into. */
  restoredIds: ReadonlySet<string>;
  /** Apps read back at once. */
  concurrency: number;
  /** Fields a step left different on purpose (its runner said so): not compared. */
  unrestored(stepId: string): readonly string[];
  /** Tenant-level mismatches (users, spaces, assignments). */
  other: Mismatch[];
  /** Per-app reports (kept in plan order by the verifier). */
  apps: AppVerification[];
}

export interface KindRestore {
  plan?: (b: PlanBuilder) => void;
  steps?: StepRunners;
  verify?: (v: VerifyContext) => Promise<void>;
}

/** A step could not run because something it needs was not created by an earlier step: it is "skipped". */
export class DependencyError extends LifeboatError {
  constructor(message: string) {
    super("not-found", message);
    this.name = "DependencyError";
  }
}

/**
 * Someone changed a live app (or what the plan changes in it) between planning and writing:
 * the step wrote nothing, and none of the app's later steps runs (they would act on a stale
 * plan); the restore is partial and running it again plans anew.
 */
export class ConcurrentChangeError extends LifeboatError {
  constructor(
    /** The source app whose steps stop. */
    readonly appId: string,
    message: string,
  ) {
    super("conflict", message);
    this.name = "ConcurrentChangeError";
  }
}

export const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** A value as a report shows it. */
export const show = (v: unknown): string => (v === undefined ? "(none)" : typeof v === "string" ? v : JSON.stringify(v));
