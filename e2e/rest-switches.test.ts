/**
 * Lifeboat under both settings of the REST-side emulator switches of issue 10 (items 5, 6,
 * 10): what the token grants (`unassignedScopes`), whether the unfiltered item listing has
 * other users' personal apps (`itemsListIncludesOthersPersonal`), whether app info carries
 * `spaceId` (`appInfoIncludesSpaceId`) and whether a non-bot export carries other users'
 * community objects (`exportIncludesCommunity`). Backups run through the real engine and the
 * connector; restores through `lifeboat restore` in process; the reference is read with
 * @qlik/api (restore-helpers.ts).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { backup, loadRestoreSource, type BackupEvent } from "@lifeboat/engine";
import { startEmulator, type EmulatorHandle, type Tenant } from "@lifeboat/emulator";
import { createTenantClient } from "@lifeboat/qlik";
import { createTestRepository } from "@lifeboat/repository";
import { describe, expect, it } from "vitest";
import { botApi, botEnv, expectedObjects, readReference, restoreCli, takeBackup } from "./restore-helpers.ts";

type Quirks = NonNullable<Parameters<typeof startEmulator>[0]>["quirks"];
async function withEmulator<T>(quirks: Quirks, fn: (emu: EmulatorHandle, tenant: Tenant) => Promise<T>): Promise<T> {
  const emu = await startEmulator({ fixture: "demo", admin: true, seed: "e2e-switches", quirks });
  try {
    return await fn(emu, emu.state.tenants[0] as Tenant);
  } finally {
    await emu.close();
  }
}

describe("coverage is judged from the granted scopes (unassignedScopes)", () => {
  for (const unassignedScopes of ["drop", "refuse"] as const) {
    it(`unassignedScopes=${unassignedScopes}: a client without admin.apps backs up as a non-bot, the gap recorded and warned; other users' personal apps are not claimed`, async () => {
      await withEmulator({ unassignedScopes }, async (emu, t) => {
        const botUser = Object.values(t.users).find((u) => u.subject.startsWith("qlikbot\\"))!;
        t.oauthClients["e2e-limited"] = { clientId: "e2e-limited", clientSecret: "e2e-limited-secret", userId: botUser.id, scopes: ["user_default", "admin_classic"] };
        const client = createTenantClient({ host: emu.host, auth: { type: "oauth2", clientId: "e2e-limited", clientSecret: "e2e-limited-secret" } });
        const repo = await createTestRepository();
        try {
          const events: BackupEvent[] = [];
          const { manifest } = await backup({ tenant: client, repository: repo, onEvent: (e) => events.push(e) });
          expect(manifest.caller.isPrivateContentBot).toBe(false);
          expect(manifest.coverageGaps).toHaveLength(1);
          const gap = manifest.coverageGaps[0]!.description;
          expect(gap).toMatch(/personal-space apps/);
          expect(gap).toMatch(unassignedScopes === "drop" ? /granted "user_default admin_classic".*without admin\.apps/ : /refused the scopes admin\.apps admin_classic/);
          expect(events.some((e) => e.type === "warning" && e.code === "coverage-gap" && e.message === gap)).toBe(true);
          // What it captured is what a non-bot sees: no other user's personal app.
          const personalOfOthers = Object.values(t.apps).filter((a) => !a.spaceId && a.ownerId !== botUser.id);
          expect(personalOfOthers.length).toBeGreaterThan(0);
          const captured = new Set(manifest.items.filter((i) => i.layer === "apps").map((i) => i.id));
          for (const a of personalOfOthers) expect(captured.has(a.id)).toBe(false);
        } finally {
          await client.close();
          await repo.close();
        }
      });
    });
  }
});

describe("every app is captured (itemsListIncludesOthersPersonal)", () => {
  for (const itemsListIncludesOthersPersonal of [false, true]) {
    it(`itemsListIncludesOthersPersonal=${itemsListIncludesOthersPersonal}: the bot's backup has every app, other users' personal apps included`, async () => {
      await withEmulator({ itemsListIncludesOthersPersonal }, async (emu, t) => {
        const repo = await createTestRepository();
        const client = createTenantClient({ host: emu.host, auth: { type: "oauth2", clientId: emu.clientId, clientSecret: emu.clientSecret } });
        try {
          const { manifest } = await backup({ tenant: client, repository: repo });
          expect(manifest.partial).toBe(false);
          const captured = manifest.items.filter((i) => i.layer === "apps").map((i) => i.id).sort();
          expect(captured).toEqual(Object.keys(t.apps).sort());
          expect(Object.values(t.apps).some((a) => !a.spaceId)).toBe(true);
        } finally {
          await client.close();
          await repo.close();
        }
      });
    });
  }
});

describe("backup and restore under both settings of appInfoIncludesSpaceId and exportIncludesCommunity", () => {
  for (const quirks of [
    { appInfoIncludesSpaceId: true, exportIncludesCommunity: false },
    { appInfoIncludesSpaceId: false, exportIncludesCommunity: true },
  ]) {
    it(`${JSON.stringify(quirks)}: an API-key backup restores a deleted app with every object it saw, verified equal`, async () => {
      await withEmulator(quirks, async (emu) => {
        const repo = await createTestRepository();
        const dir = await mkdtemp(join(tmpdir(), "lifeboat-switches-"));
        const key = createTenantClient({ host: emu.host, auth: { type: "apikey", apiKey: emu.apiKey } });
        try {
          // The admin's API key: its exports carry other users' community objects only with exportIncludesCommunity.
          const { snapshot } = await backup({ tenant: key, repository: repo });
          const source = await loadRestoreSource(repo, snapshot);
          const sales = source.apps.find((a) => a.name === "Sales Overview" && a.doc.summary.spaceType === "shared")!;
          const admin = Object.values(emu.state.tenants[0]!.users).find((u) => u.name === "Ada Admin")!;
          expect(sales.objects.some((o) => o.published && !o.approved && o.ownerSubject !== admin.subject)).toBe(true);
          await botApi(emu).apps.deleteApp(sales.id);
          const r = await restoreCli({ snapshot: snapshot.id, opts: { app: [sales.id], yes: true }, env: botEnv(emu), repo, journalDir: dir });
          expect(r.code, r.stdout + r.stderr).toBe(0);
          expect(r.stdout).toContain("the restored content equals the snapshot");
          const found = (await readReference(emu)).filter((a) => a.name === "Sales Overview" && !a.originAppId);
          expect(found).toHaveLength(1);
          expect(found[0]!.spaceId).toBe(sales.doc.summary.spaceId);
          // Every object the snapshot holds is back with its owner and state; the others' private ones were never seen by the key.
          const back = new Map(found[0]!.objects.map((o) => [o.id, o]));
          for (const o of expectedObjects(source, sales.id)) expect(back.get(o.id), o.id).toEqual(o);
          // A backup taken by the bot after the restore still reads every app.
          const again = await takeBackup(emu, repo);
          expect(again.partial).toBe(false);
        } finally {
          await key.close();
          await repo.close();
          await rm(dir, { recursive: true, force: true });
        }
      });
    });
  }
});
