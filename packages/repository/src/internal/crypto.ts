/**
 * Sealing (AES-256-GCM + optional raw DEFLATE), key derivation (scrypt) and key wrapping.
 * Format: docs/design.md, "Encryption and keys".
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, scrypt as scryptCb } from "node:crypto";
import { promisify } from "node:util";
import { deflateRaw as deflateRawCb, deflateRawSync, inflateRaw as inflateRawCb, inflateRawSync, constants as zc } from "node:zlib";
import { DamageError } from "../errors.ts";

const deflateRawAsync = promisify(deflateRawCb);
const inflateRawAsync = promisify(inflateRawCb);
/** Below this size a trip to the libuv pool costs more than (de)compressing on the spot. */
const SYNC_LIMIT = 64 * 1024;
const deflateRaw = async (data: Uint8Array, opts: { level: number; strategy?: number }): Promise<Buffer> =>
  data.length < SYNC_LIMIT ? deflateRawSync(data, opts) : deflateRawAsync(data, opts);
const inflateRaw = async (data: Uint8Array): Promise<Buffer> => (data.length < SYNC_LIMIT / 4 ? inflateRawSync(data) : inflateRawAsync(data));
const scrypt = promisify(scryptCb) as (pw: string, salt: Uint8Array, len: number, opts: object) => Promise<Buffer>;

export const NONCE = 12;
export const TAG = 16;
export const OVERHEAD = NONCE + TAG + 1;

export interface MasterKey {
  encrypt: Buffer; // 32 bytes, AES-256-GCM
  mac: Buffer; // 32 bytes, HMAC-SHA-256 for chunk ids
}

export function newMasterKey(): MasterKey {
  return { encrypt: randomBytes(32), mac: randomBytes(32) };
}

export function sha256(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

export function hmac(key: Uint8Array, data: Uint8Array): string {
  return createHmac("sha256", key).update(data).digest("hex");
}

/** Encrypts `nonce ‖ ct ‖ tag` of (flag byte ‖ payload) under `aad`, as parts (not joined). */
function encryptParts(key: Buffer, aad: string, flag: number, payload: Uint8Array): Buffer[] {
  const nonce = randomBytes(NONCE);
  const c = createCipheriv("aes-256-gcm", key, nonce);
  c.setAAD(Buffer.from(aad));
  const head = Buffer.concat([nonce, c.update(Buffer.of(flag))]);
  const body = c.update(payload);
  const tail = Buffer.concat([c.final(), c.getAuthTag()]);
  return [head, body, tail];
}

function encrypt(key: Buffer, aad: string, flag: number, payload: Uint8Array): Buffer {
  return Buffer.concat(encryptParts(key, aad, flag, payload));
}

/** Level 3: the fastest zlib level with lazy-free matching; on JSON it matches level 6's ratio at ~5× the speed. */
const DEFLATE_LEVEL = 3;
/**
 * Trees, index files and pack headers are JSON dense with hex ids. Level 6 with
 * `Z_FILTERED` (short matches count for less, more is left to Huffman coding) stores them
 * 6–10% smaller than level 3, at ~1.5× its cost on what is a small part of the bytes written.
 */
const DENSE = { level: 6, strategy: zc.Z_FILTERED };
const PROBE = 32 * 1024;

/**
 * Already-compressed data (most of a .qvf, images) does not shrink; deflating it costs more
 * than everything else on the write path. A fast probe of the first 32 KiB decides.
 */
async function worthCompressing(data: Uint8Array): Promise<boolean> {
  if (data.length <= PROBE * 2) return true;
  const z = await deflateRaw(data.subarray(0, PROBE), { level: 1 });
  return z.length < PROBE * 0.95;
}

/**
 * Seals bytes as parts whose concatenation is the sealed object: a pack keeps and writes the
 * parts, so the ciphertext is not copied once more only to be joined (bench/RESULTS.md, P5).
 * Compresses with raw DEFLATE when asked and when that makes them smaller (`dense`: the
 * settings for JSON dense with hex ids, see `DENSE`).
 */
export async function sealParts(key: Buffer, aad: string, plaintext: Uint8Array, compress = true, dense = false): Promise<Buffer[]> {
  if (compress && plaintext.length > 64 && (await worthCompressing(plaintext))) {
    const z = await deflateRaw(plaintext, dense ? DENSE : { level: DEFLATE_LEVEL, strategy: zc.Z_DEFAULT_STRATEGY });
    if (z.length < plaintext.length) return encryptParts(key, aad, 1, z);
  }
  return encryptParts(key, aad, 0, plaintext);
}

/** Seals bytes (as one buffer); see `sealParts`. */
export async function seal(key: Buffer, aad: string, plaintext: Uint8Array, compress = true, dense = false): Promise<Buffer> {
  return Buffer.concat(await sealParts(key, aad, plaintext, compress, dense));
}

/** Opens a sealed object; throws DamageError naming `what` when authentication fails. */
export async function unseal(key: Buffer, aad: string, sealed: Uint8Array, what: string): Promise<Buffer> {
  if (sealed.length < OVERHEAD) throw new DamageError(`${what} is damaged: ${sealed.length} bytes is too short to be sealed data`, what);
  const nonce = sealed.subarray(0, NONCE);
  const tag = sealed.subarray(sealed.length - TAG);
  const d = createDecipheriv("aes-256-gcm", key, nonce);
  d.setAAD(Buffer.from(aad));
  d.setAuthTag(tag);
  let plain: Buffer;
  try {
    plain = Buffer.concat([d.update(sealed.subarray(NONCE, sealed.length - TAG)), d.final()]);
  } catch {
    throw new DamageError(`${what} is damaged: authentication failed (modified, truncated or moved)`, what);
  }
  const flag = plain[0];
  const body = plain.subarray(1);
  if (flag === 0) return body;
  if (flag === 1) {
    try {
      return await inflateRaw(body);
    } catch {
      throw new DamageError(`${what} is damaged: compressed data does not inflate`, what);
    }
  }
  throw new DamageError(`${what} uses unknown compression ${flag} — written by a newer Lifeboat?`, what);
}

export async function sealJson(key: Buffer, aad: string, value: unknown, dense = false): Promise<Buffer> {
  return seal(key, aad, Buffer.from(JSON.stringify(value)), true, dense);
}

export async function unsealJson<T>(key: Buffer, aad: string, sealed: Uint8Array, what: string): Promise<T> {
  const plain = await unseal(key, aad, sealed, what);
  try {
    return JSON.parse(plain.toString("utf8")) as T;
  } catch {
    throw new DamageError(`${what} is damaged: not valid JSON after decryption`, what);
  }
}

// ---------------------------------------------------------------------------- keys

export interface KdfParams {
  N: number;
  r: number;
  p: number;
}

export const DEFAULT_KDF: KdfParams = { N: 2 ** 15, r: 8, p: 1 };

export interface KeyFile {
  version: 1;
  created: string;
  hostname: string;
  kdf: { name: "scrypt"; N: number; r: number; p: number; salt: string };
  data: string;
}

export async function deriveKey(password: string, salt: Uint8Array, kdf: KdfParams): Promise<Buffer> {
  return scrypt(password, salt, 32, { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 256 * kdf.N * kdf.r + 1024 * 1024 });
}

export async function wrapMasterKey(mk: MasterKey, password: string, kdf: KdfParams, hostname: string): Promise<KeyFile> {
  const salt = randomBytes(32);
  const derived = await deriveKey(password, salt, kdf);
  const inner = JSON.stringify({ encrypt: mk.encrypt.toString("base64"), mac: mk.mac.toString("base64") });
  const data = encrypt(derived, "key", 0, Buffer.from(inner));
  return {
    version: 1,
    created: new Date().toISOString(),
    hostname,
    kdf: { name: "scrypt", ...kdf, salt: salt.toString("base64") },
    data: data.toString("base64"),
  };
}

/** Returns the master key, or undefined when the password does not open this key file. */
export async function unwrapMasterKey(kf: KeyFile, password: string): Promise<MasterKey | undefined> {
  const derived = await deriveKey(password, Buffer.from(kf.kdf.salt, "base64"), kf.kdf);
  let inner: Buffer;
  try {
    inner = await unseal(derived, "key", Buffer.from(kf.data, "base64"), "key");
  } catch {
    return undefined;
  }
  const j = JSON.parse(inner.toString("utf8")) as { encrypt: string; mac: string };
  return { encrypt: Buffer.from(j.encrypt, "base64"), mac: Buffer.from(j.mac, "base64") };
}

export function isKeyFile(v: unknown): v is KeyFile {
  const k = v as KeyFile;
  return (
    typeof k === "object" && k !== null && k.version === 1 && typeof k.data === "string" &&
    typeof k.kdf === "object" && k.kdf?.name === "scrypt" && Number.isInteger(k.kdf.N) && Number.isInteger(k.kdf.r) &&
    Number.isInteger(k.kdf.p) && typeof k.kdf.salt === "string"
  );
}
