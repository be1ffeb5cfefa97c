/**
 * Local accounts, sessions and API tokens, kept in the service's database (the same SQLite file
 * or PostgreSQL database as the run history; migration 4).
 *
 * - Users have a role: viewer (browse runs and snapshots) < operator (run backups, restore into
 *   non-production tenants) < admin (everything: users, settings, restores anywhere).
 *   Passwords are scrypt hashes (passwords.ts).
 * - Sessions: a random 256-bit id in an HttpOnly cookie; the database keeps only its SHA-256,
 *   so a leaked database holds no usable session. Each session has its own CSRF token. A session
 *   ends after `sessionIdleMs` without a request or `sessionMaxMs` after login, whichever first.
 * - API tokens for automation: `lbt_<id>_<secret>`, shown once at creation; the database keeps
 *   the SHA-256 of the token (it is 256 random bits: a slow hash adds nothing). A token acts
 *   with its own role, at most its owner's.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { LifeboatError } from "@lifeboat/model";
import type { Sql } from "../history/sql.ts";
import { DEFAULT_SCRYPT, decoyHash, hashPassword, needsRehash, verifyPassword, type ScryptParams } from "./passwords.ts";

export type Role = "viewer" | "operator" | "admin";
export const ROLES: readonly Role[] = ["viewer", "operator", "admin"];

/** Does `have` include what `need` may do? */
export function roleAtLeast(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

export interface User {
  username: string;
  role: Role;
  createdAt: Date;
}

export interface SessionInfo {
  username: string;
  role: Role;
  csrfToken: string;
  expiresAt: Date;
}

export interface ApiTokenRecord {
  id: string;
  name: string;
  username: string;
  role: Role;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface AccountOptions {
  now?: () => Date;
  scrypt?: ScryptParams;
  /** default 30 minutes */
  sessionIdleMs?: number;
  /** default 12 hours */
  sessionMaxMs?: number;
}

export const MIN_PASSWORD_LENGTH = 12;
const USERNAME = /^[A-Za-z0-9._@-]{1,64}$/;
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/** Problems with a new password (empty: it is acceptable). */
export function passwordProblems(password: string, username?: string): string[] {
  const out: string[] = [];
  if (password.length < MIN_PASSWORD_LENGTH) out.push(`a password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  if (username && password.toLowerCase() === username.toLowerCase()) out.push("a password must not be the user name");
  return out;
}

export class AccountStore {
  private readonly now: () => Date;
  private readonly scrypt: ScryptParams;
  readonly sessionIdleMs: number;
  readonly sessionMaxMs: number;
  private decoy: Promise<string> | undefined;

  constructor(private readonly db: Sql, opts: AccountOptions = {}) {
    this.now = opts.now ?? (() => new Date());
    this.scrypt = opts.scrypt ?? DEFAULT_SCRYPT;
    this.sessionIdleMs = opts.sessionIdleMs ?? 30 * 60_000;
    this.sessionMaxMs = opts.sessionMaxMs ?? 12 * 3600_000;
  }

  async countUsers(): Promise<number> {
    const rows = await this.db.query(`SELECT COUNT(*) AS n FROM users`);
    return Number(rows[0]?.n ?? 0);
  }

  async createUser(username: string, password: string, role: Role): Promise<User> {
    if (!USERNAME.test(username)) throw new LifeboatError("usage", `user name '${username}' is not valid: use 1–64 letters, digits, '.', '_', '@' or '-'`, { object: `user '${username}'` });
    if (!ROLES.includes(role)) throw new LifeboatError("usage", `unknown role '${role}'; use viewer, operator or admin`, { object: `user '${username}'` });
    const problems = passwordProblems(password, username);
    if (problems.length) throw new LifeboatError("usage", `the password of user '${username}' is not accepted: ${problems.join("; ")}`, { object: `user '${username}'`, next: "choose a longer password" });
    if (await this.getUser(username)) throw new LifeboatError("conflict", `user '${username}' exists already; choose another name or change that user`, { object: `user '${username}'` });
    const at = this.now().getTime();
    await this.db.run(`INSERT INTO users (username, password_hash, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`, [username, await hashPassword(password, this.scrypt), role, at, at]);
    return { username, role, createdAt: new Date(at) };
  }

  async getUser(username: string): Promise<User | null> {
    const rows = await this.db.query(`SELECT username, role, created_at FROM users WHERE username = ?`, [username]);
    const r = rows[0];
    return r ? { username: String(r.username), role: r.role as Role, createdAt: new Date(Number(r.created_at)) } : null;
  }

  async listUsers(): Promise<User[]> {
    const rows = await this.db.query(`SELECT username, role, created_at FROM users ORDER BY username`);
    return rows.map((r) => ({ username: String(r.username), role: r.role as Role, createdAt: new Date(Number(r.created_at)) }));
  }

  private async must(username: string): Promise<User> {
    const u = await this.getUser(username);
    if (!u) throw new LifeboatError("not-found", `no user '${username}'; list the users to find the name`, { object: `user '${username}'` });
    return u;
  }

  async setRole(username: string, role: Role): Promise<User> {
    if (!ROLES.includes(role)) throw new LifeboatError("usage", `unknown role '${role}'; use viewer, operator or admin`);
    const u = await this.must(username);
    if (u.role === "admin" && role !== "admin") await this.keepAnAdmin(username);
    await this.db.run(`UPDATE users SET role = ?, updated_at = ? WHERE username = ?`, [role, this.now().getTime(), username]);
    // a token never acts with more than its owner has now: authenticateToken caps its role
    return { ...u, role };
  }

  async setPassword(username: string, password: string): Promise<void> {
    await this.must(username);
    const problems = passwordProblems(password, username);
    if (problems.length) throw new LifeboatError("usage", `the new password of user '${username}' is not accepted: ${problems.join("; ")}`, { object: `user '${username}'` });
    await this.db.run(`UPDATE users SET password_hash = ?, updated_at = ? WHERE username = ?`, [await hashPassword(password, this.scrypt), this.now().getTime(), username]);
    await this.db.run(`DELETE FROM sessions WHERE username = ?`, [username]);
  }

  async deleteUser(username: string): Promise<void> {
    const u = await this.must(username);
    if (u.role === "admin") await this.keepAnAdmin(username);
    await this.db.transaction(async (tx) => {
      await tx.run(`DELETE FROM sessions WHERE username = ?`, [username]);
      await tx.run(`UPDATE api_tokens SET revoked_at = ? WHERE username = ? AND revoked_at IS NULL`, [this.now().getTime(), username]);
      await tx.run(`DELETE FROM users WHERE username = ?`, [username]);
    });
  }

  private async keepAnAdmin(username: string): Promise<void> {
    const rows = await this.db.query(`SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND username <> ?`, [username]);
    if (Number(rows[0]?.n ?? 0) === 0) throw new LifeboatError("conflict", `'${username}' is the last admin; make another user admin first`, { object: `user '${username}'`, next: "make another user admin first" });
  }

  /** The user when `password` is theirs; null otherwise (same cost either way). Upgrades a weak hash. */
  async checkPassword(username: string, password: string): Promise<User | null> {
    const rows = await this.db.query(`SELECT username, role, created_at, password_hash FROM users WHERE username = ?`, [username]);
    const r = rows[0];
    if (!r) {
      await verifyPassword(password, await (this.decoy ??= decoyHash(this.scrypt)));
      return null;
    }
    const stored = String(r.password_hash);
    if (!(await verifyPassword(password, stored))) return null;
    if (needsRehash(stored, this.scrypt)) {
      await this.db.run(`UPDATE users SET password_hash = ? WHERE username = ?`, [await hashPassword(password, this.scrypt), username]);
    }
    return { username: String(r.username), role: r.role as Role, createdAt: new Date(Number(r.created_at)) };
  }

  async createSession(username: string): Promise<{ id: string; csrfToken: string; expiresAt: Date }> {
    const id = randomBytes(32).toString("base64url");
    const csrfToken = randomBytes(32).toString("base64url");
    const now = this.now().getTime();
    const expiresAt = Math.min(now + this.sessionIdleMs, now + this.sessionMaxMs);
    await this.db.run(`DELETE FROM sessions WHERE expires_at < ?`, [now]);
    await this.db.run(`INSERT INTO sessions (id_hash, username, csrf_token, created_at, last_seen, expires_at) VALUES (?, ?, ?, ?, ?, ?)`, [sha256(id), username, csrfToken, now, now, expiresAt]);
    return { id, csrfToken, expiresAt: new Date(expiresAt) };
  }

  /** The live session with this id (its expiry slides), or null when unknown or expired. */
  async session(id: string): Promise<SessionInfo | null> {
    const rows = await this.db.query(
      `SELECT s.username, s.csrf_token, s.created_at, s.expires_at, u.role FROM sessions s JOIN users u ON u.username = s.username WHERE s.id_hash = ?`,
      [sha256(id)],
    );
    const r = rows[0];
    if (!r) return null;
    const now = this.now().getTime();
    if (Number(r.expires_at) <= now) {
      await this.db.run(`DELETE FROM sessions WHERE id_hash = ?`, [sha256(id)]);
      return null;
    }
    const expiresAt = Math.min(now + this.sessionIdleMs, Number(r.created_at) + this.sessionMaxMs);
    await this.db.run(`UPDATE sessions SET last_seen = ?, expires_at = ? WHERE id_hash = ?`, [now, expiresAt, sha256(id)]);
    return { username: String(r.username), role: r.role as Role, csrfToken: String(r.csrf_token), expiresAt: new Date(expiresAt) };
  }

  async endSession(id: string): Promise<void> {
    await this.db.run(`DELETE FROM sessions WHERE id_hash = ?`, [sha256(id)]);
  }

  /** A new token for `username` with `role` (at most the user's). The token text is returned once. */
  async createToken(username: string, name: string, role: Role): Promise<{ token: string; record: ApiTokenRecord }> {
    const user = await this.must(username);
    if (!ROLES.includes(role)) throw new LifeboatError("usage", `unknown role '${role}'; use viewer, operator or admin`);
    if (!roleAtLeast(user.role, role)) throw new LifeboatError("forbidden", `user '${username}' is ${user.role} and cannot make a token with role ${role}; choose ${user.role} or lower`, { object: `token '${name}'` });
    if (!name.trim() || name.length > 100) throw new LifeboatError("usage", "a token needs a name of 1–100 characters saying what uses it, e.g. 'nightly export job'");
    const id = randomBytes(6).toString("hex");
    const token = `lbt_${id}_${randomBytes(32).toString("base64url")}`;
    const at = this.now().getTime();
    await this.db.run(`INSERT INTO api_tokens (id, name, username, role, token_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)`, [id, name.trim(), username, role, sha256(token), at]);
    return { token, record: { id, name: name.trim(), username, role, createdAt: new Date(at), lastUsedAt: null, revokedAt: null } };
  }

  /** The token's record and owner when `token` is a live token; null otherwise. */
  async authenticateToken(token: string): Promise<{ record: ApiTokenRecord; user: User } | null> {
    const m = /^lbt_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$/.exec(token);
    if (!m) return null;
    const rows = await this.db.query(
      `SELECT t.id, t.name, t.username, t.role, t.token_hash, t.created_at, t.last_used_at, t.revoked_at, u.role AS user_role, u.created_at AS user_created
       FROM api_tokens t JOIN users u ON u.username = t.username WHERE t.id = ?`,
      [m[1]!],
    );
    const r = rows[0];
    if (!r || r.revoked_at !== null) return null;
    const a = Buffer.from(String(r.token_hash), "hex");
    const b = Buffer.from(sha256(token), "hex");
    if (a.length !== b.length || !timingSafeEqual(a, b)) return null;
    const now = this.now().getTime();
    await this.db.run(`UPDATE api_tokens SET last_used_at = ? WHERE id = ?`, [now, m[1]!]);
    const userRole = r.user_role as Role;
    const role = roleAtLeast(userRole, r.role as Role) ? (r.role as Role) : userRole;
    return {
      record: { id: String(r.id), name: String(r.name), username: String(r.username), role, createdAt: new Date(Number(r.created_at)), lastUsedAt: new Date(now), revokedAt: null },
      user: { username: String(r.username), role: userRole, createdAt: new Date(Number(r.user_created)) },
    };
  }

  async listTokens(username?: string): Promise<ApiTokenRecord[]> {
    const rows = await this.db.query(
      `SELECT id, name, username, role, created_at, last_used_at, revoked_at FROM api_tokens ${username ? "WHERE username = ?" : ""} ORDER BY created_at DESC, id`,
      username ? [username] : [],
    );
    const d = (v: unknown) => (v === null || v === undefined ? null : new Date(Number(v)));
    return rows.map((r) => ({ id: String(r.id), name: String(r.name), username: String(r.username), role: r.role as Role, createdAt: new Date(Number(r.created_at)), lastUsedAt: d(r.last_used_at), revokedAt: d(r.revoked_at) }));
  }

  async revokeToken(id: string, by: { username: string; role: Role }): Promise<ApiTokenRecord> {
    const t = (await this.listTokens()).find((x) => x.id === id);
    if (!t) throw new LifeboatError("not-found", `no API token with id ${id}; list the tokens to find its id`, { object: `token ${id}` });
    if (t.username !== by.username && by.role !== "admin") throw new LifeboatError("forbidden", `token ${id} belongs to '${t.username}'; only its owner or an admin can revoke it`, { object: `token ${id}` });
    await this.db.run(`UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, [this.now().getTime(), id]);
    return { ...t, revokedAt: t.revokedAt ?? this.now() };
  }
}

/**
 * Failed logins, counted in memory per user name and per client address over a sliding
 * window: after `maxPerUser` failures for one name (or `maxPerAddress` from one address) within
 * `windowMs`, further attempts are refused (429) until the oldest failure leaves the window —
 * the password is not even checked, so guessing gains nothing. A success clears the name's count.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  constructor(
    private readonly opts: { now: () => Date; windowMs?: number; maxPerUser?: number; maxPerAddress?: number } = { now: () => new Date() },
  ) {}

  private get windowMs() {
    return this.opts.windowMs ?? 15 * 60_000;
  }

  private recent(key: string): number[] {
    const cutoff = this.opts.now().getTime() - this.windowMs;
    const list = (this.failures.get(key) ?? []).filter((t) => t > cutoff);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }

  /** Milliseconds to wait before another attempt, or 0 when one may be made now. */
  retryAfterMs(username: string, address: string): number {
    const checks: [string, number][] = [
      [`u:${username.toLowerCase()}`, this.opts.maxPerUser ?? 5],
      [`a:${address}`, this.opts.maxPerAddress ?? 20],
    ];
    let wait = 0;
    for (const [key, max] of checks) {
      const list = this.recent(key);
      if (list.length >= max) wait = Math.max(wait, list[list.length - max]! + this.windowMs - this.opts.now().getTime());
    }
    return Math.max(0, wait);
  }

  failed(username: string, address: string): void {
    const at = this.opts.now().getTime();
    for (const key of [`u:${username.toLowerCase()}`, `a:${address}`]) this.failures.set(key, [...this.recent(key), at]);
  }

  succeeded(username: string): void {
    this.failures.delete(`u:${username.toLowerCase()}`);
  }
}
