import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { defaultQuirks } from "@lifeboat/emulator";
import { sandboxOptions } from "./sandbox.ts";

const bin = fileURLToPath(new URL("../../bin/lifeboat.js", import.meta.url));

describe("lifeboat sandbox", () => {
  it("maps flags to emulator options and rejects bad values", () => {
    expect(sandboxOptions({ port: "0", fixture: "generated", apps: "5", timeScale: "100", rateLimits: "qlik", state: "s.json", latency: "realistic", faults: "rate=0.1" }, defaultQuirks)).toMatchObject({ port: 0, fixture: "generated", apps: 5, timeScale: 100, rateLimits: "qlik", stateFile: "s.json", latency: "realistic", faults: "rate=0.1" });
    expect(() => sandboxOptions({ fixture: "nope" }, defaultQuirks)).toThrow(/--fixture/);
    expect(sandboxOptions({ fixture: "demo,empty", tenants: "1" }, defaultQuirks)).toMatchObject({ tenantFixtures: ["demo", "empty"], tenants: undefined });
    expect(() => sandboxOptions({ timeScale: "-1" }, defaultQuirks)).toThrow(/--time-scale/);
    expect(() => sandboxOptions({ port: "70000" }, defaultQuirks)).toThrow(/--port/);
    expect(sandboxOptions({ quirk: ["importIntoManagedSpace=allow", "appInfoIncludesSpaceId=true"] }, defaultQuirks).quirks).toEqual({ importIntoManagedSpace: "allow", appInfoIncludesSpaceId: true });
    expect(() => sandboxOptions({ quirk: ["nope=1"] }, defaultQuirks)).toThrow(/--quirk/);
    expect(sandboxOptions({ webIntegrations: "4", cspOrigins: "0", oauthClients: "7", quirk: ["apiKeysEnabledPatch=accept"] }, defaultQuirks)).toMatchObject({ webIntegrations: 4, cspOrigins: 0, oauthClients: 7, quirks: { apiKeysEnabledPatch: "accept" } });
    expect(() => sandboxOptions({ oauthClients: "many" }, defaultQuirks)).toThrow(/--oauth-clients/);
    expect(() => sandboxOptions({ quirk: ["apiKeysEnabledPatch=maybe"] }, defaultQuirks)).toThrow(/refuse or accept/);
    expect(() => sandboxOptions({ quirk: ["appInfoIncludesSpaceId=maybe"] }, defaultQuirks)).toThrow(/true or false/);
    expect(sandboxOptions({ quirk: ["unassignedScopes=refuse", "itemsListIncludesOthersPersonal=true"] }, defaultQuirks).quirks).toEqual({ unassignedScopes: "refuse", itemsListIncludesOthersPersonal: true });
    expect(() => sandboxOptions({ quirk: ["unassignedScopes=maybe"] }, defaultQuirks)).toThrow(/unassignedScopes takes drop or refuse/);
    expect(() => sandboxOptions({ quirk: ["importIntoManagedSpace=maybe"] }, defaultQuirks)).toThrow(/refuse or allow/);
  });

  interface Line {
    host: string;
    apiKey: string;
    clientId: string;
    clientSecret: string;
    tenants?: { host: string; apiKey: string; clientId: string; clientSecret: string }[];
  }
  /** Starts the real bin; resolves with its first stdout line, parsed, and a stop() that SIGTERMs it. */
  async function sandbox(args: string[]): Promise<{ info: Line; lines: string[]; stop: (signal?: NodeJS.Signals) => Promise<number | null> }> {
    const child = spawn(process.execPath, [bin, "sandbox", "--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    const lines: string[] = [];
    const rl = createInterface({ input: child.stdout });
    const first = await new Promise<string>((resolve, reject) => {
      rl.on("line", (l) => {
        lines.push(l);
        if (lines.length === 1) resolve(l);
      });
      child.once("exit", (code) => reject(new Error(`sandbox exited early with ${code}`)));
    });
    const stop = (signal: NodeJS.Signals = "SIGTERM") =>
      new Promise<number | null>((resolve) => {
        child.once("exit", (c) => resolve(c));
        child.kill(signal);
      });
    return { info: JSON.parse(first) as Line, lines, stop };
  }

  it("prints exactly one JSON line when ready (with a tenants array of the same shape), serves, and exits 0 on SIGTERM", async () => {
    const { info, lines, stop } = await sandbox(["--tenants", "2"]);
    expect(info.host).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info.tenants).toHaveLength(2);
    for (const t of info.tenants!) {
      expect(Object.keys(t).sort()).toEqual(expect.arrayContaining(["apiKey", "clientId", "clientSecret", "host"]));
      expect(t.host).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    }
    expect(info.tenants![0]).toMatchObject({ host: info.host, apiKey: info.apiKey, clientId: info.clientId, clientSecret: info.clientSecret });
    expect(info.tenants![1]!.host).not.toBe(info.host);
    const res = await fetch(`${info.host}/api/v1/users/me`, { headers: { authorization: `Bearer ${info.apiKey}` } });
    expect(res.status).toBe(200);
    // The second tenant answers its own OAuth client.
    const second = info.tenants![1]!;
    const token = await fetch(`${second.host}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ client_id: second.clientId, client_secret: second.clientSecret, grant_type: "client_credentials" }),
    });
    expect(token.status).toBe(200);
    expect(await stop()).toBe(0);
    expect(lines).toHaveLength(1);
  });

  it("--state FILE keeps the tenant across a SIGTERM and a restart; SIGINT exits 0 too", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lb-sandbox-state-"));
    try {
      const state = join(dir, "tenant.json");
      const a = await sandbox(["--state", state]);
      const created = await fetch(`${a.info.host}/api/v1/spaces`, {
        method: "POST",
        headers: { authorization: `Bearer ${a.info.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "Kept across restarts", type: "shared" }),
      });
      expect(created.status).toBe(201);
      expect(await a.stop()).toBe(0);
      const b = await sandbox(["--state", state, "--seed", "a different seed"]);
      try {
        expect(b.info.apiKey).toBe(a.info.apiKey);
        const list = (await (await fetch(`${b.info.host}/api/v1/spaces?limit=100`, { headers: { authorization: `Bearer ${b.info.apiKey}` } })).json()) as { data: { name: string }[] };
        expect(list.data.map((x) => x.name)).toContain("Kept across restarts");
      } finally {
        expect(await b.stop("SIGINT")).toBe(0);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
