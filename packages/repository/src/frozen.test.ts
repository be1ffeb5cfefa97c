/**
 * Frozen repositories (testdata/v1 and v2, written once by testdata/make-fixtures.ts): today's
 * code must read format versions 1 and 2 as written back then, and must produce exactly the
 * recorded verify report for each (damaged) copy. Regenerate the reports only on purpose:
 *   LIFEBOAT_UPDATE_GOLDEN=1 npx vitest run packages/repository/src/frozen.test.ts
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, readdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FROZEN_PASSWORD, frozenContent } from "../testdata/frozen-content.ts";
import { LocalBackend } from "./backend/local.ts";
import { openRepository, type RepositoryEvent } from "./repository.ts";
import { verifyRepository } from "./verify.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "testdata", "v1");
const update = process.env.LIFEBOAT_UPDATE_GOLDEN === "1";

async function listing(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(join(e.parentPath, e.name));
  return out.sort();
}

async function open(name: string, events: RepositoryEvent[] = []) {
  return openRepository({ backend: new LocalBackend(join(root, name)), password: FROZEN_PASSWORD, autoLock: "none", onEvent: (e) => events.push(e) });
}

describe("frozen repositories, format version 1", () => {
  it("derives the same keys as when the repository was written (a restore plan signed then still verifies)", async () => {
    const repo = await open("good");
    // HMAC-SHA-256(macKey, purpose): the bytes the restore command has signed plans with since plan files exist.
    expect(Buffer.from(repo.deriveKey("lifeboat restore plan signing key v1")).toString("hex")).toBe("3d27d8676dd15d7703717f6a700734dba5e330c8a8466bc5ca22e89097c37d2e");
    expect(Buffer.from(repo.deriveKey("another purpose")).toString("hex")).not.toBe("3d27d8676dd15d7703717f6a700734dba5e330c8a8466bc5ca22e89097c37d2e");
    expect(() => repo.deriveKey("")).toThrow(/purpose/);
    await repo.close();
  });

  it("reads the good repository's snapshots, trees and blobs byte for byte", async () => {
    const repo = await open("good");
    const snaps = await repo.listSnapshots();
    expect(snaps.map((s) => [s.tenant, s.time, s.partial, s.tags])).toEqual([
      ["acme.example", "2026-01-01T02:00:00.000Z", false, ["nightly"]],
      ["acme.example", "2026-01-02T02:00:00.000Z", true, []],
    ]);
    const c = frozenContent();
    const t1 = await repo.loadTree(snaps[0]!.tree);
    const apps = t1.entries.find((e) => e.name === "apps")!;
    if (apps.type !== "tree") throw new Error("apps is not a tree");
    const app1 = (await repo.loadTree(apps.subtree)).entries[0]!;
    if (app1.type !== "blob") throw new Error("app1 is not a blob");
    expect(app1.meta).toEqual({ owner: "alice" });
    expect(app1.blob.id).toBe(createHash("sha256").update(c.app1).digest("hex"));
    expect((await repo.readBlobBytes(app1.blob)).equals(c.app1)).toBe(true);
    expect(await repo.readJson(snaps[1]!.manifest!)).toEqual(c.users2);
  });

  it("reads the good-inline repository (small blobs stored inline, an empty blob)", async () => {
    const repo = await open("good-inline");
    const [snap] = await repo.listSnapshots();
    const c = frozenContent();
    const t = await repo.loadTree(snap!.tree);
    const get = (name: string) => {
      const e = t.entries.find((x) => x.name === name);
      if (e?.type !== "blob") throw new Error(`${name} is not a blob`);
      return e.blob;
    };
    expect((await repo.readBlobBytes(get("app1.qvf"))).equals(c.app1)).toBe(true);
    expect(await repo.readJson(get("users.json"))).toEqual(c.users);
    expect((await repo.readBlobBytes(get("empty"))).length).toBe(0);
    expect(repo.blobIndexed(get("users.json").id)).toEqual({ type: "inline" });
    expect(repo.blobIndexed(get("app1.qvf").id)).toEqual({ type: "blob" });
  });

  it("refuses a wrong password on a frozen repository", async () => {
    await expect(openRepository({ backend: new LocalBackend(join(root, "good")), password: "not it" })).rejects.toThrow(/wrong password/);
  });

  for (const name of ["good", "good-inline", "missing-pack", "corrupt-index", "truncated-snapshot"]) {
    it(`verify --read-data on '${name}' produces the recorded report and changes nothing`, async () => {
      const before = await listing(join(root, name));
      const repo = await open(name);
      const report = await verifyRepository(repo, { readData: true });
      const golden = join(root, "..", "expected", `${name}.verify.json`);
      if (update || !existsSync(golden)) {
        if (!update) throw new Error(`${golden} is missing — run with LIFEBOAT_UPDATE_GOLDEN=1 to record it`);
        await writeFile(golden, JSON.stringify(report, null, 2) + "\n");
      }
      expect(JSON.parse(JSON.stringify(report))).toEqual(JSON.parse(await readFile(golden, "utf8")));
      expect(report.ok).toBe(name.startsWith("good"));
      expect(await listing(join(root, name))).toEqual(before);
    });
  }

  it("skips the truncated snapshot when listing, with a warning naming it", async () => {
    const events: RepositoryEvent[] = [];
    const repo = await open("truncated-snapshot", events);
    expect((await repo.listSnapshots()).length).toBe(1);
    expect(events).toEqual([expect.objectContaining({ type: "warning", message: expect.stringMatching(/^snapshots\/\w+ is damaged.*run 'lifeboat verify'/) })]);
  });
});

describe("frozen repositories, format version 2", () => {
  const root2 = join(dirname(fileURLToPath(import.meta.url)), "..", "testdata", "v2");

  it("reads the good repository's 150-entry apps tree, stored in parts, whole", async () => {
    const repo = await openRepository({ backend: new LocalBackend(join(root2, "good")), password: FROZEN_PASSWORD, autoLock: "none" });
    expect(repo.config.version).toBe(2);
    const [snap] = await repo.listSnapshots();
    const apps = (await repo.loadTree(snap!.tree)).entries.find((e) => e.name === "apps");
    if (apps?.type !== "tree") throw new Error("apps is not a tree");
    const stored = await repo.loadTreeObject(apps.subtree);
    expect("parts" in stored && stored.parts.length).toBeGreaterThan(1);
    const c = frozenContent();
    const entries = (await repo.loadTree(apps.subtree)).entries;
    expect(entries.map((e) => [e.name, e.meta])).toEqual(c.apps.map((a) => [a.id, { name: a.name, owner: a.owner }]));
    for (const [i, e] of entries.entries()) if (e.type === "blob") expect(await repo.readJson(e.blob)).toEqual(c.apps[i]);
  });

  it("verify --read-data on 'good' produces the recorded report and changes nothing", async () => {
    const dir = join(root2, "good");
    const before = await listing(dir);
    const repo = await openRepository({ backend: new LocalBackend(dir), password: FROZEN_PASSWORD, autoLock: "none" });
    const report = await verifyRepository(repo, { readData: true });
    const golden = join(root, "..", "expected", "v2-good.verify.json");
    if (update || !existsSync(golden)) {
      if (!update) throw new Error(`${golden} is missing — run with LIFEBOAT_UPDATE_GOLDEN=1 to record it`);
      await writeFile(golden, JSON.stringify(report, null, 2) + "\n");
    }
    expect(JSON.parse(JSON.stringify(report))).toEqual(JSON.parse(await readFile(golden, "utf8")));
    expect(report.ok).toBe(true);
    expect(await listing(dir)).toEqual(before);
  });
});
