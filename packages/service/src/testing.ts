/**
 * Test helpers for the service package: throwaway history databases on both
 * backends, cheap password hashing and a logged-in HTTP client (`login`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HistoryLocation } from "./history/store.ts";

const require = createRequire(import.meta.url);

/** The PostgreSQL server the tests use: LIFEBOAT_TEST_POSTGRES_URL, else the machine's (trust auth, user postgres). */
export const TEST_POSTGRES_ADMIN_URL = process.env.LIFEBOAT_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface ThrowawayDatabase {
  location: HistoryLocation;
  /** drop the database / remove the folder */
  drop(): Promise<void>;
}

/** A fresh SQLite file in a new temporary folder. */
export function throwawaySqlite(): ThrowawayDatabase {
  const dir = mkdtempSync(join(tmpdir(), "lifeboat-history-"));
  return { location: { sqlite: join(dir, "history.db") }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

/** Can the test PostgreSQL be reached? Returns the reason when not. */
export async function postgresUnavailable(): Promise<string | undefined> {
  const pg = require("pg") as typeof import("pg");
  const c = new pg.Client({ connectionString: TEST_POSTGRES_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    return undefined;
  } catch (e) {
    return `PostgreSQL at ${TEST_POSTGRES_ADMIN_URL.replace(/:[^:@/]*@/, ":***@")} is not reachable (${(e as Error).message})`;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** A new database on the test PostgreSQL server, dropped by `drop()`. */
export async function throwawayPostgres(): Promise<ThrowawayDatabase> {
  const pg = require("pg") as typeof import("pg");
  const name = `lifeboat_test_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    location: { postgres: url.toString() },
    drop: async () => {
      const c = new pg.Client({ connectionString: TEST_POSTGRES_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** scrypt cost for tests (~1 ms a hash). Never for real accounts. */
export const TEST_SCRYPT = { N: 1024, r: 8, p: 1 } as const;

/** A cookie jar and CSRF token for one logged-in client of a test service. */
export interface TestClient {
  cookie: string;
  csrf: string;
  /** fetch with the session cookie (and the CSRF token on changes) */
  call(path: string, init?: RequestInit & { json?: unknown; noCsrf?: boolean }): Promise<Response>;
}

/** Log in to a service at `url` and return a client that keeps the session. */
export async function login(url: string, username: string, password: string): Promise<TestClient> {
  const r = await fetch(`${url}/api/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username, password }) });
  if (r.status !== 200) throw new Error(`login of ${username} failed: ${r.status} ${await r.text()}`);
  const cookie = (r.headers.get("set-cookie") ?? "").split(";")[0]!;
  const { csrfToken } = (await r.json()) as { csrfToken: string };
  const client: TestClient = {
    cookie,
    csrf: csrfToken,
    call: (path, init = {}) => {
      const { json, noCsrf, ...rest } = init;
      const method = (rest.method ?? "GET").toUpperCase();
      const headers = new Headers(rest.headers);
      headers.set("cookie", client.cookie);
      if (method !== "GET" && !noCsrf) headers.set("x-csrf-token", client.csrf);
      if (json !== undefined) headers.set("content-type", "application/json");
      return fetch(`${url}${path}`, { ...rest, method, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) });
    },
  };
  return client;
}
