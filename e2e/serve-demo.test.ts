/**
 * `npx lifeboat serve --demo`: starts through the bin on a free port, prints one JSON line
 * {url, username, password} when ready; a client logs in over HTTP, starts a backup of the
 * sandbox tenant, sees it finish in the run history, and the service stops cleanly on SIGTERM.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../packages/cli/bin/lifeboat.js", import.meta.url));

describe("lifeboat serve --demo", () => {
  it("prints its URL and admin login, runs a backup started over HTTP to the end, stops on SIGTERM", async () => {
    const child = spawn(process.execPath, [bin, "serve", "--demo", "--port", "0"], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CI: "1" } });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    try {
      const first = await new Promise<string>((resolve, reject) => {
        const lines = createInterface({ input: child.stdout });
        lines.once("line", resolve);
        child.once("exit", (code) => reject(new Error(`lifeboat serve --demo exited (${code}) before it was ready: ${stderr}`)));
      });
      const ready = JSON.parse(first) as { url: string; username: string; password: string };
      expect(ready.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(ready.username).toBe("admin");
      expect(ready.password.length).toBeGreaterThanOrEqual(16);

      const login = await fetch(`${ready.url}/api/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: ready.username, password: ready.password }) });
      expect(login.status).toBe(200);
      const cookie = login.headers.get("set-cookie")!.split(";")[0]!;
      const { csrfToken } = (await login.json()) as { csrfToken: string };
      const tenants = (await (await fetch(`${ready.url}/api/tenants`, { headers: { cookie } })).json()) as { name: string }[];
      expect(tenants.map((t) => t.name)).toEqual(["demo"]);

      const start = await fetch(`${ready.url}/api/tenants/demo/runs`, { method: "POST", headers: { cookie, "x-csrf-token": csrfToken, "content-type": "application/json" }, body: JSON.stringify({ kind: "backup" }) });
      expect(start.status).toBe(202);
      const { runId } = (await start.json()) as { runId: string };
      // follow the run's server-sent events to its end
      const events = await fetch(`${ready.url}/api/runs/${runId}/events`, { headers: { cookie } });
      const text = await events.text(); // the stream closes after the `end` event
      const end = /event: end\ndata: (.*)\n/.exec(text);
      expect(end, text.slice(-2000)).not.toBeNull();
      expect(JSON.parse(end![1]!)).toMatchObject({ id: runId, kind: "backup", status: "succeeded", startedBy: "admin" });
      const runs = (await (await fetch(`${ready.url}/api/runs?tenant=demo`, { headers: { cookie } })).json()) as { id: string; status: string; counts: { apps: number } }[];
      expect(runs[0]).toMatchObject({ id: runId, status: "succeeded" });
      expect(runs[0]!.counts.apps).toBe(12);
      const snaps = (await (await fetch(`${ready.url}/api/tenants/demo/snapshots`, { headers: { cookie } })).json()) as unknown[];
      expect(snaps).toHaveLength(1);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited, stderr).toBe(0);
  });
});
