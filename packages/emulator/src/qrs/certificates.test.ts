/**
 * QRS on the repository port with client certificates: a test CA, a server and a client
 * certificate are made with the `openssl` command (`certs.ts`) in a temporary folder; a certificate from
 * another CA fails the TLS handshake, and the user is the one `X-Qlik-User` names.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type EmulatorHandle } from "../server.ts";
import type { SiteHandle } from "./server.ts";
import { generateTestCertificates, hasOpenssl } from "./certs.ts";

interface Pem {
  key: string;
  cert: string;
}

function pems(dir: string): { ca: Pem; server: Pem; client: Pem; stranger: Pem } {
  const ours = generateTestCertificates(dir, "test-ca");
  const theirs = generateTestCertificates(dir, "other-ca");
  const read = (cert: string, key: string): Pem => ({ cert: readFileSync(cert, "utf8"), key: readFileSync(key, "utf8") });
  return { ca: read(ours.ca, ours.caKey), server: read(ours.serverCert, ours.serverKey), client: read(ours.clientCert, ours.clientKey), stranger: read(theirs.clientCert, theirs.clientKey) };
}

let dir: string;
let emu: EmulatorHandle;
let site: SiteHandle;
let certs: ReturnType<typeof pems>;
const XRF = "abcdefghij012345";

beforeAll(async () => {
  if (!hasOpenssl()) return;
  dir = mkdtempSync(join(tmpdir(), "lifeboat-qrs-certs-"));
  certs = pems(dir);
  emu = await startEmulator({ fixture: "qseow-demo", qix: false, siteCertificates: { ca: certs.ca.cert, cert: certs.server.cert, key: certs.server.key } });
  site = emu.sites[0] as SiteHandle;
}, 60_000);
afterAll(async () => {
  await emu?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function get(path: string, client: Pem, user?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(`${site.certHost}${path}${path.includes("?") ? "&" : "?"}xrfkey=${XRF}`);
    const headers: Record<string, string> = { "x-qlik-xrfkey": XRF };
    if (user) headers["x-qlik-user"] = user;
    const req = request(url, { ca: certs.ca.cert, cert: client.cert, key: client.key, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe.skipIf(!hasOpenssl())("QRS with a client certificate (needs the openssl command)", () => {
  it("answers as the user X-Qlik-User names", async () => {
    const r = await get("/qrs/app/full", certs.client, "UserDirectory=ACME; UserId=qadmin");
    expect(r.status).toBe(200);
    expect((JSON.parse(r.body) as unknown[]).length).toBe(5);
    const liwei = await get("/qrs/app/full", certs.client, "UserDirectory=ACME; UserId=liwei");
    expect((JSON.parse(liwei.body) as unknown[]).length).toBe(4);
  });

  it("refuses a request without X-Qlik-User or naming an unknown user", async () => {
    expect((await get("/qrs/app", certs.client)).status).toBe(403);
    expect(await get("/qrs/app", certs.client, "UserDirectory=ACME; UserId=nobody")).toMatchObject({ status: 403, body: expect.stringContaining("does not name a user") });
  });

  it("refuses a certificate signed by another CA in the TLS handshake", async () => {
    await expect(get("/qrs/app", certs.stranger, "UserDirectory=ACME; UserId=qadmin")).rejects.toThrow();
  });
});
