/**
 * `lifeboat backup`, `show`, `diff` and `ls` as a user runs them: the real bin in a child
 * process, against the emulator, into a local repository in a temporary folder.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Manifest, SnapshotDiff } from "@lifeboat/engine";
import type { ObjectRecord } from "@lifeboat/model";
import { loadSnapshotIndex } from "@lifeboat/engine";
import { type AppObject, startEmulator, type EmulatorHandle } from "@lifeboat/emulator";
import { openRepository, type Repository, type TreeEntry } from "@lifeboat/repository";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../packages/cli/bin/lifeboat.js", import.meta.url));
const PASSWORD = "e2e-cli-password";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function lifeboat(args: string[], env: Record<string, string | undefined> = {}, cwd?: string): Promise<Run> {
  const clean: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ["QLIK_HOST", "QLIK_API_KEY", "QLIK_CLIENT_ID", "QLIK_CLIENT_SECRET", "LIFEBOAT_CONFIG", "LIFEBOAT_REPOSITORY", "LIFEBOAT_PASSWORD"]) delete clean[k];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...clean, ...env, CI: "1" }, cwd: cwd ?? process.cwd(), maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function snapshotCount(repoPath: string): Promise<number> {
  const repo = await openRepository({ url: repoPath, password: PASSWORD });
  try {
    return (await repo.listSnapshots()).length;
  } finally {
    await repo.close();
  }
}

/** Entry names under apps/<appId>/objects of a snapshot tree. */
async function objectEntryNames(repo: Repository, root: string, appId: string): Promise<string[]> {
  const sub = async (treeId: string, name: (n: TreeEntry) => boolean) => {
    const e = (await repo.loadTree(treeId)).entries.find(name);
    if (e?.type !== "tree") throw new Error("missing tree");
    return e.subtree;
  };
  const apps = await sub(root, (e) => e.name === "apps");
  const app = await sub(apps, (e) => e.meta?.id === appId);
  const objects = await sub(app, (e) => e.name === "objects");
  return (await repo.loadTree(objects)).entries.map((e) => e.name);
}

/**
 * Reads everything a snapshot stores — its metadata, the manifest, every tree (entry names and
 * meta) and every blob byte (JSON documents and .qvf files alike) — and returns where each
 * needle occurs. Also returns how many blobs and bytes it read, so a caller can check the
 * walk was not vacuous.
 */
async function findInSnapshot(repoPath: string, snapshotId: string, needles: string[]): Promise<{ hits: string[]; blobs: number; bytes: number }> {
  const repo = await openRepository({ url: repoPath, password: PASSWORD });
  const hits: string[] = [];
  let blobs = 0;
  let bytes = 0;
  const scan = (where: string, text: string): void => {
    for (const [i, n] of needles.entries()) if (text.includes(n)) hits.push(`needle ${i} in ${where}`);
  };
  const readAll = async (ref: Parameters<Repository["readBlob"]>[0], where: string): Promise<void> => {
    const parts: Buffer[] = [];
    for await (const c of repo.readBlob(ref)) parts.push(Buffer.from(c));
    const buf = Buffer.concat(parts);
    blobs++;
    bytes += buf.length;
    scan(where, buf.toString("latin1"));
  };
  const walk = async (treeId: string, path: string): Promise<void> => {
    const tree = await repo.loadTree(treeId);
    scan(`tree ${path}`, JSON.stringify(tree));
    for (const e of tree.entries) {
      if (e.type === "tree") await walk(e.subtree, `${path}/${e.name}`);
      else await readAll(e.blob, `${path}/${e.name}`);
    }
  };
  try {
    const snapshot = await repo.loadSnapshot(snapshotId);
    scan("snapshot metadata", JSON.stringify(snapshot));
    if (snapshot.manifest) await readAll(snapshot.manifest, "manifest");
    await walk(snapshot.tree, "");
  } finally {
    await repo.close();
  }
  return { hits, blobs, bytes };
}

/** Every file under `dir`, relative. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(join(e.parentPath, e.name).slice(dir.length + 1));
  return out.sort();
}

describe("lifeboat backup / show / diff / ls (CLI)", () => {
  let emu: EmulatorHandle;
  let dir: string;
  let repoPath: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    emu = await startEmulator({ fixture: "demo", port: 0, admin: true, seed: "e2e-cli" });
    dir = await mkdtemp(join(tmpdir(), "lifeboat-e2e-cli-"));
    repoPath = join(dir, "repo");
    env = { LIFEBOAT_REPOSITORY: repoPath, LIFEBOAT_PASSWORD: PASSWORD };
    const init = await lifeboat(["init"], env);
    expect(init.code, init.stderr).toBe(0);
  });
  afterAll(async () => {
    await emu?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("backs up from QLIK_HOST + OAuth env, prints a summary, and show / ls / diff read it", async () => {
    const run = await lifeboat(["backup", "--tag", "e2e"], { ...env, QLIK_HOST: emu.host, QLIK_CLIENT_ID: emu.clientId, QLIK_CLIENT_SECRET: emu.clientSecret });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/layer\s+captured\s+unchanged\s+failed\s+skipped/);
    expect(run.stdout).toMatch(/apps\s+12\s+0\s+0\s+0/);
    // Never a secret in the output: not the client secret, not the API key, not an access token.
    for (const secret of [emu.clientSecret, emu.apiKey, "emuat."]) expect(run.stdout + run.stderr).not.toContain(secret);

    const show = await lifeboat(["show", "latest", "--json"], env);
    expect(show.code, show.stderr).toBe(0);
    const shown = JSON.parse(show.stdout) as { snapshot: { id: string; tags: string[] }; manifest: Manifest };
    expect(shown.snapshot.tags).toContain("e2e");
    expect(shown.manifest.counts.apps.captured).toBe(12);

    // Never a secret in anything stored: manifest, trees and every blob, .qvf files included.
    // (The emulator's access tokens all start with "emuat."; "Sales Overview" is the control
    // that proves the walk reads the documents.)
    const stored = await findInSnapshot(repoPath, shown.snapshot.id, [emu.clientSecret, emu.apiKey, "emuat.", "Sales Overview"]);
    expect(stored.hits.filter((h) => !h.startsWith("needle 3 "))).toEqual([]);
    expect(stored.hits.some((h) => h.startsWith("needle 3 "))).toBe(true);
    expect(stored.blobs).toBeGreaterThan(100);

    // Read-only commands run side by side (each is a process start; they share a lock-free read).
    type LsJson = { path: string; kind: string; entries: { name: string; kind: string; label?: string; meta?: Record<string, unknown> }[]; apps?: { label?: string }[] };
    const [showText, ls, byName, missing, rootJson, spaceJson, objectJson] = await Promise.all([
      lifeboat(["show", shown.snapshot.id.slice(0, 10)], env),
      lifeboat(["ls", "latest", "apps"], env),
      lifeboat(["ls", "latest", "apps/Customer 360/objects"], env),
      lifeboat(["ls", "latest", "apps/no-such-app"], env),
      lifeboat(["ls", "latest", "--json"], env),
      lifeboat(["ls", "latest", "spaces/Sales", "--json"], env),
      lifeboat(["ls", "latest", "apps/Customer 360/objects", "--json"], env),
    ]);
    expect(showText.stdout).toContain("Sales Overview");

    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toContain("Sales Overview");
    expect(ls.stdout).toMatch(/owner .+ \(/);
    expect(ls.stdout.split("\n").filter((l) => / app /.test(l))).toHaveLength(12);
    // A path segment may be a unique name.
    expect(byName.code, byName.stderr).toBe(0);
    expect(byName.stdout).toContain("(objects)");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no entry 'no-such-app' under apps/);

    // --json walks tenant → space → app → object.
    const root = JSON.parse(rootJson.stdout) as LsJson;
    expect(root.kind).toBe("snapshot");
    // The core kinds, then a folder per declared resource kind the connector lists (issue 12).
    const core = ["apps", "groups", "roles", "spaces", "tenant", "users"];
    expect(root.entries.map((e) => e.kind).filter((k) => core.includes(k)).sort()).toEqual(core);
    expect(root.entries.map((e) => e.kind)).toEqual(expect.arrayContaining(["webhooks", "oauthClients", "cspOrigins"]));
    const space = JSON.parse(spaceJson.stdout) as LsJson;
    expect(space.kind).toBe("space");
    expect(space.apps?.length).toBeGreaterThan(0);
    const objects = JSON.parse(objectJson.stdout) as LsJson;
    const tenantApp = Object.values(emu.state.tenants[0]!.apps).find((a) => a.name === "Customer 360")!;
    expect(objects.entries).toHaveLength(Object.keys(tenantApp.objects).length);
    const sheet = objects.entries.find((e) => e.kind === "sheet")!;
    const objectLs = await lifeboat(["ls", "latest", `apps/Customer 360/objects/${String(sheet.meta?.id)}`, "--json"], env);
    expect(objectLs.code, objectLs.stderr).toBe(0);
    const object = JSON.parse(objectLs.stdout) as LsJson;
    expect(object.kind).toBe("sheet");
    const truth = tenantApp.objects[String(sheet.meta?.id)]!;
    expect(object.entries[0]!.meta).toMatchObject({ id: truth.id, ownerId: truth.ownerId, ownerSubject: emu.state.tenants[0]!.users[truth.ownerId]!.subject, approved: truth.approved, published: truth.published });

    // A second run in JSON mode: NDJSON events, then the manifest; nothing exported.
    const second = await lifeboat(["backup", "--json"], { ...env, QLIK_HOST: emu.host, QLIK_CLIENT_ID: emu.clientId, QLIK_CLIENT_SECRET: emu.clientSecret });
    expect(second.code, second.stderr).toBe(0);
    const lines = second.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; manifest?: Manifest; snapshot?: { id: string } });
    expect(lines.some((l) => l.type === "layer-start")).toBe(true);
    expect(lines.some((l) => l.type === "item")).toBe(true);
    const last = lines.at(-1)!;
    expect(last.type).toBe("manifest");
    expect(last.manifest!.exports.count).toBe(0);
    expect(last.manifest!.counts.apps.unchanged).toBe(12);

    const diff = await lifeboat(["diff", shown.snapshot.id, last.snapshot!.id, "--json"], env);
    expect(diff.code, diff.stderr).toBe(0);
    expect((JSON.parse(diff.stdout) as SnapshotDiff).changes).toEqual([]);
  });

  it("diff names groups and roles added, removed and changed (text and JSON)", async () => {
    const oauth = { ...env, QLIK_HOST: emu.host, QLIK_CLIENT_ID: emu.clientId, QLIK_CLIENT_SECRET: emu.clientSecret };
    const snapshotOf = (run: Run) => (JSON.parse(run.stdout.trim().split("\n").at(-1)!) as { snapshot: { id: string } }).snapshot.id;
    const tenant = emu.state.tenants[0]!;
    const t = "2026-01-01T00:00:00.000Z";
    // Groups and a role no user is assigned (users list theirs, so those would change too).
    const group = (id: string, name: string) => ({ id, tenantId: tenant.id, name, providerType: "custom" as const, status: "active" as const, roles: [], createdAt: t, lastUpdatedAt: t });
    tenant.groups["e2e-auditors"] = group("e2e-auditors", "Auditors");
    tenant.roles["e2e-auditor"] = { id: "e2e-auditor", tenantId: tenant.id, name: "Auditor", description: "", type: "custom", level: "user", assignedScopes: [], createdAt: t, lastUpdatedAt: t };
    try {
      const first = await lifeboat(["backup", "--json"], oauth);
      expect(first.code, first.stderr).toBe(0);
      delete tenant.groups["e2e-auditors"];
      tenant.groups["e2e-finance"] = group("e2e-finance", "Finance");
      tenant.roles["e2e-auditor"].name = "Auditor (read only)";
      const second = await lifeboat(["backup", "--json"], oauth);
      expect(second.code, second.stderr).toBe(0);

      const [from, to] = [snapshotOf(first), snapshotOf(second)];
      const [text, json] = await Promise.all([lifeboat(["diff", from, to], env), lifeboat(["diff", from, to, "--json"], env)]);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout.split("\n").slice(1)).toEqual([
        "- group 'Auditors' (e2e-auditors): removed",
        "+ group 'Finance' (e2e-finance): added",
        "~ role 'Auditor (read only)' (e2e-auditor): name changed",
        // A custom role is also a custom-roles item (its full definition, for a restore).
        "~ custom role 'Auditor (read only)' (e2e-auditor): name changed",
        "1 added, 1 removed, 2 changed",
        "",
      ]);
      const diff = JSON.parse(json.stdout) as SnapshotDiff;
      expect(diff.changes.map((c) => [c.layer, c.kind, c.id])).toEqual([
        ["groups", "removed", "e2e-auditors"],
        ["groups", "added", "e2e-finance"],
        ["roles", "changed", "e2e-auditor"],
        ["customRoles", "changed", "e2e-auditor"],
      ]);
      expect(diff.changes[3]).toMatchObject({ title: "Auditor (read only)", details: ["name"] });
      expect(diff.changes[2]).toMatchObject({ title: "Auditor (read only)", details: ["name"] });
    } finally {
      delete tenant.groups["e2e-auditors"];
      delete tenant.groups["e2e-finance"];
      delete tenant.roles["e2e-auditor"];
    }
  });

  it("an API key caller is warned about the coverage gap", async () => {
    const run = await lifeboat(["backup", "--host", emu.host], { ...env, QLIK_API_KEY: emu.apiKey });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/warning: other users' private content not visible to /);
    expect(run.stdout).toMatch(/coverage gaps:/);
    // The API key is in no log line and nowhere in the snapshot.
    expect(run.stdout + run.stderr).not.toContain(emu.apiKey);
    const stored = await findInSnapshot(repoPath, "latest", [emu.apiKey, emu.clientSecret, "emuat."]);
    expect(stored.hits).toEqual([]);
    expect(stored.blobs).toBeGreaterThan(100);
  });

  it("wrong credentials: a clear error naming the host, nothing written", async () => {
    const before = await snapshotCount(repoPath);
    const run = await lifeboat(["backup"], { ...env, QLIK_HOST: emu.host, QLIK_CLIENT_ID: emu.clientId, QLIK_CLIENT_SECRET: "wrong-secret" });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(emu.host);
    expect(run.stderr).toMatch(/credentials|unauthori[sz]ed|401/i);
    expect(run.stderr).not.toContain("wrong-secret");
    const apiKey = await lifeboat(["backup"], { ...env, QLIK_HOST: emu.host, QLIK_API_KEY: "not-a-key" });
    expect(apiKey.code).toBe(1);
    expect(apiKey.stderr).toMatch(/credentials|unauthori[sz]ed|401/i);
    expect(await snapshotCount(repoPath)).toBe(before);
  });

  it("unreachable host: a clear error, exit 1", async () => {
    // A port that was free a moment ago: nothing listens there.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const run = await lifeboat(["backup", "--host", `http://127.0.0.1:${port}`], { ...env, QLIK_API_KEY: "k" });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot reach http://127.0.0.1:${port}`);
    expect(run.stderr).toContain("connection refused: nothing listens at that address and port");
    expect(run.stderr).toContain("check the host URL (scheme, name and port) and the network");
  });

  it("config: a tenant missing from the file and a malformed file are usage errors with field paths", async () => {
    const cfgDir = await mkdtemp(join(tmpdir(), "lifeboat-e2e-cfg-"));
    try {
      await writeFile(
        join(cfgDir, "lifeboat.yaml"),
        `tenants:\n  demo:\n    host: ${emu.host}\n    auth: { type: oauth2, clientId: ${emu.clientId}, clientSecretEnv: DEMO_SECRET }\n`,
      );
      const missing = await lifeboat(["backup", "--tenant", "prod"], env, cfgDir);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/tenant 'prod' is not in .*lifeboat.yaml; known tenants: demo/);

      const ok = await lifeboat(["backup", "--tenant", "demo", "--tag", "from-config"], { ...env, DEMO_SECRET: emu.clientSecret }, cfgDir);
      expect(ok.code, ok.stderr).toBe(0);

      await writeFile(join(cfgDir, "bad.yaml"), "tenants:\n  demo:\n    host: 42\n    auth: { type: oauth2 }\n    extra: true\n");
      const bad = await lifeboat(["backup", "--config", "bad.yaml", "--tenant", "demo"], env, cfgDir);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/invalid config file .*bad.yaml/);
      expect(bad.stderr).toMatch(/tenants\.demo\.host: /);
      expect(bad.stderr).toMatch(/tenants\.demo\.auth: .*clientId/);
      expect(bad.stderr).toMatch(/tenants\.demo: .*extra/);
    } finally {
      await rm(cfgDir, { recursive: true, force: true });
    }
  });

  it("hostile app and object names and ids are stored safely, never outside the repository", async () => {
    const tenant = emu.state.tenants[0]!;
    const app = Object.values(tenant.apps).find((a) => Object.values(a.objects).some((o) => o.type === "sheet"))!;
    const template = Object.values(app.objects).find((o) => o.type === "sheet")!;
    const hostile = ["../../../escape", "a/b\\c", "..", "ctl\u0001\u0007\u001b[31m", "ünïcødé-表-😀", "L".repeat(10_240)];
    app.name = `../${"N".repeat(10_240)}/\u0000\u001b[2J`;
    for (const [i, id] of hostile.entries()) {
      const o: AppObject = structuredClone(template);
      o.id = id;
      o.children = [];
      o.properties = { ...o.properties, qInfo: { qId: id, qType: "sheet" }, qMetaDef: { title: `${hostile[(i + 1) % hostile.length]}` }, cells: [] };
      app.objects[id] = o;
    }
    const outside = await filesUnder(dir);

    const run = await lifeboat(["backup", "--full"], { ...env, QLIK_HOST: emu.host, QLIK_CLIENT_ID: emu.clientId, QLIK_CLIENT_SECRET: emu.clientSecret });
    expect(run.code, run.stderr).toBe(0);
    // Nothing written outside the repository folder.
    const after = await filesUnder(dir);
    expect(after.filter((f) => !f.startsWith("repo/"))).toEqual(outside.filter((f) => !f.startsWith("repo/")));
    // No control characters reach the terminal.
    expect(run.stdout + run.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);

    const repo = await openRepository({ url: repoPath, password: PASSWORD });
    try {
      const snapshot = await repo.loadSnapshot("latest");
      const index = await loadSnapshotIndex(repo, snapshot);
      const stored = index.apps.get(app.id)!;
      expect(stored.name.length).toBeLessThanOrEqual(1024);
      for (const id of hostile) {
        const entry = stored.objects.get(id);
        expect(entry, JSON.stringify(id).slice(0, 40)).toBeDefined();
        const record = await repo.readJson<ObjectRecord>(entry!.blob);
        expect(record.id).toBe(id);
      }
      const names = await objectEntryNames(repo, snapshot.tree, app.id);
      expect(names.length).toBe(Object.keys(app.objects).length);
      for (const n of names) {
        expect(n).not.toMatch(/[/\\\u0000-\u001f]/);
        expect(n.length).toBeLessThanOrEqual(200);
        expect(n.replace(/\.json$/, "")).not.toMatch(/^\.*$/);
      }
      const lsText = await lifeboat(["ls", "latest", `apps/${app.id}/objects`], env);
      expect(lsText.code, lsText.stderr).toBe(0);
      expect(lsText.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
    } finally {
      await repo.close();
    }
  });
});
