/**
 * The one SQL seam under the history store: an embedded SQLite file (default) or
 * PostgreSQL. Statements are written once with `?` placeholders; the PostgreSQL
 * adapter numbers them (`$1`, `$2`, …). Integers that may exceed 2^31 (epoch
 * milliseconds) are BIGINT and come back from `pg` as strings: callers read them
 * with `Number()`.
 */
import { closeSync, openSync, readFileSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { LifeboatError } from "@lifeboat/model";

// Both drivers are CommonJS; they are loaded on first use, so a service that uses one never loads the other.
const require = createRequire(import.meta.url);

export type Dialect = "sqlite" | "postgres";
export type Param = string | number | null;
export type Row = Record<string, unknown>;

export interface Sql {
  readonly dialect: Dialect;
  query(sql: string, params?: readonly Param[]): Promise<Row[]>;
  /** Returns the number of rows changed. */
  run(sql: string, params?: readonly Param[]): Promise<number>;
  /** Run `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Serialises access to the single SQLite connection (a transaction holds it across awaits). */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  async lock<T>(fn: () => Promise<T>): Promise<T> {
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

/** Another service process owns the run history file (code locked). */
export class HistoryLockedError extends LifeboatError {
  constructor(readonly file: string, readonly pid: number) {
    super(
      "locked",
      `the run history ${file} is in use by process ${pid}; stop that Lifeboat service first (if no such process runs, remove ${file}.owner)`,
    );
    this.name = "HistoryLockedError";
  }
}

/**
 * One service process owns a history file. node-sqlite3-wasm locks the database
 * for each statement or transaction with a `<file>.lock` directory (mkdir is
 * atomic), which keeps two writers apart but stays behind when a process dies
 * mid-write, after which every opener gets "database is locked". So the service
 * also takes `<file>.owner` (exclusive create, holding its pid): a second live
 * service is refused with a clear message, and an owner file of a dead process is
 * taken over together with the `.lock` directory it left.
 */
function takeOwnership(file: string): () => void {
  const ownerPath = `${file}.owner`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(ownerPath, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          unlinkSync(ownerPath);
        } catch {
          /* already gone */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number(readFileSync(ownerPath, "utf8").trim());
      if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) throw new HistoryLockedError(file, pid);
      unlinkSync(ownerPath); // its process is gone
      rmSync(`${file}.lock`, { recursive: true, force: true });
    }
  }
  throw new Error(`could not take ${ownerPath}; remove it if no Lifeboat service runs`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Open an SQLite database file (created if missing), or ":memory:". */
export async function openSqlite(file: string): Promise<Sql> {
  const sqlite = require("node-sqlite3-wasm") as typeof import("node-sqlite3-wasm");
  const path = file === ":memory:" ? file : resolve(file);
  const unlock = path === ":memory:" ? () => undefined : takeOwnership(path);
  let db: InstanceType<typeof sqlite.Database>;
  try {
    db = new sqlite.Database(path);
    db.exec("PRAGMA foreign_keys = ON");
  } catch (e) {
    unlock();
    throw new Error(`could not open the run history ${path}: ${(e as Error).message}; check the path and its permissions`);
  }
  const mutex = new Mutex();
  const direct = (inTx: boolean): Sql => ({
    dialect: "sqlite",
    query: async (sql, params = []) => db.all(sql, [...params]) as Row[],
    run: async (sql, params = []) => db.run(sql, [...params]).changes,
    transaction: async (fn) => {
      if (inTx) throw new Error("nested transactions are not supported");
      db.exec("BEGIN IMMEDIATE");
      try {
        const out = await fn(direct(true));
        db.exec("COMMIT");
        return out;
      } catch (e) {
        if (db.inTransaction) db.exec("ROLLBACK");
        throw e;
      }
    },
    close: async () => undefined,
  });
  const tx = direct(false);
  return {
    dialect: "sqlite",
    query: (sql, params) => mutex.lock(() => tx.query(sql, params)),
    run: (sql, params) => mutex.lock(() => tx.run(sql, params)),
    transaction: (fn) => mutex.lock(() => tx.transaction(fn)),
    close: () =>
      mutex.lock(async () => {
        if (db.isOpen) db.close();
        unlock();
      }),
  };
}

/** `?` → `$1`, `$2`, … (our statements have no `?` inside string literals). */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** Connect to PostgreSQL at `url` (postgres://…). */
export async function openPostgres(url: string): Promise<Sql> {
  const pg = require("pg") as typeof import("pg");
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  // an idle client that loses its connection must not crash the service
  pool.on("error", () => undefined);
  try {
    const c = await pool.connect();
    c.release();
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw new Error(`could not connect to the run history database ${redactUrl(url)}: ${(e as Error).message}; check LIFEBOAT_DATABASE_URL`);
  }
  type Queryable = { query(sql: string, params: Param[]): Promise<{ rows: Row[]; rowCount: number | null }> };
  const over = (q: Queryable, inTx: boolean): Sql => ({
    dialect: "postgres",
    query: async (sql, params = []) => (await q.query(numberPlaceholders(sql), [...params])).rows,
    run: async (sql, params = []) => (await q.query(numberPlaceholders(sql), [...params])).rowCount ?? 0,
    transaction: async (fn) => {
      if (inTx) throw new Error("nested transactions are not supported");
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const out = await fn(over(client as unknown as Queryable, true));
        await client.query("COMMIT");
        return out;
      } catch (e) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
    },
    close: async () => {
      if (!inTx) await pool.end();
    },
  });
  return over(pool as unknown as Queryable, false);
}

/** A database URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(an unparsable URL)";
  }
}
