/** `lifeboat sandbox` with a client-managed source site beside an empty Cloud target. */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { defaultQuirks, hasOpenssl } from "@lifeboat/emulator";
import { sandboxOptions } from "./sandbox.ts";

const bin = fileURLToPath(new URL("../../bin/lifeboat.js", import.meta.url));

interface Site {
  kind: string;
  host: string;
  virtualProxyPrefix: string;
  headerName: string;
  user: string;
  certHost?: string;
  ca?: string;
  clientCert?: string;
  clientKey?: string;
}
interface Line {
  host: string;
  apiKey: string;
  tenants: { host: string; apiKey: string }[];
  sites: Site[];
}

async function sandbox(args: string[]): Promise<{ info: Line; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [bin, "sandbox", "--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const rl = createInterface({ input: child.stdout });
  const first = await new Promise<string>((resolve, reject) => {
    rl.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`sandbox exited early with ${code}`)));
  });
  const stop = () =>
    new Promise<number | null>((resolve) => {
      child.once("exit", (c) => resolve(c));
      child.kill("SIGTERM");
    });
  return { info: JSON.parse(first) as Line, stop };
}

const XRF = "Lifeboat12345678";

describe("lifeboat sandbox --fixture qseow-demo,empty", () => {
  it("accepts the client-managed fixtures", () => {
    expect(sandboxOptions({ fixture: "qseow-demo,empty", tenants: "2" }, defaultQuirks)).toMatchObject({ tenantFixtures: ["qseow-demo", "empty"], tenants: 2 });
    expect(sandboxOptions({ fixture: "qseow-generated", apps: "7" }, defaultQuirks)).toMatchObject({ fixture: "qseow-generated", apps: 7 });
  });

  it("prints the source site's connection details beside the empty Cloud target, and both answer", async () => {
    const certs = hasOpenssl() ? await mkdtemp(join(tmpdir(), "lb-sandbox-certs-")) : undefined;
    const { info, stop } = await sandbox(["--fixture", "qseow-demo,empty", "--tenants", "2", ...(certs ? ["--site-certs", certs] : [])]);
    try {
      expect(info.tenants).toHaveLength(1);
      expect(info.tenants[0]).toMatchObject({ host: info.host, apiKey: info.apiKey });
      const me = await fetch(`${info.host}/api/v1/users/me`, { headers: { authorization: `Bearer ${info.apiKey}` } });
      expect(me.status).toBe(200);
      expect(info.sites).toHaveLength(1);
      const site = info.sites[0] as Site;
      expect(site).toMatchObject({ kind: "qseow", virtualProxyPrefix: "hdr", headerName: "hdr-usr", user: "ACME\\qadmin" });
      const apps = await fetch(`${site.host}/${site.virtualProxyPrefix}/qrs/app?xrfkey=${XRF}`, { headers: { "x-qlik-xrfkey": XRF, [site.headerName]: site.user } });
      expect(apps.status).toBe(200);
      expect(((await apps.json()) as unknown[]).length).toBe(5);
      if (certs) {
        const [ca, cert, key] = await Promise.all([site.ca, site.clientCert, site.clientKey].map((f) => readFile(String(f), "utf8")));
        const status = await new Promise<number>((resolve, reject) => {
          const req = request(`${site.certHost}/qrs/user?xrfkey=${XRF}`, { ca, cert, key, headers: { "x-qlik-xrfkey": XRF, "x-qlik-user": "UserDirectory=ACME; UserId=qadmin" } }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on("error", reject);
          req.end();
        });
        expect(status).toBe(200);
      }
    } finally {
      expect(await stop()).toBe(0);
      if (certs) await rm(certs, { recursive: true, force: true });
    }
  }, 60_000);
});
