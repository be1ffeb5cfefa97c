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
import { backup, type BackupEvent } from "@lifeboat/engine";
import { coreGaps } from "@lifeboat/engine/testing";
import { startEmulator, type EmulatorHandle, type Tenant } from "@lifeboat/emulator";
import { createTenantClient } from "@lifeboat/qlik";
import { createTestRepository } from "@lifeboat/repository/testing";
import { describe, expect, it } from "vitest";
import { botApi, botEnv, expectedObjects, readReference, restoreCli, takeBackup, loadSourceWithObjects, objectsIn } from "./restore-helpers.ts";

const tenantUserSubject = (t: Tenant, id: string) => t.users[id]?.subject;
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
          expect(coreGaps(manifest)).toHaveLength(1);
          const gap = coreGaps(manifest)[0]!.description;
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
          const source = await loadSourceWithObjects(repo, snapshot);
          const sales = source.apps.find((a) => a.name === "Sales Overview" && a.doc.summary.spaceType === "shared")!;
          const admin = Object.values(emu.state.tenants[0]!.users).find((u) => u.name === "Ada Admin")!;
          expect(objectsIn(source, sales.id).some((o) => o.published && !o.approved && o.ownerSubject !== admin.subject)).toBe(true);
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

describe("a change-owner refusal is reported on its object (issue 10 item 7)", () => {
  it("an API-key restore in place: Qlik refuses to hand back another user's sheet; that object is named, the rest of the app is restored", async () => {
    await withEmulator({}, async (emu, t) => {
      const repo = await createTestRepository();
      const dir = await mkdtemp(join(tmpdir(), "lifeboat-refusal-"));
      try {
        const snapshot = await takeBackup(emu, repo);
        const source = await loadSourceWithObjects(repo, snapshot);
        const admin = Object.values(t.users).find((u) => u.name === "Ada Admin")!;
        const sales = source.apps.find((a) => a.name === "Sales Overview" && a.doc.summary.spaceType === "shared")!;
        // A community sheet of another user, now owned by a third user: the admin's key may not change it (not its owner, not a bot).
        const sheet = objectsIn(source, sales.id).find((o) => o.type === "sheet" && o.published && !o.approved && o.ownerSubject !== admin.subject)!;
        const other = Object.values(t.users).find((u) => u.status === "active" && u.id !== admin.id && u.subject !== sheet.ownerSubject && u.subject !== sales.doc.owner.subject && u.subject.startsWith("auth0|"))!;
        await botApi(emu).apps.updateAppObjectOwner(sales.id, sheet.id, { ownerId: other.id });
        // And an owner change the key can undo: one of its own sheets, handed to another user... which it then no
        // longer owns either. So the app's owner instead: the app-owner step runs after the refused object.
        await botApi(emu).apps.updateAppOwner(sales.id, { ownerId: other.id });

        const r = await restoreCli({ snapshot: snapshot.id, opts: { app: [sales.id], yes: true }, env: { QLIK_HOST: emu.host, QLIK_API_KEY: emu.apiKey }, repo, journalDir: dir });
        const out = r.stdout + r.stderr;
        expect(out).toMatch(new RegExp(`warning: app 'Sales Overview': Qlik refused to hand object '${sheet.id}' \\(sheet '.*?'\\) to ${sheet.ownerSubject.replace("|", "\\|")}.*403`));
        expect(out).toMatch(new RegExp(`1 refused by Qlik: object '${sheet.id}'`));
        // The verification names that object's owner, and the exit code says the restore differs (4), not that a step failed (3).
        expect(out).toMatch(new RegExp(`object '${sheet.id}'.*owner`));
        expect(r.code, out).toBe(4);
        const app = t.apps[sales.id]!;
        // The app's other steps went on: its owner is back.
        expect(tenantUserSubject(t, app.ownerId)).toBe(sales.doc.owner.subject);
        expect(app.objects[sheet.id]!.ownerId).toBe(other.id);
      } finally {
        await repo.close();
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
