/**
 * Secrets in settings (tenant client secrets and API keys, repository passwords, alert
 * channels) are stored encrypted with AES-256-GCM under one service key, and are never sent back
 * by the API (write-only fields).
 *
 * The key (32 random bytes, base64) comes from, in this order:
 *   1. `LIFEBOAT_SECRET_KEY` — the key itself (e.g. from a secret manager);
 *   2. `LIFEBOAT_SECRET_KEY_FILE` — a file holding it;
 *   3. `<data dir>/secret.key` — created on first start with mode 0600.
 * Losing the key makes stored secrets unreadable (re-enter them); the run history stays
 * readable. Read at the service's edge (`loadSecretKey`), never deeper.
 *
 * Stored form: `enc:v1:<iv>:<tag>:<ciphertext>` (base64url); the setting's name is the
 * additional authenticated data, so a ciphertext moved to another field does not decrypt.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { LifeboatError } from "@lifeboat/model";

export class SecretBox {
  private readonly key: Buffer;
  constructor(key: Uint8Array) {
    if (key.length !== 32) throw new LifeboatError("config", `the service's secret key has ${key.length} bytes, not 32; generate one with 'openssl rand -base64 32'`, { object: "secret key", next: "generate one with 'openssl rand -base64 32'" });
    this.key = Buffer.from(key);
  }

  /** Encrypt `plain`, bound to `context` (the setting's name). */
  seal(plain: string, context: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", this.key, iv);
    c.setAAD(Buffer.from(context, "utf8"));
    const ct = Buffer.concat([c.update(plain, "utf8"), c.final()]);
    return `enc:v1:${iv.toString("base64url")}:${c.getAuthTag().toString("base64url")}:${ct.toString("base64url")}`;
  }

  open(sealed: string, context: string): string {
    const parts = sealed.split(":");
    if (parts.length !== 5 || parts[0] !== "enc" || parts[1] !== "v1") throw new LifeboatError("damaged", `the stored secret of ${context} is not in the sealed form; enter it again`, { object: context, next: "enter it again" });
    try {
      const d = createDecipheriv("aes-256-gcm", this.key, Buffer.from(parts[2]!, "base64url"));
      d.setAAD(Buffer.from(context, "utf8"));
      d.setAuthTag(Buffer.from(parts[3]!, "base64url"));
      return Buffer.concat([d.update(Buffer.from(parts[4]!, "base64url")), d.final()]).toString("utf8");
    } catch {
      throw new LifeboatError("damaged", `the stored secret of ${context} cannot be decrypted with this service's key (was the key changed?); enter the secret again`, { object: context, next: "enter the secret again, or restore the previous secret key" });
    }
  }

  static isSealed(v: unknown): v is string {
    return typeof v === "string" && v.startsWith("enc:v1:");
  }
}

/** The service key from the environment or `defaultFile` (created 0600 when missing). */
export function loadSecretKey(env: NodeJS.ProcessEnv, defaultFile: string): { key: Buffer; source: string } {
  const decode = (text: string, where: string) => {
    const key = Buffer.from(text.trim(), "base64");
    if (key.length !== 32) throw new LifeboatError("config", `${where} does not hold 32 bytes in base64 (it holds ${key.length}); generate one with 'openssl rand -base64 32'`, { object: where });
    return key;
  };
  if (env.LIFEBOAT_SECRET_KEY) return { key: decode(env.LIFEBOAT_SECRET_KEY, "LIFEBOAT_SECRET_KEY"), source: "LIFEBOAT_SECRET_KEY" };
  const file = env.LIFEBOAT_SECRET_KEY_FILE || defaultFile;
  if (existsSync(file)) return { key: decode(readFileSync(file, "utf8"), file), source: file };
  if (env.LIFEBOAT_SECRET_KEY_FILE) throw new LifeboatError("config", `LIFEBOAT_SECRET_KEY_FILE names ${file}, which does not exist; create it ('openssl rand -base64 32 > ${file}') or unset the variable`, { object: file });
  mkdirSync(dirname(file), { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString("base64") + "\n", { mode: 0o600, flag: "wx" });
  return { key, source: `${file} (new)` };
}
