/**
 * Versioned schema migrations for the history store.
 *
 * `schema_migrations` holds one row per applied version. `migrate` applies the
 * missing versions in order, each in its own transaction together with its row in
 * `schema_migrations`, so a failed migration leaves the schema at the previous
 * version. On PostgreSQL a transaction-scoped advisory lock serialises two services
 * migrating one database at once; SQLite's `BEGIN IMMEDIATE` does the same for a file.
 *
 * Rules: never edit a released migration; add a new version. Timestamps are epoch
 * milliseconds in BIGINT columns (the same SQL on both databases).
 */
import type { Dialect, Sql } from "./sql.ts";

export interface Migration {
  version: number;
  name: string;
  /** statements for both dialects, or per dialect */
  up: readonly string[] | Readonly<Record<Dialect, readonly string[]>>;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "runs",
    up: [
      `CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        kind TEXT NOT NULL,
        trigger_kind TEXT NOT NULL,
        status TEXT NOT NULL,
        scheduled_for BIGINT,
        started_at BIGINT,
        ended_at BIGINT,
        started_by TEXT NOT NULL,
        counts TEXT NOT NULL DEFAULT '{}',
        snapshot_id TEXT,
        message TEXT
      )`,
      `CREATE INDEX runs_tenant_started ON runs (tenant, started_at)`,
    ],
  },
  {
    version: 2,
    name: "run links, sort time; audit log",
    up: {
      sqlite: [
        `ALTER TABLE runs ADD COLUMN manifest_link TEXT`,
        `ALTER TABLE runs ADD COLUMN log_location TEXT`,
        `ALTER TABLE runs ADD COLUMN at_ms BIGINT`,
        `UPDATE runs SET at_ms = COALESCE(started_at, scheduled_for)`,
        `CREATE INDEX runs_at ON runs (at_ms)`,
        `CREATE INDEX runs_tenant_status ON runs (tenant, status, at_ms)`,
        `CREATE TABLE audit_log (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          at_ms BIGINT NOT NULL,
          actor TEXT NOT NULL,
          action TEXT NOT NULL,
          target TEXT,
          outcome TEXT NOT NULL,
          details TEXT NOT NULL DEFAULT '{}'
        )`,
        `CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
        `CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
      ],
      postgres: [
        `ALTER TABLE runs ADD COLUMN manifest_link TEXT`,
        `ALTER TABLE runs ADD COLUMN log_location TEXT`,
        `ALTER TABLE runs ADD COLUMN at_ms BIGINT`,
        `UPDATE runs SET at_ms = COALESCE(started_at, scheduled_for)`,
        `CREATE INDEX runs_at ON runs (at_ms)`,
        `CREATE INDEX runs_tenant_status ON runs (tenant, status, at_ms)`,
        `CREATE TABLE audit_log (
          id BIGSERIAL PRIMARY KEY,
          at_ms BIGINT NOT NULL,
          actor TEXT NOT NULL,
          action TEXT NOT NULL,
          target TEXT,
          outcome TEXT NOT NULL,
          details TEXT NOT NULL DEFAULT '{}'
        )`,
        `CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$`,
        `CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
          FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`,
        `CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
          FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`,
      ],
    },
  },
  {
    version: 3,
    name: "alert deliveries",
    up: {
      sqlite: [
        `CREATE TABLE alert_deliveries (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          at_ms BIGINT NOT NULL,
          tenant TEXT NOT NULL,
          event TEXT NOT NULL,
          channel TEXT NOT NULL,
          outcome TEXT NOT NULL,
          attempts INTEGER NOT NULL,
          error TEXT,
          run_id TEXT
        )`,
        `CREATE INDEX alert_deliveries_tenant ON alert_deliveries (tenant, at_ms)`,
      ],
      postgres: [
        `CREATE TABLE alert_deliveries (
          id BIGSERIAL PRIMARY KEY,
          at_ms BIGINT NOT NULL,
          tenant TEXT NOT NULL,
          event TEXT NOT NULL,
          channel TEXT NOT NULL,
          outcome TEXT NOT NULL,
          attempts INTEGER NOT NULL,
          error TEXT,
          run_id TEXT
        )`,
        `CREATE INDEX alert_deliveries_tenant ON alert_deliveries (tenant, at_ms)`,
      ],
    },
  },
  {
    version: 4,
    name: "accounts, sessions, API tokens, settings",
    up: [
      `CREATE TABLE users (
        username TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      )`,
      `CREATE TABLE sessions (
        id_hash TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        csrf_token TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        last_seen BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
      )`,
      `CREATE INDEX sessions_user ON sessions (username)`,
      `CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        username TEXT NOT NULL,
        role TEXT NOT NULL,
        token_hash TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        last_used_at BIGINT,
        revoked_at BIGINT
      )`,
      `CREATE TABLE settings (
        setting_key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at BIGINT NOT NULL
      )`,
    ],
  },
];

/** The PostgreSQL advisory-lock key that serialises migrations ("LB" + 13). */
const MIGRATION_LOCK = 0x4c4213;

export const LATEST_VERSION = MIGRATIONS.at(-1)!.version;

/** Versions applied so far (empty for a new database). */
export async function appliedVersions(db: Sql): Promise<number[]> {
  // under the same lock as the migrations: two PostgreSQL sessions running CREATE TABLE IF NOT EXISTS at once can collide
  await db.transaction(async (tx) => {
    if (tx.dialect === "postgres") await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
    await tx.run(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`);
  });
  const rows = await db.query(`SELECT version FROM schema_migrations ORDER BY version`);
  return rows.map((r) => Number(r.version));
}

/**
 * Apply missing migrations up to `target` (default: the latest), in order.
 * Refuses a database newer than this code knows.
 */
export async function migrate(db: Sql, opts: { target?: number; now?: () => Date; migrations?: readonly Migration[] } = {}): Promise<number[]> {
  const migrations = opts.migrations ?? MIGRATIONS;
  const target = opts.target ?? migrations.at(-1)!.version;
  const now = opts.now ?? (() => new Date());
  const applied = await appliedVersions(db);
  const newest = Math.max(0, ...applied);
  const known = migrations.at(-1)?.version ?? 0;
  if (newest > known) {
    throw new Error(`the run history's schema is at version ${newest}, newer than this Lifeboat knows (${known}); upgrade Lifeboat`);
  }
  const done: number[] = [];
  for (const m of migrations) {
    if (m.version > target || applied.includes(m.version)) continue;
    await db.transaction(async (tx) => {
      if (tx.dialect === "postgres") await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
      // another process may have applied it while we waited for the lock
      const again = await tx.query(`SELECT 1 AS x FROM schema_migrations WHERE version = ?`, [m.version]);
      if (again.length > 0) return;
      const statements = Array.isArray(m.up) ? m.up : (m.up as Record<Dialect, readonly string[]>)[tx.dialect];
      for (const s of statements) await tx.run(s);
      await tx.run(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`, [m.version, m.name, now().getTime()]);
      done.push(m.version);
    }).catch((e: unknown) => {
      throw new Error(`schema migration ${m.version} (${m.name}) failed and was rolled back: ${(e as Error).message}`);
    });
  }
  return done;
}
