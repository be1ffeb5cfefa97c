/** The same 640 KiB in every run and every process: identical app data across snapshots (crash and stress tests). */
import { createHash } from "node:crypto";

export function sharedContent(): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; parts.length * 32 < 640 * 1024; i++) parts.push(createHash("sha256").update(`lifeboat shared ${i}`).digest());
  return Buffer.concat(parts);
}
