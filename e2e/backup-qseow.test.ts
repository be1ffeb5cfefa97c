/**
 * `lifeboat backup --source qseow`: the real bin backs up the emulator's client-managed site
 * `qseow-demo` through its header virtual proxy into a local repository; `ls` shows every app
 * and every private sheet with its `DIRECTORY\userid` owner, checked against an independent
 * read of QRS; a second run dedups and `diff` reads both; bad credentials fail clearly.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateTestCertificates, hasOpenssl, siteCertificatesFrom, startEmulator, type EmulatorHandle, type SiteHandle, type TestCertificateFiles } from "@lifeboat/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../packages/cli/bin/lifeboat.js", import.meta.url));
const PASSWORD = "e2e-qseow-password";
const XRF = "e2eQseowXrfkey16";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function lifeboat(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const clean: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ["QLIK_HOST", "QLIK_API_KEY", "QLIK_CLIENT_ID", "QLIK_CLIENT_SECRET", "LIFEBOAT_CONFIG", "LIFEBOAT_REPOSITORY", "LIFEBOAT_PASSWORD", "LIFEBOAT_QSEOW_USER", "LIFEBOAT_QSEOW_HEADER"]) delete clean[k];
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...clean, ...env, CI: "1" }, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** An independent read of QRS, as the site's admin. */
async function qrs<T>(site: SiteHandle, path: string, filter?: string): Promise<T> {
  const q = new URLSearchParams({ xrfkey: XRF, ...(filter ? { filter } : {}) });
  const res = await fetch(`${site.host}/${site.virtualProxyPrefix}/qrs${path}?${q}`, { headers: { "x-qlik-xrfkey": XRF, [site.headerName]: site.user } });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

let emu: EmulatorHandle;
let site: SiteHandle;
let dir: string;
let env: Record<string, string>;
let certs: TestCertificateFiles | undefined;
let rogue: TestCertificateFiles | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "lb-e2e-qseow-"));
  if (hasOpenssl()) {
    certs = generateTestCertificates(dir, "site-ca");
    rogue = generateTestCertificates(dir, "rogue-ca");
  }
  emu = await startEmulator({ fixture: "qseow-demo", ...(certs ? { siteCertificates: siteCertificatesFrom(certs) } : {}) });
  site = emu.sites[0] as SiteHandle;
  env = { LIFEBOAT_REPOSITORY: join(dir, "repo"), LIFEBOAT_PASSWORD: PASSWORD, LIFEBOAT_QSEOW_USER: site.user };
  const init = await lifeboat(["init"], env);
  expect(init.code, init.stderr).toBe(0);
}, 60_000);
afterAll(async () => {
  await emu?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("lifeboat backup --source qseow", () => {
  it("captures every app and every object with its DIRECTORY\\userid owner; ls shows them", async () => {
    const host = `${site.host}/${site.virtualProxyPrefix}`;
    const run = await lifeboat(["backup", "--source", "qseow", "--host", host, "--header-name", site.headerName, "--json"], env);
    expect(run.code, run.stderr).toBe(0);
    const manifest = JSON.parse(run.stdout.trim().split("\n").pop() as string) as { manifest: { counts: Record<string, { captured?: number }>; coverageGaps: unknown[]; caller: { subject: string; isPrivateContentBot: boolean } } };
    expect(manifest.manifest.caller).toMatchObject({ subject: "ACME\\qadmin", isPrivateContentBot: true });
    expect(manifest.manifest.counts.apps?.captured).toBe(5);
    // What QRS cannot give is said, not hidden: scripts and property trees are inside app.qvf only.
    expect(manifest.manifest.coverageGaps).toEqual([
      { layer: "apps", description: expect.stringContaining("load script") },
      { layer: "objects", description: expect.stringContaining("property trees") },
    ]);

    const apps = await qrs<{ id: string; name: string; owner: { userDirectory: string; userId: string } }[]>(site, "/app/full");
    const ls = await lifeboat(["ls", "latest", "apps"], env);
    expect(ls.code, ls.stderr).toBe(0);
    for (const a of apps) {
      const line = ls.stdout.split("\n").find((l) => l.includes(a.name));
      expect(line, a.name).toBeDefined();
      expect(line).toContain(`${a.owner.userDirectory}\\${a.owner.userId}`);
    }

    const privateSheets = await qrs<{ name: string; engineObjectId: string; owner: { userDirectory: string; userId: string }; app: { id: string; name: string } }[]>(site, "/app/object/full", "objectType eq 'sheet' and published eq false");
    expect(privateSheets.length).toBeGreaterThanOrEqual(5);
    const byApp = new Map<string, typeof privateSheets>();
    for (const s of privateSheets) byApp.set(s.app.name, [...(byApp.get(s.app.name) ?? []), s]);
    for (const [appName, sheets] of byApp) {
      const objects = await lifeboat(["ls", "latest", `apps/${appName}/objects`], env);
      expect(objects.code, objects.stderr).toBe(0);
      for (const s of sheets) {
        const line = objects.stdout.split("\n").find((l) => l.includes(s.name));
        expect(line, `${appName}: ${s.name}`).toBeDefined();
        expect(line).toContain(`${s.owner.userDirectory}\\${s.owner.userId}`);
      }
    }
    // The LEGACY user's objects are there too, with their directory.
    const legacy = await lifeboat(["ls", "latest", "apps/Finance Report/objects"], env);
    expect(legacy.stdout).toContain("LEGACY\\tkowalski");
  }, 120_000);

  it("a second run references the unchanged files; show and diff read both snapshots", async () => {
    const host = `${site.host}/${site.virtualProxyPrefix}`;
    const run = await lifeboat(["backup", "--source", "qseow", "--host", host, "--header-name", site.headerName, "--json"], env);
    expect(run.code, run.stderr).toBe(0);
    const second = JSON.parse(run.stdout.trim().split("\n").pop() as string) as { manifest: { counts: Record<string, { unchanged?: number }> } };
    expect(second.manifest.counts.apps?.unchanged).toBe(5);
    const snaps = await lifeboat(["snapshots", "--json"], env);
    const list = JSON.parse(snaps.stdout) as { id: string }[];
    expect(list).toHaveLength(2);
    const diff = await lifeboat(["diff", (list[0] as { id: string }).id.slice(0, 12), (list[1] as { id: string }).id.slice(0, 12)], env);
    expect(diff.code, diff.stderr).toBe(0);
    const show = await lifeboat(["show", "latest"], env);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain("Sales Dashboard");
  }, 120_000);

  it("fails clearly without the header user, with a malformed one, or a user the proxy refuses", async () => {
    const host = `${site.host}/${site.virtualProxyPrefix}`;
    const none = await lifeboat(["backup", "--source", "qseow", "--host", host, "--header-name", site.headerName], { ...env, LIFEBOAT_QSEOW_USER: "" });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("LIFEBOAT_QSEOW_USER");
    const file = join(dir, "user.txt");
    await writeFile(file, "qadmin\n");
    const malformed = await lifeboat(["backup", "--source", "qseow", "--host", host, "--header-name", site.headerName, "--header-user-file", file], env);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain(file);
    const noHeaderName = await lifeboat(["backup", "--source", "qseow", "--host", host], env);
    expect(noHeaderName.code).toBe(2);
    expect(noHeaderName.stderr).toContain("--header-name");
    // Without the prefix the default virtual proxy (Windows authentication) answers 401.
    const noPrefix = await lifeboat(["backup", "--source", "qseow", "--host", site.host, "--header-name", site.headerName], env);
    expect(noPrefix.code).toBe(1);
    expect(noPrefix.stderr).toContain("rejected the credentials");
    expect(noPrefix.stderr).toContain("header user");
  }, 120_000);

  it.skipIf(!hasOpenssl())("backs up through the repository port with a client certificate; one from another CA is refused clearly (needs the openssl command)", async () => {
    const c = certs as TestCertificateFiles;
    const r = rogue as TestCertificateFiles;
    const ok = await lifeboat(["backup", "--source", "qseow", "--host", String(site.certHost), "--cert-file", c.clientCert, "--key-file", c.clientKey, "--ca-file", c.ca, "--json"], env);
    expect(ok.code, ok.stderr).toBe(0);
    const m = JSON.parse(ok.stdout.trim().split("\n").pop() as string) as { manifest: { caller: { subject: string }; counts: Record<string, { captured?: number; unchanged?: number }> } };
    expect(m.manifest.caller.subject).toBe("ACME\\qadmin");
    expect((m.manifest.counts.apps?.captured ?? 0) + (m.manifest.counts.apps?.unchanged ?? 0)).toBe(5);
    const refused = await lifeboat(["backup", "--source", "qseow", "--host", String(site.certHost), "--cert-file", r.clientCert, "--key-file", r.clientKey, "--ca-file", c.ca], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("rejected the credentials");
    expect(refused.stderr).toContain("client certificate");
  }, 120_000);

  it("an export whose download breaks half-way leaves a partial snapshot (exit 3) that names the app; the next run completes it", async () => {
    const host = `${site.host}/${site.virtualProxyPrefix}`;
    // Change one app so it must be exported again (the others are referenced from the previous snapshot).
    const stored = emu.state.sites[0]?.apps;
    const dash = Object.values(stored ?? {}).find((a) => a.app.name === "Sales Dashboard");
    if (!dash) throw new Error("no Sales Dashboard");
    dash.app.description = "changed for the fault test";
    dash.app.modifiedDate = new Date().toISOString();
    emu.setFaults("rate=1,kinds=truncate,seed=3");
    try {
      const broken = await lifeboat(["backup", "--source", "qseow", "--host", host, "--header-name", site.headerName, "--json"], env);
      expect(broken.code, broken.stderr).toBe(3);
      const m = JSON.parse(broken.stdout.trim().split("\n").pop() as string) as { snapshot: { partial: boolean }; manifest: { items: { layer: string; name?: string; status: string; reason?: string }[] } };
      expect(m.snapshot.partial).toBe(true);
      const failed = m.manifest.items.filter((i) => i.layer === "apps" && i.status === "failed");
      expect(failed.map((i) => i.name)).toEqual(["Sales Dashboard"]);
      expect(failed[0]?.reason).toContain("attributes, script and objects were captured");
    } finally {
      emu.setFaults("");
    }
    const again = await lifeboat(["backup", "--source", "qseow", "--host", host, "--header-name", site.headerName, "--json"], env);
    expect(again.code, again.stderr).toBe(0);
    const m2 = JSON.parse(again.stdout.trim().split("\n").pop() as string) as { manifest: { items: { layer: string; name?: string; status: string }[] } };
    expect(m2.manifest.items.find((i) => i.layer === "apps" && i.name === "Sales Dashboard")?.status).toBe("captured");
  }, 120_000);
});
