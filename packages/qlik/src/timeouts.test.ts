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
import { createQrsReader } from "./qrs.ts";

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

describe("QSEoW (the QRS reader, backup --source qseow) under the same deadlines", () => {
  const qrsAuth = { type: "header" as const, headerName: "hdr-usr", user: "ACME\\qadmin" };
  const waitingOf = (events: QlikClientEvent[]) => events.filter((e): e is Extract<QlikClientEvent, { type: "waiting" }> => e.type === "waiting");

  async function httpHost(handler: Parameters<typeof createHttpServer>[1]): Promise<string> {
    const server = createHttpServer((req, res) => {
      sockets.add(req.socket);
      handler!(req, res);
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it("a QRS call to a host that never answers gives up after timeouts.requestMs per attempt, says so while waiting, and names the call and the host", async () => {
    const { host, connections } = await silentHost();
    const events: QlikClientEvent[] = [];
    const r = createQrsReader({ host, auth: qrsAuth, attempts: 3, timeouts: { requestMs: 300, noticeMs: 120 }, onEvent: (e) => events.push(e) });
    const started = Date.now();
    const err = (await r.whoAmI().catch((e: unknown) => e)) as QlikApiError;
    const took = Date.now() - started;
    expect(err).toBeInstanceOf(QlikApiError);
    expect(err.kind).toBe("transient");
    expect(err.code).toBe("timeout");
    expect(err.attempts).toBe(3);
    expect(err.message).toContain(host);
    expect(err.message).toMatch(/no answer for 0\.3 s on GET \/qrs\/user\/full/);
    expect(took).toBeGreaterThanOrEqual(850);
    expect(took).toBeLessThan(10_000);
    expect(connections()).toBe(3);
    const waiting = waitingOf(events);
    expect(new Set(waiting.map((w) => w.attempt))).toEqual(new Set([1, 2, 3]));
    expect(waitingMessage(waiting.find((w) => w.attempt === 2)!)).toMatch(
      new RegExp(`^waiting [\\d.]+ s for GET /qrs/user/full on ${host.replace(/[.]/g, "\\.")} \\(attempt 2; gives up after 0\\.3 s\\)$`),
    );
  }, 20_000);

  it("a JSON answer whose body never ends times out like no answer", async () => {
    const host = await httpHost((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
      res.write("[{"); // and nothing more
    });
    const r = createQrsReader({ host, auth: qrsAuth, attempts: 2, timeouts: { requestMs: 300, noticeMs: 0 } });
    const started = Date.now();
    const err = (await (async () => {
      for await (const _ of r.listApps()) void _;
    })().catch((e: unknown) => e)) as QlikApiError;
    expect(err).toBeInstanceOf(QlikApiError);
    expect(err.kind).toBe("transient");
    expect(err.message).toMatch(/no answer for 0\.3 s on GET \/qrs\/app\/full/);
    expect(err.message).toContain(host);
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 20_000);

  it("the export POST has the appJob deadline, not request's", async () => {
    let posts = 0;
    const host = await httpHost((req) => {
      if (req.method === "POST") posts++;
      req.resume(); // never answered
    });
    const r = createQrsReader({ host, auth: qrsAuth, attempts: 1, timeouts: { requestMs: 60_000, appJobMs: 300, noticeMs: 0 } });
    const started = Date.now();
    const err = (await r.exportApp("a1", { withData: false }).catch((e: unknown) => e)) as QlikApiError;
    expect(err).toBeInstanceOf(QlikApiError);
    expect(err.message).toMatch(/no answer for 0\.3 s on POST \/qrs\/app\/a1\/export\/[0-9a-f-]{36}/);
    expect(err.message).toMatch(/timeout 'appJob'/);
    expect(err.message).toContain(host);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(posts).toBe(2); // one retry, with a fresh export
  }, 20_000);

  it("a download that stops moving fails after timeouts.idleMs without progress, naming the call and the host", async () => {
    const size = 300_000;
    let gets = 0;
    const host = await httpHost((req, res) => {
      const url = req.url ?? "";
      if (req.method === "POST" && url.startsWith("/qrs/app/a1/export/")) {
        res.writeHead(201, { "content-type": "application/json" });
        res.end(JSON.stringify({ exportTicketId: "t", appId: "a1", downloadPath: "/tempcontent/t1/Sales.qvf?serverNodeId=n1" }));
      } else if (url.startsWith("/tempcontent/t1/Sales.qvf")) {
        gets++;
        res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(size) });
        res.write(Buffer.alloc(100_000, 7)); // then silence, connection open
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    const events: QlikClientEvent[] = [];
    const r = createQrsReader({ host, auth: qrsAuth, attempts: 1, timeouts: { idleMs: 400, noticeMs: 150 }, onEvent: (e) => events.push(e) });
    const started = Date.now();
    const exp = await r.exportApp("a1", { withData: false });
    expect(exp.size).toBe(size);
    let received = 0;
    const err = (await (async () => {
      for await (const ch of exp.body) received += ch.byteLength;
    })().catch((e: unknown) => e)) as QlikApiError;
    expect(received).toBe(100_000);
    expect(err).toBeInstanceOf(QlikApiError);
    expect(err.kind).toBe("transient");
    expect(err.operation).toBe("downloadTempFile");
    expect(err.message).toContain(host);
    expect(err.message).toMatch(/no progress for 0\.4 s on GET \/tempcontent\/t1\/Sales\.qvf for app a1 \(100000 bytes received\)/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(gets).toBe(1); // the one-time download is never fetched again
    const waiting = waitingOf(events).find((e) => e.kind === "idle");
    expect(waiting && waitingMessage(waiting)).toMatch(/^waiting [\d.]+ s for data of GET \/tempcontent\/t1\/Sales\.qvf \(100000 bytes so far\) \(app a1\) on http:\/\/127\.0\.0\.1:\d+ \(attempt 1; gives up after 0\.4 s without progress\)$/);
  }, 20_000);
});
