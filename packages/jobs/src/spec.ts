/**
 * Job specs (plain, serialisable data: a queue can carry them, a run history can store them)
 * and the dependencies a run is given (live objects: the signal, stores, gates, sinks).
 *
 * A spec names its secrets, never holds them: a tenant's credentials and a repository's
 * password are references that the caller's resolvers turn into values when the job runs.
 */
import type { BackupEvent, BackupOptions, JournalStore, RestoreEvent, RestoreOptions, RestorePlan, RestoreSecrets } from "@lifeboat/engine";
import { errorCodeOf, LifeboatError, type ErrorCode, type TenantReader, type RestoreTarget } from "@lifeboat/model";
import type { QlikClientEvent, RateLimiter, TenantAuth, Timeouts } from "@lifeboat/qlik";
import type { SnapshotRepository } from "@lifeboat/repository";

/** A tenant, named without its secret. */
export interface TenantRef {
  /**
   * The tenant's URL. A restore target may leave it out: it is then the plan file's target
   * (with `fromPlan`), else the tenant `resolveTenant` gives for a reference without a host.
   */
  host?: string;
  /**
   * Which credentials, as the caller's `resolveTenant` understands them (the CLI: `env` for
   * QLIK_API_KEY / QLIK_CLIENT_ID + QLIK_CLIENT_SECRET, `config:NAME` for a tenant of
   * lifeboat.yaml, `default` for the configured default tenant). Never the secret itself.
   */
  credentials: string;
}

/** A tenant as a run talks to it: what `resolveTenant` returns for a `TenantRef`. */
export interface TenantConnection {
  /** The config's tenant name, for messages. */
  name?: string;
  host: string;
  auth: TenantAuth;
  /** Tags every snapshot of this tenant carries. */
  tags: string[];
  /** The tenant's own call deadlines (ms); a spec's `timeouts` win over them. */
  timeouts?: Partial<Timeouts>;
}

/** A repository, named without its password. */
export interface RepositoryRef {
  /** A path or s3:ENDPOINT/BUCKET/PREFIX. */
  url: string;
  /** Which password, as the caller's `resolveSecret` understands it (e.g. `env:LIFEBOAT_PASSWORD`). */
  password?: string;
  /** The repository was made without a password (`--insecure-no-password`). */
  insecureNoPassword?: boolean;
  /** Read without a lock (`--no-lock`; restore only: a read-only or immutable repository). */
  noLock?: boolean;
}

/**
 * A backup run as data. The run's options are the engine's (`BackupOptions`, documented
 * there); tags come after the tenant's own.
 */
export interface BackupJobSpec
  extends Pick<BackupOptions, "full" | "withData" | "trustItemDates" | "deepCheckDays" | "tags" | "sessions" | "exports"> {
  kind: "backup";
  tenant: TenantRef;
  repository: RepositoryRef;
  /** Call deadlines (ms), over the tenant's own. */
  timeouts?: Partial<Timeouts>;
}

export interface RestoreJobSpec {
  kind: "restore";
  repository: RepositoryRef;
  /** Snapshot id, unique prefix or "latest" (not with `fromPlan`). */
  snapshot?: string;
  /** With "latest": the newest snapshot with these tags. */
  tags?: string[];
  /** What to restore and how (not with `fromPlan`: a plan file holds its choices). */
  options?: RestoreOptions;
  /** A signed plan file (written by a plan-only run) to execute exactly as it is; `name` is for messages. */
  fromPlan?: { name: string; text: string };
  /**
   * The tenant to restore into. `snapshotTenant`: the caller did not choose one, so it must be
   * the snapshot's own tenant (a migration names its target).
   */
  target: TenantRef & { snapshotTenant?: boolean };
  /** Read and plan only: nothing is written, no lock taken; the result holds the signed plan file. */
  planOnly?: boolean;
  /** How long to wait for another restore into the same tenant to finish (default 0: stop at once). */
  lockWaitMs?: number;
  /** Call deadlines (ms), over the tenant's own. */
  timeouts?: Partial<Timeouts>;
  /** Folders where earlier versions kept restore journals (flat `<key>.jsonl` files), imported into the journal store. */
  legacyJournalDirs?: string[];
}

/** What a job's event sink receives: every engine and connector event of the run, wrapped. */
export interface JobEnvelope {
  runId: string;
  /** The tenant the run talks to (its host; empty until known). */
  tenant: string;
  /** ISO time of the event (the run's clock). */
  at: string;
  event: JobEvent;
}

export type JobEvent =
  | { source: "backup"; event: BackupEvent }
  | { source: "restore"; event: RestoreEvent }
  /** The backup of the target a restore takes before changing it. */
  | { source: "safety-backup"; event: BackupEvent }
  | { source: "connector"; event: QlikClientEvent }
  | { source: "job"; event: JobNotice };

/** What the run layer itself has to say. */
export type JobNotice =
  /** Something a person should read (the CLI prints `message` as it is). */
  | { type: "notice"; code: NoticeCode; message: string }
  /** The restore plan, before the confirmation gate. */
  | { type: "plan"; plan: RestorePlan };

export type NoticeCode =
  | "journal-imported"
  | "continuing"
  | "unfinished-restore"
  | "restore-running"
  | "lock-wait"
  | "verifying";

/** A connection to a tenant, as `connect` makes it. */
export interface TenantHandle {
  reader: TenantReader;
  /** The restore side of the same connection (restore jobs need it). */
  target?: () => RestoreTarget;
  close(): Promise<void>;
}

/** What `connect` must wire into the connection it makes. */
export interface ConnectWiring {
  /** Call deadlines: the tenant's own with the spec's over them. */
  timeouts: Partial<Timeouts>;
  /** Every connector event goes here (the run records skipped objects from them, and forwards them). */
  onEvent: (e: QlikClientEvent) => void;
  limiter?: RateLimiter;
  signal?: AbortSignal;
}

/** An open repository and how to let it go. */
export interface RepositoryLease {
  repository: SnapshotRepository;
  close(): Promise<void>;
}

export interface JobDeps {
  /** Cancels the run (see runBackup / runRestore for what is left behind). */
  signal?: AbortSignal;
  /** The run's id in its envelopes (default: a random UUID). */
  runId?: string;
  /** Clock (default: the system's). */
  now?: () => Date;
  /** The rate limiter of the tenant's calls (default: one of the connection's own). */
  limiter?: RateLimiter;
  /** Receives every event of the run. */
  onEvent?: (e: JobEnvelope) => void;
  /** Turns a tenant reference into a connection; its errors end the run as they are. */
  resolveTenant: (ref: TenantRef) => TenantConnection | Promise<TenantConnection>;
  /** Turns a password reference into the password (used by the default `openRepository`). */
  resolveSecret?: (reference: string) => string | Promise<string>;
  /** Opens the repository (default: `openRepository` of @lifeboat/repository, with the password resolved). */
  openRepository?: (ref: RepositoryRef, use: { purpose: "backup" | "restore" }) => Promise<RepositoryLease>;
  /** Connects to a tenant (default: `createTenantClient` of @lifeboat/qlik with the wiring). */
  connect?: (connection: TenantConnection, wiring: ConnectWiring) => TenantHandle;
}

export interface RestoreDeps extends JobDeps {
  /** Where journals, logs, verification reports and the tenant's restore lock live. */
  journals: JournalStore;
  /**
   * The gate between plan and change: resolves true to go on. The CLI asks for the tenant's
   * host (or takes --yes); a service brings its own. Without a gate nothing is changed.
   */
  confirm?: (plan: RestorePlan) => Promise<boolean>;
  /**
   * The secrets the operator gives for resource items (`--secrets FILE`, a prompt): never in
   * the spec (which is serialisable and may be stored), the plan, the journal or the log —
   * the planner asks which are given, the step that writes an item asks for the values.
   */
  secrets?: RestoreSecrets;
  /** Lines of the restore log and of its verification (default: the events as JSON). */
  describe?: {
    event(e: RestoreEvent): string | undefined;
    verification(report: import("@lifeboat/engine").VerificationReport): string;
  };
  /**
   * Test hooks (a kill at a chosen point). `beforeExecute`: once the lock is held and the plan
   * confirmed; `afterStep` / `beforeJournal`: as the engine's (`ExecuteOptions`). The log
   * written so far is flushed before each is called.
   */
  hooks?: {
    beforeExecute?: () => void | Promise<void>;
    afterStep?: (stepId: string, index: number) => void | Promise<void>;
    beforeJournal?: (stepId: string, index: number) => void | Promise<void>;
  };
}

/**
 * A run that could not do what its spec asks. `input`: the spec (or a plan file, a snapshot
 * argument) is wrong or no longer fits — nothing was changed (code `usage`); `failed`: the
 * run failed (the code of its cause: `auth`, `unreachable`, `locked`, …); `cancelled`: the
 * signal aborted it (code `cancelled`). A `LifeboatError`: the CLI and the service map the
 * code, not the kind.
 */
export class JobError extends LifeboatError {
  constructor(
    message: string,
    readonly kind: "input" | "failed" | "cancelled",
    options: { cause?: unknown; code?: ErrorCode } = {},
  ) {
    const { code, ...facts } = options;
    super(code ?? (kind === "input" ? "usage" : kind === "cancelled" ? "cancelled" : errorCodeOf(options.cause)), message, facts);
    this.name = "JobError";
  }
}
