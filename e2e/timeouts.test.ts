/**
 * Issue 15.6, no silent hangs: `lifeboat backup` (the real bin, in a child process) against
 * loopback hosts that accept connections and never answer, or answer headers and stall the
 * body. With a short `--timeout` the backup says what it waits for while it waits, and
 * ends within the configured time with a message naming the call and the host.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer as createHttpServer } from "node:http";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startEmulator } from "@lifeboat/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../packages/cli/bin/lifeboat.js", import.meta.url));
const PASSWORD = "e2e-timeouts-password";

function lifeboat(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ["QLIK_HOST", "QLIK_API_KEY", "QLIK_CLIENT_ID", "QLIK_CLIENT_SECRET", "LIFEBOAT_CONFIG", "LIFEBOAT_REPOSITORY", "LIFEBOAT_PASSWORD", "LIFEBOAT_TIMEOUTS"]) delete base[k];
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...base, ...env, CI: "1" }, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

const servers: Server[] = [];
const sockets = new Set<Socket>();
async function listen(server: Server): Promise<string> {
  servers.push(server);
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("error", () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("lifeboat backup against a host that does not answer", () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "lifeboat-timeouts-"));
    env = { LIFEBOAT_REPOSITORY: join(dir, "repo"), LIFEBOAT_PASSWORD: PASSWORD };
    const init = await lifeboat(["init"], env);
    expect(init.code, init.stderr).toBe(0);
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    for (const s of servers) await new Promise((r) => s.close(r));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("accepts and never answers: says what it waits for, then fails naming the call and the host", async () => {
    const host = await listen(createServer((socket) => socket.resume()));
    const r = await lifeboat(["backup", "--timeout", "request=1", "--timeout", "notice=0.4"], { ...env, QLIK_HOST: host, QLIK_API_KEY: "k" });
    expect(r.code, r.stderr).toBe(1);
    // While waiting: "waiting 0 s for GET /api/v1/users/me on http://127.0.0.1:… (attempt 1; gives up after 1 s)".
    expect(r.stderr).toMatch(new RegExp(`warning: waiting [\\d.]+ s for GET /api/v1/users/me on ${host.replace(/\./g, "\\.")} \\(attempt 1; gives up after 1 s\\)`));
    expect(r.stderr).toMatch(/\(attempt 2; gives up after 1 s\)/);
    // The end: the call, the host, the attempts, and how to change the limit.
    expect(r.stderr).toContain(host);
    expect(r.stderr).toMatch(/no answer for 1 s on GET \/api\/v1\/users\/me/);
    expect(r.stderr).toMatch(/--timeout request=SECONDS/);
    // Five attempts of 1 s plus backoff: well under the 25 minutes once seen, and never before the first deadline.
    expect(r.ms).toBeGreaterThanOrEqual(4_000);
    expect(r.ms).toBeLessThan(60_000);
  }, 90_000);

  it("sends headers, then stalls the body: the same, within the configured time (LIFEBOAT_TIMEOUTS)", async () => {
    const server = createHttpServer((req, res) => {
      if ((req.url ?? "").startsWith("/resources/")) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end("{}");
        return;
      }
      res.writeHead(200, { "content-type": "application/json", "content-length": "5000" });
      res.write('{"id": "u1", '); // … and nothing more
    });
    const host = await listen(server);
    const r = await lifeboat(["backup"], { ...env, QLIK_HOST: host, QLIK_API_KEY: "k", LIFEBOAT_TIMEOUTS: "request=0.8,notice=0" });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(host);
    expect(r.stderr).toMatch(/no answer for 0\.8 s on GET \/api\/v1\/users\/me/);
    expect(r.stderr).not.toMatch(/waiting/);
    expect(r.ms).toBeLessThan(60_000);
  }, 90_000);

  it("restore into a host that never answers: says what it waits for and fails naming the call and the host, nothing changed", async () => {
    const emu = await startEmulator({ fixture: "empty" });
    try {
      const b = await lifeboat(["backup"], { ...env, QLIK_HOST: emu.host, QLIK_API_KEY: emu.apiKey });
      expect(b.code, b.stderr).toBe(0);
    } finally {
      await emu.close();
    }
    const silent = await listen(createServer((socket) => socket.resume()));
    const r = await lifeboat(
      ["restore", "latest", "--all", "--yes", "--target-host", silent, "--journal-dir", join(dir, "journals"), "--timeout", "request=0.5", "--timeout", "notice=0.2"],
      { ...env, QLIK_API_KEY: "k" },
    );
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`warning: waiting [\\d.]+ s for GET /api/v1/users/me on ${silent.replace(/\./g, "\\.")} \\(attempt 1; gives up after 0\\.5 s\\)`));
    expect(r.stderr).toContain(silent);
    expect(r.stderr).toMatch(/no answer for 0\.5 s on GET \/api\/v1\/users\/me/);
    expect(r.ms).toBeLessThan(60_000);
  }, 90_000);

  it("--source qseow: --timeout reaches the QRS reader; it says what it waits for and fails naming the QRS call and the site", async () => {
    const host = await listen(createServer((socket) => socket.resume()));
    const r = await lifeboat(["backup", "--source", "qseow", "--host", host, "--header-name", "hdr-usr", "--timeout", "request=0.5", "--timeout", "notice=0.2"], {
      ...env,
      LIFEBOAT_QSEOW_USER: "ACME\\qadmin",
    });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`warning: waiting [\\d.]+ s for GET /qrs/user/full on ${host.replace(/\./g, "\\.")} \\(attempt 1; gives up after 0\\.5 s\\)`));
    expect(r.stderr).toContain(host);
    expect(r.stderr).toMatch(/no answer for 0\.5 s on GET \/qrs\/user\/full/);
    // Three attempts of 0.5 s and two short pauses, not the defaults' minutes.
    expect(r.ms).toBeLessThan(60_000);
  }, 90_000);

  it("a bad --timeout is a usage error naming the kinds", async () => {
    const r = await lifeboat(["backup", "--timeout", "forever=1"], { ...env, QLIK_HOST: "http://127.0.0.1:9", QLIK_API_KEY: "k" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--timeout 'forever=1': expected KIND=SECONDS with KIND one of request, appJob, idle, qixOpen, qixCall, notice/);
  }, 30_000);
});
