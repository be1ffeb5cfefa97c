/**
 * Child process for the crash test (e2e/repository.test.ts): writes snapshots of random data
 * into a local repository in a loop until it is killed. Prints "snapshot <id>" after each.
 *   LIFEBOAT_PASSWORD=… node --import tsx crash-writer.ts <repo-dir>   (never a password in argv)
 */
import { randomBytes } from "node:crypto";
import { LocalBackend } from "../src/backend/local.ts";
import { openRepository } from "../src/repository.ts";

const [dir] = process.argv.slice(2);
const repo = await openRepository({ backend: new LocalBackend(dir!), password: process.env.LIFEBOAT_PASSWORD });
for (let i = 0; ; i++) {
  async function* data() {
    for (let k = 0; k < 8; k++) yield randomBytes(128 * 1024 + Math.floor(Math.random() * 65536));
  }
  const blob = await repo.saveBlob(data());
  const tree = await repo.saveTree({ entries: [{ name: `file-${i}`, type: "blob", blob }] });
  const s = await repo.saveSnapshot({ tenant: "crash.example", time: new Date().toISOString(), toolVersion: "test", tags: [], partial: false, tree });
  process.stdout.write(`snapshot ${s.id}\n`);
}
