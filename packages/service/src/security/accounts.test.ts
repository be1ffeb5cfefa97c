/**
 * Accounts, sessions, API tokens and sealed tenant settings on both databases: an SQLite file
 * and the machine's PostgreSQL (a throwaway database per test), as the history store's suite.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { migrate } from "../history/migrations.ts";
import { openPostgres, openSqlite, type Sql } from "../history/sql.ts";
import { TenantSettings } from "../settings/tenants.ts";
import { postgresUnavailable, TEST_SCRYPT, throwawayPostgres, throwawaySqlite, type ThrowawayDatabase } from "../testing.ts";
import { AccountStore, LoginLimiter } from "./accounts.ts";
import { hashPassword, needsRehash, verifyPassword } from "./passwords.ts";
import { SecretBox } from "./secretbox.ts";

const pgMissing = await postgresUnavailable();
if (pgMissing && process.env.CI) throw new Error(`${pgMissing}; CI needs it for the account store's PostgreSQL suite`);

const backends: { name: string; make: () => Promise<ThrowawayDatabase>; skip?: string }[] = [
  { name: "sqlite", make: async () => throwawaySqlite() },
  { name: "postgres", make: throwawayPostgres, ...(pgMissing ? { skip: pgMissing } : {}) },
];

describe("password hashes", () => {
  it("are salted scrypt with their parameters, verify only the right password, and say when to re-hash", async () => {
    const a = await hashPassword("a long enough password", TEST_SCRYPT);
    const b = await hashPassword("a long enough password", TEST_SCRYPT);
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain("a long enough password");
    expect(await verifyPassword("a long enough password", a)).toBe(true);
    expect(await verifyPassword("a long enough passwort", a)).toBe(false);
    expect(await verifyPassword("x", "not-a-hash")).toBe(false);
    expect(needsRehash(a)).toBe(true); // weaker than the default N=2^15
    expect(needsRehash(a, TEST_SCRYPT)).toBe(false);
  });
});

describe("the login limiter", () => {
  it("refuses after the failures of one name, until the oldest leaves the window; success clears the name", () => {
    let t = 0;
    const l = new LoginLimiter({ now: () => new Date(t), windowMs: 1000, maxPerUser: 2, maxPerAddress: 5 });
    l.failed("Ann", "1.2.3.4");
    expect(l.retryAfterMs("ann", "1.2.3.4")).toBe(0);
    t = 100;
    l.failed("ann", "1.2.3.4");
    expect(l.retryAfterMs("ANN", "5.6.7.8")).toBe(900);
    t = 1001;
    expect(l.retryAfterMs("ann", "1.2.3.4")).toBe(0);
    l.succeeded("ann");
    for (const u of ["a", "b", "c", "d", "e"]) l.failed(u, "9.9.9.9");
    expect(l.retryAfterMs("fresh", "9.9.9.9")).toBeGreaterThan(0);
  });
});

for (const backend of backends) {
  describe.skipIf(backend.skip !== undefined)(`accounts and settings on ${backend.name}${backend.skip ? ` (skipped: ${backend.skip})` : ""}`, () => {
    let db: ThrowawayDatabase;
    let sql: Sql;
    let t: number;
    let accounts: AccountStore;
    beforeEach(async () => {
      db = await backend.make();
      sql = "postgres" in db.location ? await openPostgres(db.location.postgres) : await openSqlite(db.location.sqlite);
      await migrate(sql);
      t = Date.parse("2026-12-07T10:00:00Z");
      accounts = new AccountStore(sql, { now: () => new Date(t), scrypt: TEST_SCRYPT, sessionIdleMs: 60_000, sessionMaxMs: 300_000 });
    });
    afterEach(async () => {
      await sql?.close();
      await db?.drop();
    });

    it("creates users with checked names, passwords and roles, and never stores the password", async () => {
      await accounts.createUser("ann", "ann's long password", "admin");
      await expect(accounts.createUser("ann", "another long password", "viewer")).rejects.toThrow(/exists already/);
      await expect(accounts.createUser("bob", "short", "viewer")).rejects.toThrow(/at least 12 characters/);
      await expect(accounts.createUser("b o b", "bob's long password", "viewer")).rejects.toThrow(/not valid/);
      await expect(accounts.createUser("bob", "bob's long password", "root" as never)).rejects.toThrow(/unknown role 'root'/);
      expect(await accounts.checkPassword("ann", "ann's long password")).toMatchObject({ username: "ann", role: "admin" });
      expect(await accounts.checkPassword("ann", "wrong password!")).toBeNull();
      expect(await accounts.checkPassword("nobody", "ann's long password")).toBeNull();
      const rows = await sql.query(`SELECT password_hash FROM users`);
      expect(String(rows[0]!.password_hash)).toMatch(/^scrypt\$/);
      expect(String(rows[0]!.password_hash)).not.toContain("ann's long password");
    });

    it("keeps one admin at least", async () => {
      await accounts.createUser("ann", "ann's long password", "admin");
      await expect(accounts.setRole("ann", "viewer")).rejects.toThrow(/last admin/);
      await expect(accounts.deleteUser("ann")).rejects.toThrow(/last admin/);
      await accounts.createUser("bob", "bob's long password", "admin");
      await accounts.setRole("ann", "viewer");
      expect((await accounts.getUser("ann"))!.role).toBe("viewer");
    });

    it("ends sessions after their idle time or their longest life, and at logout; a password change ends them all", async () => {
      await accounts.createUser("ann", "ann's long password", "operator");
      const s = await accounts.createSession("ann");
      expect(await accounts.session(s.id)).toMatchObject({ username: "ann", role: "operator", csrfToken: s.csrfToken });
      expect(await accounts.session("made-up")).toBeNull();
      for (let i = 0; i < 4; i++) {
        t += 50_000; // within the idle time each time: the session slides
        expect(await accounts.session(s.id)).not.toBeNull();
      }
      t += 50_000; // 250 s after login
      expect(await accounts.session(s.id)).not.toBeNull();
      t += 55_000; // past the 300 s longest life
      expect(await accounts.session(s.id)).toBeNull();
      const idle = await accounts.createSession("ann");
      t += 61_000;
      expect(await accounts.session(idle.id)).toBeNull();
      const out = await accounts.createSession("ann");
      await accounts.endSession(out.id);
      expect(await accounts.session(out.id)).toBeNull();
      const kept = await accounts.createSession("ann");
      await accounts.setPassword("ann", "ann's new long password");
      expect(await accounts.session(kept.id)).toBeNull();
      const stored = await sql.query(`SELECT id_hash FROM sessions`);
      for (const r of stored) expect(String(r.id_hash)).not.toBe(kept.id);
    });

    it("makes API tokens shown once, stored hashed, never above the owner's role, revocable", async () => {
      await accounts.createUser("ann", "ann's long password", "admin");
      await accounts.createUser("op", "op's long password!", "operator");
      await expect(accounts.createToken("op", "too much", "admin")).rejects.toThrow(/cannot make a token with role admin/);
      const { token, record } = await accounts.createToken("op", "nightly job", "operator");
      expect(token).toMatch(/^lbt_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
      const rows = await sql.query(`SELECT token_hash FROM api_tokens`);
      expect(String(rows[0]!.token_hash)).not.toContain(token);
      expect(await accounts.authenticateToken(token)).toMatchObject({ record: { id: record.id, role: "operator" }, user: { username: "op" } });
      expect(await accounts.authenticateToken(token.slice(0, -1) + (token.endsWith("A") ? "B" : "A"))).toBeNull();
      expect(await accounts.authenticateToken("lbt_nonsense")).toBeNull();
      await accounts.setRole("op", "viewer");
      expect((await accounts.authenticateToken(token))!.record.role).toBe("viewer");
      await expect(accounts.revokeToken(record.id, { username: "someone", role: "operator" })).rejects.toThrow(/only its owner or an admin/);
      await accounts.revokeToken(record.id, { username: "ann", role: "admin" });
      expect(await accounts.authenticateToken(token)).toBeNull();
      expect((await accounts.listTokens("op"))[0]!.revokedAt).not.toBeNull();
    });

    it("seals tenant secrets, keeps them when an update leaves them out, and opens them only with the key", async () => {
      const box = new SecretBox(new Uint8Array(32).fill(1));
      const settings = new TenantSettings(sql, box, () => new Date(t));
      const input = {
        host: "https://acme.eu.qlikcloud.com",
        auth: { type: "oauth2", clientId: "client-1", clientSecret: "the-client-secret-value" },
        repository: { url: "/backups/acme", password: "the-repository-password" },
        schedules: [{ every: "day", at: "02:30", timeZone: "Europe/Amsterdam" }],
        alerts: { channels: [{ type: "slack", url: "https://hooks.slack.com/services/T000/B000/secretpart123" }] },
      };
      await expect(settings.put("acme", { ...input, auth: { type: "oauth2", clientId: "client-1" } })).rejects.toThrow(/auth\.clientSecret: missing/);
      await settings.put("acme", input);
      const raw = (await sql.query(`SELECT value FROM settings`)).map((r) => String(r.value)).join("\n");
      for (const secret of ["the-client-secret-value", "the-repository-password", "secretpart123"]) expect(raw).not.toContain(secret);
      // an update without the secrets keeps them
      await settings.put("acme", { ...input, auth: { type: "oauth2", clientId: "client-1" }, repository: { url: "/backups/acme2" }, alerts: undefined });
      const again = new TenantSettings(sql, box);
      await again.load();
      expect(again.connection("acme").auth).toEqual({ type: "oauth2", clientId: "client-1", clientSecret: "the-client-secret-value" });
      expect(again.repositoryPassword("acme")).toBe("the-repository-password");
      expect(again.alertSettings("acme")!.channels).toHaveLength(1);
      expect(again.get("acme")!.stored.repository.url).toBe("/backups/acme2");
      const wrongKey = new TenantSettings(sql, new SecretBox(new Uint8Array(32).fill(2)));
      await expect(wrongKey.load()).rejects.toThrow(/cannot be decrypted with this service's key/);
      await expect(settings.put("acme", { ...input, schedules: [{ cron: "* * * * *" }] })).rejects.toThrow(/at least 5 minutes apart/);
    });
  });
}
