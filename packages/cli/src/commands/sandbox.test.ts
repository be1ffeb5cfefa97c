import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { sandboxOptions } from "./sandbox.ts";

const bin = fileURLToPath(new URL("../../bin/lifeboat.js", import.meta.url));

describe("lifeboat sandbox", () => {
  it("maps flags to emulator options and rejects bad values", () => {
    expect(sandboxOptions({ port: "0", fixture: "generated", apps: "5", timeScale: "100", rateLimits: "qlik" })).toMatchObject({ port: 0, fixture: "generated", apps: 5, timeScale: 100, rateLimits: "qlik" });
    expect(() => sandboxOptions({ fixture: "nope" })).toThrow(/--fixture/);
    expect(sandboxOptions({ fixture: "demo,empty", tenants: "1" })).toMatchObject({ tenantFixtures: ["demo", "empty"], tenants: undefined });
    expect(() => sandboxOptions({ timeScale: "-1" })).toThrow(/--time-scale/);
    expect(() => sandboxOptions({ port: "70000" })).toThrow(/--port/);
    expect(sandboxOptions({ quirk: ["importIntoManagedSpace=allow", "appInfoIncludesSpaceId=true"] }).quirks).toEqual({ importIntoManagedSpace: "allow", appInfoIncludesSpaceId: true });
    expect(() => sandboxOptions({ quirk: ["nope=1"] })).toThrow(/--quirk/);
    expect(() => sandboxOptions({ quirk: ["appInfoIncludesSpaceId=maybe"] })).toThrow(/true or false/);
  });

  it("prints exactly one JSON line when ready, serves, and exits 0 on SIGTERM", async () => {
    const child = spawn(process.execPath, [bin, "sandbox", "--port", "0", "--tenants", "2"], { stdio: ["ignore", "pipe", "pipe"] });
    const lines: string[] = [];
    const rl = createInterface({ input: child.stdout });
    const first = await new Promise<string>((resolve, reject) => {
      rl.on("line", (l) => {
        lines.push(l);
        if (lines.length === 1) resolve(l);
      });
      child.once("exit", (code) => reject(new Error(`sandbox exited early with ${code}`)));
    });
    const info = JSON.parse(first) as { host: string; apiKey: string; clientId: string; clientSecret: string; tenants: { host: string }[] };
    expect(info.host).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info.tenants).toHaveLength(2);
    const res = await fetch(`${info.host}/api/v1/users/me`, { headers: { authorization: `Bearer ${info.apiKey}` } });
    expect(res.status).toBe(200);
    const code = await new Promise<number | null>((resolve) => {
      child.once("exit", (c) => resolve(c));
      child.kill("SIGTERM");
    });
    expect(code).toBe(0);
    expect(lines).toHaveLength(1);
  });
});
