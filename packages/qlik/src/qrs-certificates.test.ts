/**
 * The QRS reader on the repository port with a client certificate (test certificates made with
 * `openssl` by the emulator's helper): reads and exports as the user X-Qlik-User names; a
 * certificate from another CA is an "unauthorized" failure that names the TLS handshake.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateTestCertificates, hasOpenssl, siteCertificatesFrom, startEmulator, type EmulatorHandle, type SiteHandle, type TestCertificateFiles } from "@lifeboat/emulator";
import { QlikApiError } from "./errors.ts";
import { createQrsReader } from "./qrs.ts";

let dir: string;
let emu: EmulatorHandle;
let site: SiteHandle;
let ours: TestCertificateFiles;
let theirs: TestCertificateFiles;
const read = (f: string): string => readFileSync(f, "utf8");

beforeAll(async () => {
  if (!hasOpenssl()) return;
  dir = mkdtempSync(join(tmpdir(), "lb-qrs-reader-certs-"));
  ours = generateTestCertificates(dir, "site-ca");
  theirs = generateTestCertificates(dir, "rogue-ca");
  emu = await startEmulator({ fixture: "qseow-demo", qix: false, siteCertificates: siteCertificatesFrom(ours) });
  site = emu.sites[0] as SiteHandle;
}, 60_000);
afterAll(async () => {
  await emu?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasOpenssl())("createQrsReader with a client certificate (needs the openssl command)", () => {
  it("reads and exports as the user X-Qlik-User names", async () => {
    const r = createQrsReader({ host: String(site.certHost), auth: { type: "certificate", cert: read(ours.clientCert), key: read(ours.clientKey), ca: read(ours.ca), user: "ACME\\qadmin" } });
    expect(await r.whoAmI()).toMatchObject({ subject: "ACME\\qadmin", isPrivateContentBot: true });
    const apps: string[] = [];
    for await (const a of r.listApps()) apps.push(a.appId);
    expect(apps).toHaveLength(5);
    const file = await r.exportApp(apps[0] as string, { withData: false });
    let size = 0;
    for await (const c of file.body) size += c.length;
    expect(size).toBe(file.size);
  });

  it("a certificate from another CA fails as unauthorized, naming the TLS handshake", async () => {
    const r = createQrsReader({ host: String(site.certHost), auth: { type: "certificate", cert: read(theirs.clientCert), key: read(theirs.clientKey), ca: read(ours.ca), user: "ACME\\qadmin" }, attempts: 1 });
    const err = await r.whoAmI().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QlikApiError);
    expect(err).toMatchObject({ kind: "unauthorized" });
    expect(String((err as Error).message)).toContain("TLS handshake");
  });
});
