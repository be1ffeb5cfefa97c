/**
 * Restore under injected faults (500, 503, connection resets on REST calls): a run may end
 * partial, and running it again converges to the snapshot without duplicate apps, users or
 * spaces.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {  } from "@lifeboat/engine";
import { startEmulator } from "@lifeboat/emulator";
import { createTestRepository } from "@lifeboat/repository/testing";
import { describe, expect, it } from "vitest";
import { botApi, expectedObjects, readReference, restoreCli, takeBackup, loadSourceWithObjects } from "./restore-helpers.ts";

describe("restore under faults", () => {
  it("converges to the snapshot over re-runs, with no duplicates", async () => {
    const [src, dst] = await Promise.all([startEmulator({ fixture: "demo" }), startEmulator({ fixture: "empty", seed: "faults", admin: true })]);
    const repo = await createTestRepository();
    const dir = await mkdtemp(join(tmpdir(), "lifeboat-faults-"));
    try {
      const snapshot = await takeBackup(src, repo);
      const source = await loadSourceWithObjects(repo, snapshot);
      const env = { QLIK_HOST: dst.host, QLIK_CLIENT_ID: dst.clientId, QLIK_CLIENT_SECRET: dst.clientSecret };
      dst.setFaults("rate=0.2,kinds=500+503+reset,seed=11");
      const codes: number[] = [];
      for (let i = 0; i < 8; i++) {
        const r = await restoreCli({ snapshot: snapshot.id, opts: { space: ["Finance Dev", "Finance"], targetHost: dst.host, createMissingUsers: true, yes: true }, env, repo, journalDir: dir });
        codes.push(r.code);
        if (r.code === 0) break;
        expect([1, 3], r.stdout + r.stderr).toContain(r.code);
      }
      expect(codes.at(-1), `exit codes per run: ${codes.join(", ")}`).toBe(0);
      // The faults did hit the restore (a run without any would prove nothing).
      const { stats } = (await (await fetch(`${dst.host}/__emulator/faults`)).json()) as { stats: { injected: Record<string, number> } };
      expect(Object.values(stats.injected).reduce((a, b) => a + b, 0)).toBeGreaterThan(3);
      dst.setFaults("");

      const ref = await readReference(dst);
      const api = botApi(dst);
      const users = (await api.users.getUsers({ limit: 100 }, { noCache: true })).data.data ?? [];
      // Owners map by subject, else by email (the empty tenant's own admin has another subject).
      const subjectIn = (subject: string) => {
        const u = source.users.find((x) => x.subject === subject);
        return (users.find((t) => t.subject === subject) ?? users.find((t) => u?.email && t.email === u.email))?.subject ?? subject;
      };
      const spaceIds = new Set(source.spaces.filter((x) => x.record.name.startsWith("Finance")).map((x) => x.record.id));
      const selected = source.apps.filter((a) => spaceIds.has(a.doc.summary.spaceId ?? ""));
      expect(selected.length).toBe(3);
      expect(ref.length).toBe(selected.length);
      for (const app of selected) {
        const found = ref.filter((a) => a.name === app.name && !!a.originAppId === !!app.doc.lineage.originAppId);
        expect(found.length, app.name).toBe(1);
        expect(found[0]!.objects, app.name).toEqual(expectedObjects(source, app.id).map((o) => ({ ...o, ownerSubject: subjectIn(o.ownerSubject) })));
      }
      expect(new Set(users.map((u) => u.subject)).size).toBe(users.length);
      const spaces = (await api.spaces.getSpaces({ limit: 100 }, { noCache: true })).data.data ?? [];
      expect(spaces.map((s) => s.name).sort()).toEqual(["Finance", "Finance Dev"]);
    } finally {
      await repo.close();
      await Promise.all([src.close(), dst.close()]);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
