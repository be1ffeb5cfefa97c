/**
 * The run history: every run (scheduled or manual backup, restore, verify, prune,
 * and runs that were missed) with status, times, counts, snapshot and links; the
 * append-only audit log; and the record of alert deliveries.
 *
 * One implementation over the `Sql` seam, on an embedded SQLite file by default or on
 * PostgreSQL; the same conformance suite (`store.test.ts`) runs against both.
 *
 * @example
 *   const history = await openHistoryStore(historyLocationFromEnv(process.env, "/var/lib/lifeboat/history.db"));
 *   const id = await history.startRun({ tenant: "acme", kind: "backup", trigger: "manual", startedAt: new Date(), startedBy: "alice" });
 *   await history.finishRun(id, { status: "succeeded", endedAt: new Date(), counts: { apps: 12 }, snapshotId: "3f…" });
 */
import { randomUUID } from "node:crypto";
import { LifeboatError } from "@lifeboat/model";
import { migrate } from "./migrations.ts";
import { openPostgres, openSqlite, redactUrl, type Param, type Row, type Sql } from "./sql.ts";

export type RunKind = "backup" | "restore" | "verify" | "prune";
export type RunTrigger = "schedule" | "manual";
export type RunStatus = "running" | "succeeded" | "partial" | "failed" | "cancelled" | "missed";
export const RUN_STATUSES: readonly RunStatus[] = ["running", "succeeded", "partial", "failed", "cancelled", "missed"];
const FINISHED: readonly RunStatus[] = ["succeeded", "partial", "failed", "cancelled"];

/** Counts a run reports (apps, objects, items, bytes, failed, …); free-form numbers. */
export type RunCounts = Record<string, number>;

export interface RunRecord {
  id: string;
  tenant: string;
  kind: RunKind;
  trigger: RunTrigger;
  status: RunStatus;
  /** the due time, for scheduled (and missed) runs */
  scheduledFor: Date | null;
  /** null for a missed run */
  startedAt: Date | null;
  endedAt: Date | null;
  durationMs: number | null;
  counts: RunCounts;
  snapshotId: string | null;
  /** where the run's manifest can be read, e.g. "snapshot:3f…/manifest.json" */
  manifestLink: string | null;
  /** where the run's log is, e.g. a file path or URL the service serves */
  logLocation: string | null;
  /** a user name, "scheduler", or an API token's name */
  startedBy: string;
  /** why it failed or was partial, in one line */
  message: string | null;
}

export interface NewRun {
  /** the run's id (default: a new UUID); the service gives its own, so events can name the run before it is recorded */
  id?: string;
  tenant: string;
  kind: RunKind;
  trigger: RunTrigger;
  scheduledFor?: Date | null;
  startedAt: Date;
  startedBy: string;
  logLocation?: string | null;
}

export interface RunEnd {
  status: Exclude<RunStatus, "running" | "missed">;
  endedAt: Date;
  counts?: RunCounts;
  snapshotId?: string | null;
  manifestLink?: string | null;
  logLocation?: string | null;
  message?: string | null;
}

export interface RunQuery {
  tenant?: string;
  status?: RunStatus | readonly RunStatus[];
  kind?: RunKind;
  /** runs at or after (start time, or due time of a missed run) */
  from?: Date;
  /** runs before */
  to?: Date;
  /** default 100, at most 1000 */
  limit?: number;
}

export interface AuditEntry {
  id: number;
  at: Date;
  /** who: a user name, "scheduler", "system" */
  actor: string;
  /** what: "login", "restore.start", "settings.change", … */
  action: string;
  /** on what: a tenant, a user, a setting */
  target: string | null;
  outcome: "ok" | "denied" | "failed";
  /** further facts; never a secret */
  details: Record<string, unknown>;
}

export interface AlertDelivery {
  at: Date;
  tenant: string;
  /** the alert event, e.g. "run-failed" */
  event: string;
  /** the channel, described without secrets, e.g. "slack https://hooks.slack.com/…" */
  channel: string;
  outcome: "delivered" | "failed";
  attempts: number;
  /** the last error, with secrets removed */
  error: string | null;
  runId: string | null;
}

/** No run with that id (code not-found). */
export class UnknownRunError extends LifeboatError {
  constructor(readonly id: string) {
    super("not-found", `no run with id ${id} in the run history; list runs to find its id`, { object: `run ${id}`, next: "list runs to find its id" });
    this.name = "UnknownRunError";
  }
}

export interface HistoryStore {
  readonly dialect: "sqlite" | "postgres";
  startRun(run: NewRun): Promise<string>;
  /** Record how a running run ended. Throws for an unknown id or a run that already ended. */
  finishRun(id: string, end: RunEnd): Promise<RunRecord>;
  getRun(id: string): Promise<RunRecord | null>;
  /** Newest first. */
  listRuns(query?: RunQuery): Promise<RunRecord[]>;
  /** The newest backup with status "succeeded" (a partial one is not a successful backup). */
  lastSuccessfulBackup(tenant: string): Promise<RunRecord | null>;
  /** The same for every tenant that has one. */
  lastSuccessfulBackups(): Promise<Map<string, RunRecord>>;
  /** Due time of the tenant's newest scheduled backup, executed or missed (for the scheduler's missed-run check; scheduled prunes have their own schedule and do not count). */
  lastScheduledRun(tenant: string): Promise<Date | null>;
  /** Record due times that passed while the service was down. */
  recordMissed(tenant: string, dueTimes: readonly Date[]): Promise<void>;
  /** Append to the audit log. There is no update or delete. */
  appendAudit(entry: Omit<AuditEntry, "id" | "details"> & { details?: Record<string, unknown> }): Promise<void>;
  /** Newest first. */
  listAudit(query?: { actor?: string; action?: string; from?: Date; to?: Date; limit?: number }): Promise<AuditEntry[]>;
  recordAlertDelivery(d: AlertDelivery): Promise<void>;
  listAlertDeliveries(query?: { tenant?: string; limit?: number }): Promise<AlertDelivery[]>;
  close(): Promise<void>;
}

/** Where the history lives: an SQLite file (or ":memory:") or a PostgreSQL URL. */
export type HistoryLocation = { sqlite: string } | { postgres: string };

/**
 * `LIFEBOAT_DATABASE_URL=postgres://…` selects PostgreSQL; otherwise the SQLite
 * file `defaultFile`. Read at the service's edge, never deeper.
 */
export function historyLocationFromEnv(env: NodeJS.ProcessEnv, defaultFile: string): HistoryLocation {
  const url = env.LIFEBOAT_DATABASE_URL?.trim();
  if (!url) return { sqlite: defaultFile };
  if (/^postgres(ql)?:\/\//.test(url)) return { postgres: url };
  throw new Error(
    `LIFEBOAT_DATABASE_URL ${redactUrl(url)} is not a PostgreSQL URL; set it to postgres://USER@HOST:PORT/DATABASE, or unset it to use the embedded SQLite file`,
  );
}

/** Open (and migrate to the latest schema) the history store. */
export async function openHistoryStore(location: HistoryLocation, opts: { now?: () => Date } = {}): Promise<HistoryStore> {
  const db = "postgres" in location ? await openPostgres(location.postgres) : await openSqlite(location.sqlite);
  try {
    await migrate(db, opts.now ? { now: opts.now } : {});
  } catch (e) {
    await db.close();
    throw e;
  }
  return new SqlHistoryStore(db);
}

/** The history store over an open, migrated database (the service shares one with its other stores). */
export function historyOver(db: Sql): HistoryStore {
  return new SqlHistoryStore(db);
}

const RUN_COLUMNS =
  "id, tenant, kind, trigger_kind, status, scheduled_for, started_at, ended_at, started_by, counts, snapshot_id, manifest_link, log_location, message";

const date = (v: unknown): Date | null => (v === null || v === undefined ? null : new Date(Number(v)));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function toRun(r: Row): RunRecord {
  const startedAt = date(r.started_at);
  const endedAt = date(r.ended_at);
  return {
    id: String(r.id),
    tenant: String(r.tenant),
    kind: r.kind as RunKind,
    trigger: r.trigger_kind as RunTrigger,
    status: r.status as RunStatus,
    scheduledFor: date(r.scheduled_for),
    startedAt,
    endedAt,
    durationMs: startedAt && endedAt ? endedAt.getTime() - startedAt.getTime() : null,
    counts: JSON.parse(String(r.counts ?? "{}")) as RunCounts,
    snapshotId: str(r.snapshot_id),
    manifestLink: str(r.manifest_link),
    logLocation: str(r.log_location),
    startedBy: String(r.started_by),
    message: str(r.message),
  };
}

function validCounts(counts: RunCounts | undefined): RunCounts {
  const out: RunCounts = {};
  for (const [k, v] of Object.entries(counts ?? {})) {
    if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`run count '${k}' is ${JSON.stringify(v)}, not a finite number`);
    out[k] = v;
  }
  return out;
}

class SqlHistoryStore implements HistoryStore {
  constructor(private readonly db: Sql) {}

  get dialect() {
    return this.db.dialect;
  }

  async startRun(run: NewRun): Promise<string> {
    if (!run.tenant) throw new Error("a run needs a tenant");
    const id = run.id ?? randomUUID();
    const at = run.startedAt.getTime();
    await this.db.run(
      `INSERT INTO runs (id, tenant, kind, trigger_kind, status, scheduled_for, started_at, at_ms, started_by, counts, log_location)
       VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, '{}', ?)`,
      [id, run.tenant, run.kind, run.trigger, run.scheduledFor?.getTime() ?? null, at, at, run.startedBy, run.logLocation ?? null],
    );
    return id;
  }

  async finishRun(id: string, end: RunEnd): Promise<RunRecord> {
    if (!FINISHED.includes(end.status)) throw new Error(`a run ends as one of ${FINISHED.join(", ")}, not '${end.status}'`);
    const counts = JSON.stringify(validCounts(end.counts));
    const changed = await this.db.run(
      `UPDATE runs SET status = ?, ended_at = ?, counts = ?, snapshot_id = ?, manifest_link = ?,
         log_location = COALESCE(?, log_location), message = ?
       WHERE id = ? AND status = 'running'`,
      [end.status, end.endedAt.getTime(), counts, end.snapshotId ?? null, end.manifestLink ?? null, end.logLocation ?? null, end.message ?? null, id],
    );
    const run = await this.getRun(id);
    if (!run) throw new UnknownRunError(id);
    if (changed === 0) throw new Error(`run ${id} of tenant '${run.tenant}' already ended (${run.status}); a run is finished once`);
    return run;
  }

  async getRun(id: string): Promise<RunRecord | null> {
    const rows = await this.db.query(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`, [id]);
    return rows[0] ? toRun(rows[0]) : null;
  }

  async listRuns(q: RunQuery = {}): Promise<RunRecord[]> {
    const where: string[] = [];
    const params: Param[] = [];
    if (q.tenant !== undefined) (where.push("tenant = ?"), params.push(q.tenant));
    if (q.kind !== undefined) (where.push("kind = ?"), params.push(q.kind));
    if (q.status !== undefined) {
      const list = typeof q.status === "string" ? [q.status] : [...q.status];
      for (const s of list) if (!RUN_STATUSES.includes(s)) throw new Error(`unknown run status '${s}'; use one of ${RUN_STATUSES.join(", ")}`);
      if (list.length === 0) return [];
      where.push(`status IN (${list.map(() => "?").join(", ")})`);
      params.push(...list);
    }
    if (q.from) (where.push("at_ms >= ?"), params.push(q.from.getTime()));
    if (q.to) (where.push("at_ms < ?"), params.push(q.to.getTime()));
    const limit = Math.min(Math.max(1, Math.floor(q.limit ?? 100)), 1000);
    const rows = await this.db.query(
      `SELECT ${RUN_COLUMNS} FROM runs ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY at_ms DESC, id DESC LIMIT ${limit}`,
      params,
    );
    return rows.map(toRun);
  }

  async lastSuccessfulBackup(tenant: string): Promise<RunRecord | null> {
    const rows = await this.db.query(
      `SELECT ${RUN_COLUMNS} FROM runs WHERE tenant = ? AND kind = 'backup' AND status = 'succeeded' ORDER BY ended_at DESC, id DESC LIMIT 1`,
      [tenant],
    );
    return rows[0] ? toRun(rows[0]) : null;
  }

  async lastSuccessfulBackups(): Promise<Map<string, RunRecord>> {
    const rows = await this.db.query(
      `SELECT ${RUN_COLUMNS} FROM runs r WHERE kind = 'backup' AND status = 'succeeded'
         AND NOT EXISTS (SELECT 1 FROM runs n WHERE n.tenant = r.tenant AND n.kind = 'backup' AND n.status = 'succeeded'
                         AND (n.ended_at > r.ended_at OR (n.ended_at = r.ended_at AND n.id > r.id)))
       ORDER BY tenant`,
    );
    return new Map(rows.map((r) => [String(r.tenant), toRun(r)]));
  }

  async lastScheduledRun(tenant: string): Promise<Date | null> {
    const rows = await this.db.query(
      `SELECT MAX(scheduled_for) AS due FROM runs WHERE tenant = ? AND kind = 'backup' AND trigger_kind = 'schedule' AND scheduled_for IS NOT NULL`,
      [tenant],
    );
    return date(rows[0]?.due);
  }

  async recordMissed(tenant: string, dueTimes: readonly Date[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const due of dueTimes) {
        await tx.run(
          `INSERT INTO runs (id, tenant, kind, trigger_kind, status, scheduled_for, started_at, at_ms, started_by, counts, message)
           VALUES (?, ?, 'backup', 'schedule', 'missed', ?, NULL, ?, 'scheduler', '{}', ?)`,
          [randomUUID(), tenant, due.getTime(), due.getTime(), "the service was not running at the due time"],
        );
      }
    });
  }

  async appendAudit(e: Omit<AuditEntry, "id" | "details"> & { details?: Record<string, unknown> }): Promise<void> {
    if (!e.actor || !e.action) throw new Error("an audit entry needs an actor and an action");
    await this.db.run(`INSERT INTO audit_log (at_ms, actor, action, target, outcome, details) VALUES (?, ?, ?, ?, ?, ?)`, [
      e.at.getTime(),
      e.actor,
      e.action,
      e.target ?? null,
      e.outcome,
      JSON.stringify(e.details ?? {}),
    ]);
  }

  async listAudit(q: { actor?: string; action?: string; from?: Date; to?: Date; limit?: number } = {}): Promise<AuditEntry[]> {
    const where: string[] = [];
    const params: Param[] = [];
    if (q.actor !== undefined) (where.push("actor = ?"), params.push(q.actor));
    if (q.action !== undefined) (where.push("action = ?"), params.push(q.action));
    if (q.from) (where.push("at_ms >= ?"), params.push(q.from.getTime()));
    if (q.to) (where.push("at_ms < ?"), params.push(q.to.getTime()));
    const limit = Math.min(Math.max(1, Math.floor(q.limit ?? 100)), 1000);
    const rows = await this.db.query(
      `SELECT id, at_ms, actor, action, target, outcome, details FROM audit_log ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY at_ms DESC, id DESC LIMIT ${limit}`,
      params,
    );
    return rows.map((r) => ({
      id: Number(r.id),
      at: new Date(Number(r.at_ms)),
      actor: String(r.actor),
      action: String(r.action),
      target: str(r.target),
      outcome: r.outcome as AuditEntry["outcome"],
      details: JSON.parse(String(r.details)) as Record<string, unknown>,
    }));
  }

  async recordAlertDelivery(d: AlertDelivery): Promise<void> {
    await this.db.run(
      `INSERT INTO alert_deliveries (at_ms, tenant, event, channel, outcome, attempts, error, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [d.at.getTime(), d.tenant, d.event, d.channel, d.outcome, d.attempts, d.error, d.runId],
    );
  }

  async listAlertDeliveries(q: { tenant?: string; limit?: number } = {}): Promise<AlertDelivery[]> {
    const limit = Math.min(Math.max(1, Math.floor(q.limit ?? 100)), 1000);
    const rows = await this.db.query(
      `SELECT at_ms, tenant, event, channel, outcome, attempts, error, run_id FROM alert_deliveries
       ${q.tenant !== undefined ? "WHERE tenant = ?" : ""} ORDER BY at_ms DESC, id DESC LIMIT ${limit}`,
      q.tenant !== undefined ? [q.tenant] : [],
    );
    return rows.map((r) => ({
      at: new Date(Number(r.at_ms)),
      tenant: String(r.tenant),
      event: String(r.event),
      channel: String(r.channel),
      outcome: r.outcome as AlertDelivery["outcome"],
      attempts: Number(r.attempts),
      error: str(r.error),
      runId: str(r.run_id),
    }));
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

