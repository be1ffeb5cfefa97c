/**
 * Password hashing for local accounts: scrypt (memory-hard) from node:crypto with explicit
 * cost parameters and a random 16-byte salt per password. No native dependency.
 *
 * Stored form: `scrypt$N$r$p$<salt base64url>$<hash base64url>` — the parameters travel with
 * the hash, so raising the cost later leaves old hashes verifiable (and `needsRehash` says
 * which to upgrade at the next login).
 *
 * Default cost N=2^15, r=8, p=1: 128·N·r = 32 MiB of memory per hash, ≈50–100 ms on one core
 * (OWASP's password storage cheat sheet lists N=2^17 as its first choice and equivalent
 * trade-offs such as N=2^15 with p=3; we take 2^15/8/1 so a 2-core service under a login burst
 * stays responsive — the login rate limit bounds guessing, not the hash alone). Tests use a
 * cheap cost (`TEST_SCRYPT`).
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from "node:crypto";

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
const KEY_LENGTH = 32;

function scrypt(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const opts: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => scryptCb(password.normalize("NFC"), salt, KEY_LENGTH, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

/** Hash a password with a new salt. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

function parse(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | undefined {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return undefined;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0)) return undefined;
  return { params: { N, r, p }, salt: Buffer.from(parts[4]!, "base64url"), key: Buffer.from(parts[5]!, "base64url") };
}

/** Does `password` match `stored`? Constant-time comparison; a malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const h = parse(stored);
  if (!h) return false;
  const key = await scrypt(password, h.salt, h.params);
  return key.length === h.key.length && timingSafeEqual(key, h.key);
}

/** A hash made with weaker parameters than `params` (re-hash it at the next successful login). */
export function needsRehash(stored: string, params: ScryptParams = DEFAULT_SCRYPT): boolean {
  const h = parse(stored);
  return !h || h.params.N < params.N || h.params.r < params.r || h.params.p < params.p;
}

/**
 * A hash of a random password: verifying against it costs what a real check costs, so a login
 * for an unknown user takes as long as one for a known user with a wrong password.
 */
export async function decoyHash(params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  return hashPassword(randomBytes(16).toString("base64url"), params);
}
