/** The restore part of the README demo (`runRestoreDemo`) against a sandbox like the demo's. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator } from "@lifeboat/emulator";
import { createTestRepository } from "@lifeboat/repository/testing";
import { describe, expect, it } from "vitest";
import { runRestoreDemo } from "lifeboat/testing";
import { readReference, sink, takeBackup } from "./restore-helpers.ts";

describe("demo: restore", () => {
  it("deletes an app and a private sheet in the sandbox, restores both and shows a matching verification", async () => {
    const emu = await startEmulator({ fixture: "demo", admin: true, seed: "lifeboat-demo" });
    const repo = await createTestRepository();
    const dir = await mkdtemp(join(tmpdir(), "lifeboat-restore-demo-"));
    try {
      const snapshot = await takeBackup(emu, repo);
      const before = await readReference(emu);
      const stdout = sink();
      const stderr = sink();
      const headings: string[] = [];
      await runRestoreDemo({ host: emu.host, apiKey: emu.apiKey, clientId: emu.clientId, clientSecret: emu.clientSecret, repo, snapshot, dir, io: { stdout, stderr }, step: (n, t) => headings.push(`${n}. ${t}`), firstStep: 8 });
      expect(headings[0]).toMatch(/^8\. Disaster: app '.+' is deleted, and so is .+'s private sheet/);
      // "all of it" once resource kinds are declared: the demo brings back a data connection and a reload task too.
      expect(headings[1]).toMatch(/^9\. Restoring (both|all of it)/);
      expect(stdout.text()).toContain("the restored content equals the snapshot");
      expect(stdout.text()).toMatch(/safety backup: snapshot [0-9a-f]{12}/);
      const after = await readReference(emu);
      expect(after.length).toBe(before.length);
      const strip = (r: typeof before) => r.map(({ appId: _a, ...rest }) => rest).sort((a, b) => (a.name + a.spaceId < b.name + b.spaceId ? -1 : 1));
      expect(strip(after)).toEqual(strip(before));
    } finally {
      await repo.close();
      await emu.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
