/**
 * Child process for the crash tests (e2e/repository.test.ts, e2e/stress-repository.test.ts):
 * writes snapshots of random data into a local repository in a loop until it is killed. Prints
 * "snapshot <id>" after each.
 *   LIFEBOAT_PASSWORD=… node --import tsx crash-writer.ts <repo-dir> [cycle]   (never a password in argv)
 *
 * Plain: one handle (one shared lock) for the whole life of the process.
 * "cycle": like a nightly backup run again and again — open (lock), read the previous snapshot,
 * deduplicate the content every snapshot shares against it (`hasBlob`, as the engine reuses an
 * unchanged app), add new random data, save the snapshot, close (unlock) — so a prune can run
 * between runs and delete what an earlier, forgotten snapshot held.
 * "big": streams one endless blob of random data (packs of the repository's pack size are
 * saved one after the other), so a kill lands while a pack is being written to its temporary file.
 */
import { randomBytes } from "node:crypto";
import { LocalBackend } from "../src/backend/local.ts";
import { openRepository } from "../src/repository.ts";
import { sharedContent } from "./shared-content.ts";

const [dir, mode] = process.argv.slice(2);

async function* data() {
  for (let k = 0; k < 8; k++) yield randomBytes(128 * 1024 + Math.floor(Math.random() * 65536));
}

if (mode === "cycle") {
  const shared = sharedContent();
  for (let i = 0; ; i++) {
    const repo = await openRepository({ backend: new LocalBackend(dir!), password: process.env.LIFEBOAT_PASSWORD, locks: { timeoutMs: 120_000 } });
    const previous = (await repo.listSnapshots()).filter((s) => s.tenant === "cycle.example").pop();
    let sharedRef = undefined;
    if (previous) {
      const entry = (await repo.loadTree(previous.tree)).entries.find((e) => e.name === "shared");
      if (entry?.type === "blob" && (await repo.hasBlob(entry.blob.id))) sharedRef = entry.blob;
    }
    sharedRef ??= await repo.saveBlob(shared);
    const blob = await repo.saveBlob(data());
    const tree = await repo.saveTree({
      entries: [
        { name: "shared", type: "blob", blob: sharedRef },
        { name: `file-${i}`, type: "blob", blob },
      ],
    });
    const s = await repo.saveSnapshot({ tenant: "cycle.example", time: new Date().toISOString(), toolVersion: "test", tags: [], partial: false, tree });
    await repo.close();
    process.stdout.write(`snapshot ${s.id}\n`);
    await new Promise((r) => setTimeout(r, Math.random() * 50));
  }
} else if (mode === "big") {
  const repo = await openRepository({ backend: new LocalBackend(dir!), password: process.env.LIFEBOAT_PASSWORD });
  async function* endless() {
    for (;;) yield randomBytes(1024 * 1024);
  }
  await repo.saveBlob(endless());
} else if (dir) {
  const repo = await openRepository({ backend: new LocalBackend(dir), password: process.env.LIFEBOAT_PASSWORD });
  for (let i = 0; ; i++) {
    const blob = await repo.saveBlob(data());
    const tree = await repo.saveTree({ entries: [{ name: `file-${i}`, type: "blob", blob }] });
    const s = await repo.saveSnapshot({ tenant: "crash.example", time: new Date().toISOString(), toolVersion: "test", tags: [], partial: false, tree });
    process.stdout.write(`snapshot ${s.id}\n`);
  }
}
