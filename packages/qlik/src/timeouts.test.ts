/**
 * No silent hangs (issue 15.6): the connector against real TCP servers on loopback that
 * accept connections and never answer, or answer headers and then stall the body. Every
 * call gives up within its configured time, says what it waits for while it waits, and
 * fails with a transient error naming the call and the host after the retry policy's
 * attempts.
 */
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createTenantClient, waitingMessage, type QlikClientEvent } from "./client.ts";
import { QlikApiError } from "./errors.ts";

const servers: (Server | HttpServer)[] = [];
const sockets = new Set<Socket>();
afterEach(() => {
  for (const s of sockets) s.destroy();
  sockets.clear();
});
afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
});

/** Accepts every connection and never sends a byte. */
async function silentHost(): Promise<{ host: string; connections: () => number }> {
  let n = 0;
  const server = createServer((socket) => {
    n++;
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.resume(); // read the request, answer nothing
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { host: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => n };
}

const fast = { retry: { attempts: 3, baseMs: 5, maxMs: 10 } };

describe("a host that accepts and never answers", () => {
  it("REST: each attempt gives up after timeouts.requestMs; after the retries the error names the call and the host", async () => {
    const { host, connections } = await silentHost();
    const events: QlikClientEvent[] = [];
    const c = createTenantClient({ host, auth: { type: "apikey", apiKey: "k" }, ...fast, timeouts: { requestMs: 300, noticeMs: 120 }, onEvent: (e) => events.push(e) });
    const started = Date.now();
    const err = (await c.whoAmI().catch((e: unknown) => e)) as QlikApiError;
    const took = Date.now() - started;
    expect(err).toBeInstanceOf(QlikApiError);
    expect(err.kind).toBe("transient");
    expect(err.attempts).toBe(3);
    expect(err.message).toContain(host);
    expect(err.message).toMatch(/no answer for 0\.3 s on GET \/api\/v1\/users\/me/);
    // Three attempts of 0.3 s and two short pauses; nowhere near a hang.
    expect(took).toBeGreaterThanOrEqual(850);
    expect(took).toBeLessThan(10_000);
    // (@qlik/api's first request is its product-info probe, which this host never answers either.)
    expect(connections()).toBeGreaterThanOrEqual(1);
    const waiting = events.filter((e): e is Extract<QlikClientEvent, { type: "waiting" }> => e.type === "waiting");
    expect(waiting.length).toBeGreaterThanOrEqual(3);
    expect(new Set(waiting.map((w) => w.attempt))).toEqual(new Set([1, 2, 3]));
    expect(waitingMessage(waiting.find((w) => w.attempt === 2)!)).toMatch(
      new RegExp(`^waiting [\\d.]+ s for GET /api/v1/users/me on ${host.replace(/[.]/g, "\\.")} \\(attempt 2; gives up after 0\\.3 s\\)$`),
    );
  }, 20_000);

  it("OAuth: the token request gives up too, naming POST /oauth/token", async () => {
    const { host } = await silentHost();
    const c = createTenantClient({ host, auth: { type: "oauth2", clientId: "id", clientSecret: "secret" }, ...fast, timeouts: { requestMs: 300, noticeMs: 0 } });
    const started = Date.now();
    const err = (await c.whoAmI().catch((e: unknown) => e)) as QlikApiError;
    expect(err).toBeInstanceOf(QlikApiError);
    expect(err.kind).toBe("transient");
    expect(err.message).toContain(host);
    expect(err.message).toMatch(/POST \/oauth\/token/);
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 20_000);

  it("QIX: opening a session gives up after timeouts.qixOpenMs and is retried, then fails naming QIX OpenDoc", async () => {
    const { host } = await silentHost();
    const events: QlikClientEvent[] = [];
    const c = createTenantClient({ host, auth: { type: "apikey", apiKey: "k" }, ...fast, timeouts: { qixOpenMs: 300, requestMs: 300, noticeMs: 120 }, onEvent: (e) => events.push(e) });
    const started = Date.now();
    const err = (await c.readAppObjects("app-1").catch((e: unknown) => e)) as QlikApiError;
    expect(err).toBeInstanceOf(QlikApiError);
    expect(err.kind).toBe("transient");
    expect(err.message).toContain(host);
    expect(err.message).toMatch(/QIX OpenDoc/);
    expect(err.attempts).toBe(3);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(events.some((e) => e.type === "waiting" && e.what === "QIX OpenDoc")).toBe(true);
  }, 20_000);
});

describe("a host that sends headers and then stalls the body", () => {
  it("a JSON answer whose body never ends times out like no answer", async () => {
    const server = createHttpServer((req, res) => {
      sockets.add(req.socket);
      if (req.url?.startsWith("/resources/")) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end("{}");
        return;
      }
      res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
      res.write('{"data": ['); // and nothing more
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const c = createTenantClient({ host, auth: { type: "apikey", apiKey: "k" }, ...fast, timeouts: { requestMs: 300, noticeMs: 0 } });
    const started = Date.now();
    const err = (await (async () => {
      for await (const _ of c.listGroups()) void _;
    })().catch((e: unknown) => e)) as QlikApiError;
    expect(err).toBeInstanceOf(QlikApiError);
    expect(err.kind).toBe("transient");
    expect(err.message).toMatch(/no answer for 0\.3 s on GET \/api\/v1\/groups/);
    expect(err.message).toContain(host);
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 20_000);

  it("a download that stops moving is aborted after timeouts.idleMs and resumed where it stopped", async () => {
    const bytes = Buffer.alloc(300_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 13) % 251;
    let gets = 0;
    const ranges: (string | undefined)[] = [];
    const server = createHttpServer((req, res) => {
      sockets.add(req.socket);
      const url = req.url ?? "";
      if (url.startsWith("/resources/")) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end("{}");
      } else if (req.method === "POST" && url.startsWith("/api/v1/apps/a1/export")) {
        res.writeHead(201, { location: "/v1/temp-contents/t1" });
        res.end();
      } else if (url.startsWith("/api/v1/temp-contents/t1")) {
        gets++;
        ranges.push(req.headers.range);
        const m = /bytes=(\d+)-/.exec(req.headers.range ?? "");
        const start = m ? Number(m[1]) : 0;
        res.writeHead(m ? 206 : 200, {
          "content-type": "application/octet-stream",
          "content-length": String(bytes.length - start),
          ...(m ? { "content-range": `bytes ${start}-${bytes.length - 1}/${bytes.length}` } : {}),
        });
        if (gets === 1) res.write(bytes.subarray(0, 100_000)); // then silence, connection open
        else res.end(bytes.subarray(start));
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const events: QlikClientEvent[] = [];
    const c = createTenantClient({ host, auth: { type: "apikey", apiKey: "k" }, ...fast, timeouts: { idleMs: 400, noticeMs: 150 }, onEvent: (e) => events.push(e) });
    const started = Date.now();
    const exp = await c.exportApp("a1", { withData: false });
    const chunks: Uint8Array[] = [];
    for await (const ch of exp.body) chunks.push(ch);
    expect(Buffer.compare(Buffer.concat(chunks), bytes)).toBe(0);
    expect(gets).toBe(2);
    expect(ranges[1]).toMatch(/^bytes=\d+-$/);
    expect(Number(/bytes=(\d+)-/.exec(ranges[1]!)![1])).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(events.some((e) => e.type === "download-resumed")).toBe(true);
    const waiting = events.find((e): e is Extract<QlikClientEvent, { type: "waiting" }> => e.type === "waiting");
    expect(waiting && waitingMessage(waiting)).toMatch(/^waiting [\d.]+ s for data of GET \/api\/v1\/temp-contents\/\{id\} \(\d+ bytes so far\) \(app a1\) on http:\/\/127\.0\.0\.1:\d+ \(attempt 1; gives up after 0\.4 s without progress\)$/);
  }, 20_000);
});
