/**
 * Data and automation kinds end to end: the demo tenant backed up by a bot that also holds
 * `admin.automations`, restored with `lifeboat restore --all --secrets FILE` into an empty
 * second tenant. Checked through the emulator's state (what Qlik holds, secrets included):
 * connections in their spaces with their ids, the secrets given written and the others not,
 * automation connections connected where their secret was given, automations pointing at the
 * restored connections (disabled where a connection is not connected), the checklist naming
 * what still needs a secret, and no secret in the repository.
 */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kindsOf, startEmulator, type EmulatorHandle, type Tenant } from "@lifeboat/emulator";
import { backup } from "@lifeboat/engine";
import { createTenantClient } from "@lifeboat/qlik";
import type { Repository, Snapshot } from "@lifeboat/repository";
import { createTestRepository } from "@lifeboat/repository/testing";
import { describe, expect, it } from "vitest";
import { restoreCli } from "./restore-helpers.ts";

const SCOPE = "user_default admin.apps admin_classic admin.automations";

/** Gives a tenant's OAuth client the admin.automations scope (what an admin grants it in the Management Console). */
function grantAutomations(t: Tenant): void {
  for (const c of Object.values(t.oauthClients)) if (!c.scopes.includes("admin.automations")) c.scopes.push("admin.automations");
}

/** Every byte of a snapshot's trees (content and manifest), as text. */
async function snapshotText(repo: Repository, snapshot: Snapshot): Promise<string> {
  const parts: string[] = [];
  const walk = async (treeId: string): Promise<void> => {
    for (const e of (await repo.loadTree(treeId)).entries) {
      parts.push(JSON.stringify(e.meta ?? {}));
      if (e.type === "tree") await walk(e.subtree);
      else for await (const c of repo.readBlob(e.blob.id)) parts.push(Buffer.from(c).toString("latin1"));
    }
  };
  await walk(snapshot.tree);
  if (snapshot.manifestTree) await walk(snapshot.manifestTree);
  return parts.join("\n");
}

/** Every file under `dir` (the restore's journals, logs and reports), as text. */
async function filesText(dir: string): Promise<string> {
  const parts: string[] = [];
  const walk = async (p: string): Promise<void> => {
    for (const name of await readdir(p)) {
      const f = join(p, name);
      if ((await stat(f)).isDirectory()) await walk(f);
      else parts.push((await readFile(f)).toString("latin1"));
    }
  };
  await walk(dir);
  return parts.join("\n");
}

describe("restore: data and automation kinds into another tenant", () => {
  it("comes back with the secrets given, remapped references, and a checklist of the rest", async () => {
    const emu: EmulatorHandle = await startEmulator({ tenants: 2, tenantFixtures: ["demo", "empty"], admin: true, port: 0, rateLimits: "off" });
    const repo = await createTestRepository();
    const dir = await mkdtemp(join(tmpdir(), "lifeboat-data-automation-"));
    try {
      const [src, dst] = emu.state.tenants as [Tenant, Tenant];
      grantAutomations(src);
      grantAutomations(dst);
      const client = createTenantClient({ host: emu.tenants[0]!.host, auth: { type: "oauth2", clientId: emu.tenants[0]!.clientId, clientSecret: emu.tenants[0]!.clientSecret, scope: SCOPE } });
      const { snapshot, manifest } = await backup({ tenant: client, repository: repo });
      await client.close();
      const reenter = Object.fromEntries(manifest.items.filter((i) => i.reenter).map((i) => [`${i.layer}:${i.name}`, i.reenter]));
      expect(reenter["automationConnections:Snowflake (Ben)"]).toEqual(["parameter 'password'"]);
      expect(reenter["dataConnections:Sales DB"]).toEqual(["user name", "password", "connection secret"]);

      const secrets = join(dir, "secrets.yaml");
      await writeFile(secrets, ['dataConnections:', '  "Sales DB":', "    qUsername: svc_sales", "    qPassword: restored-pw-1", "    qConnectionSecret: restored-cs-1", "automationConnections:", '  "Snowflake (Ben)":', "    params.password: restored-pw-2", ""].join("\n"), { mode: 0o600 });
      const t = emu.tenants[1]!;
      const env = { QLIK_HOST: t.host, QLIK_CLIENT_ID: t.clientId, QLIK_CLIENT_SECRET: t.clientSecret, QLIK_SCOPE: SCOPE };
      const r = await restoreCli({ snapshot: snapshot.id, opts: { all: true, yes: true, targetHost: t.host, createMissingUsers: true, secrets, safetyBackup: false, json: true }, env, repo, journalDir: join(dir, "state") });
      expect(r.stderr).not.toMatch(/ERROR/);

      const sk = kindsOf(src);
      const dk = kindsOf(dst);
      const spaceName = (t: Tenant, id: string | undefined) => (id ? t.spaces[id]?.name : undefined);
      // Owners are matched by subject, else by email (the plan's user mapping): compared by email.
      const userSubject = (t: Tenant, id: string) => t.users[id]?.email;
      // Data connections: the same id, the same space (by name), the same owner (by subject); no DataFiles one.
      for (const c of Object.values(sk.dataConnections).filter((x) => x.spaceId)) {
        const got = dk.dataConnections[c.id];
        expect(got, c.name).toBeDefined();
        expect({ name: got!.name, space: spaceName(dst, got!.spaceId), owner: userSubject(dst, got!.ownerId), statement: got!.connectStatement }).toEqual({
          name: c.name,
          space: spaceName(src, c.spaceId),
          owner: userSubject(src, c.ownerId),
          statement: c.connectStatement,
        });
      }
      const sales = Object.values(dk.dataConnections).find((x) => x.name === "Sales DB")!;
      expect(sales).toMatchObject({ username: "svc_sales", password: "restored-pw-1", connectionSecret: "restored-cs-1" });
      expect(Object.values(dk.dataConnections).find((x) => x.name === "Ledger Files")!.password).toBeUndefined();
      // Automation connections: connected where the secret was given.
      const sf = Object.values(dk.automationConnections).find((x) => x.name === "Snowflake (Ben)")!;
      expect(sf).toMatchObject({ isConnected: true });
      expect(sf.params.find((p) => p.name === "password")!.value).toBe("restored-pw-2");
      expect(Object.values(dk.automationConnections).find((x) => x.name === "SMTP (Emma)")!.isConnected).toBe(false);
      // Automations: each present, owned by its owner, its workspace pointing at the restored connection.
      for (const a of Object.values(sk.automations)) {
        const got = Object.values(dk.automations).find((x) => x.name === a.name);
        expect(got, a.name).toBeDefined();
        expect(userSubject(dst, got!.ownerId), a.name).toBe(userSubject(src, a.ownerId));
      }
      const nightly = Object.values(dk.automations).find((x) => x.name === "Nightly sales refresh")!;
      expect(JSON.stringify(nightly.workspace)).toContain(sf.id);
      expect(nightly.state).toBe("available");
      expect(Object.values(dk.automations).find((x) => x.name === "Month-end mail")!.state).toBe("disabled");
      // Triggered by itself with an OAuth connection that nobody signed in to yet: created disabled
      // on purpose (it would fail on every run). The step says so (its note, the checklist), and
      // verification does not count the state it left on purpose as a difference.
      expect(Object.values(dk.automations).find((x) => x.name === "Pipeline to Slack")!.state).toBe("disabled");
      const report = r.stdout.split("\n").filter((l) => l.includes('"verification"')).map((l) => JSON.parse(l) as { report: { other: { where: string; field: string }[] } })[0]!.report;
      const ours = report.other.filter((m) => /^(data connection|data credential|automation connection|automation) '/.test(m.where));
      expect(ours).toEqual([]);

      // The checklist (--json: a line of its own): what still needs a secret or a sign-in, never what was given.
      const lines = r.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { type?: string; items?: { layer: string; name: string; todo: string }[] });
      const todo = (lines.find((l) => l.type === "checklist")?.items ?? []).map((c) => `${c.layer}:${c.name}`);
      expect(todo).toContain("dataConnections:Ledger Files");
      expect(todo).toContain("automations:Pipeline to Slack"); // created disabled: enable it once connected
      expect(todo).toContain("automationConnections:SMTP (Emma)");
      expect(todo).toContain("automationConnections:Slack (Chloe)");
      expect(todo).not.toContain("dataConnections:Sales DB");
      expect(todo).not.toContain("automationConnections:Snowflake (Ben)");

      // No secret in the snapshot, nor in what the restore wrote (journal, log, report), nor in its output.
      const written = [await snapshotText(repo, snapshot), await filesText(join(dir, "state")), r.stdout, r.stderr].join("\n");
      for (const s of ["restored-pw-1", "restored-pw-2", "restored-cs-1", "SECRET-demo-conn-1", "SECRET-demo-conn-2", "SECRET-demo-autoconn-1", "SECRET-demo-autoconn-2", "SECRET-demo-cred-1"]) expect(written, s).not.toContain(s);
    } finally {
      await repo.close();
      await emu.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("restore: data and automation kinds into the same tenant", () => {
  it("one of each deleted comes back (the connection with its qID and the secret given), the rest unchanged", async () => {
    const emu: EmulatorHandle = await startEmulator({ fixture: "demo", admin: true, port: 0, rateLimits: "off" });
    const repo = await createTestRepository();
    const dir = await mkdtemp(join(tmpdir(), "lifeboat-data-automation-same-"));
    try {
      const t = emu.state.tenants[0]!;
      grantAutomations(t);
      const client = createTenantClient({ host: emu.host, auth: { type: "oauth2", clientId: emu.clientId, clientSecret: emu.clientSecret, scope: SCOPE } });
      const { snapshot } = await backup({ tenant: client, repository: repo });
      await client.close();
      const k = kindsOf(t);
      const gone = {
        conn: Object.values(k.dataConnections).find((x) => x.name === "CRM REST")!,
        autoConn: Object.values(k.automationConnections).find((x) => x.name === "SMTP (Emma)")!,
        automation: Object.values(k.automations).find((x) => x.name === "Month-end mail")!,
      };
      delete k.dataConnections[gone.conn.id];
      delete k.automationConnections[gone.autoConn.id];
      delete k.automations[gone.automation.id];
      const before = { conns: Object.keys(k.dataConnections).length, autoConns: Object.keys(k.automationConnections).length, autos: Object.keys(k.automations).length };

      const secrets = join(dir, "secrets.yaml");
      await writeFile(secrets, ["dataConnections:", '  "CRM REST":', "    qConnectionSecret: restored-cs-2", "automationConnections:", '  "SMTP (Emma)":', "    params.apiKey: restored-key-2", ""].join("\n"), { mode: 0o600 });
      const env = { QLIK_HOST: emu.host, QLIK_CLIENT_ID: emu.clientId, QLIK_CLIENT_SECRET: emu.clientSecret, QLIK_SCOPE: SCOPE };
      const r = await restoreCli({ snapshot: snapshot.id, opts: { all: true, yes: true, secrets, safetyBackup: false, json: true, layers: ["dataConnections", "dataCredentials", "automationConnections", "automations"] }, env, repo, journalDir: join(dir, "state") });
      expect(r.stderr).not.toMatch(/ERROR/);

      expect(k.dataConnections[gone.conn.id]).toMatchObject({ name: "CRM REST", spaceId: gone.conn.spaceId, ownerId: gone.conn.ownerId, connectStatement: gone.conn.connectStatement, connectionSecret: "restored-cs-2" });
      const smtp = Object.values(k.automationConnections).find((x) => x.name === "SMTP (Emma)")!;
      expect(smtp).toMatchObject({ ownerId: gone.autoConn.ownerId, isConnected: true });
      const mail = Object.values(k.automations).find((x) => x.name === "Month-end mail")!;
      expect(mail).toMatchObject({ ownerId: gone.automation.ownerId, state: "disabled", maxConcurrentRuns: 2 });
      expect(JSON.stringify(mail.workspace)).toContain(smtp.id);
      expect(JSON.stringify(mail.workspace)).not.toContain(gone.autoConn.id);
      // Nothing else was created: the others were found in place.
      expect({ conns: Object.keys(k.dataConnections).length, autoConns: Object.keys(k.automationConnections).length, autos: Object.keys(k.automations).length }).toEqual({
        conns: before.conns + 1,
        autoConns: before.autoConns + 1,
        autos: before.autos + 1,
      });
      const report = r.stdout.split("\n").filter((l) => l.includes('"verification"')).map((l) => JSON.parse(l) as { report: { status: string; other: unknown[] } })[0]!.report;
      expect(report.other).toEqual([]);
      expect(r.code).toBe(0);
    } finally {
      await repo.close();
      await emu.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
