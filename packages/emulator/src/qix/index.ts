/**
 * The emulator's QIX engine: JSON-RPC 2.0 over WebSocket on
 * `/app/<appId>[/identity/<id>][/ttl/<n>]?reloadUri=…`, the way @qlik/api's
 * `qix.openAppSession` talks to Qlik Cloud.
 *
 * ```ts
 * const qix = createQixServer(ctx);
 * httpServer.on("upgrade", (req, socket, head) => qix.handleUpgrade(req, socket, head));
 * ```
 *
 * Connection: the upgrade is authenticated with `ctx.authenticate` (no caller ⇒ HTTP 401 in
 * Qlik's error shape, no websocket). After the upgrade the engine pushes
 * `OnConnected {qSessionState: "SESSION_CREATED"}`. `Global.OpenDoc` fails with
 * LOCERR_APP_NOT_FOUND (1003) for an unknown app and LOCERR_GENERIC_ACCESS_DENIED (5) when
 * `ctx.canOpenApp` refuses; the socket stays open for the client to close.
 *
 * State: one working copy per app shared by its sessions; see `doc.ts`.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import type { Identity, Tenant } from "../model.ts";
import type { QixContext, QixServer } from "./contract.ts";
import { LoadedDoc } from "./doc.ts";
import { ErrorCode, parseFrame, QixError } from "./rpc.ts";
import { Session, type SessionHost } from "./session.ts";

export type { QixContext, QixServer } from "./contract.ts";
export { ENGINE_VERSION, supportedMethods } from "./session.ts";

/** Largest frame the engine accepts (a full property tree of a big sheet fits easily). */
const MAX_PAYLOAD = 64 * 1024 * 1024;

export interface AppPath {
  appId: string;
  identity?: string;
  ttlSeconds?: number;
}

/** Parses `/app/<appId>[/identity/<id>][/ttl/<n>]`; undefined when the path is not an engine path. */
export function parseAppPath(path: string): AppPath | undefined {
  const m = /^\/app\/([^/?#]+)(?:\/identity\/([^/?#]+))?(?:\/ttl\/(\d+))?\/?$/.exec(path);
  if (!m?.[1]) return undefined;
  let appId: string;
  try {
    appId = decodeURIComponent(m[1]);
  } catch {
    return undefined;
  }
  const out: AppPath = { appId };
  if (m[2] !== undefined) out.identity = m[2];
  if (m[3] !== undefined) out.ttlSeconds = Number(m[3]);
  return out;
}

function reject(socket: Duplex, status: number, statusText: string, code: string, detail: string): void {
  const body = JSON.stringify({ errors: [{ code, title: statusText, detail, status }] });
  socket.on("error", () => {});
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

interface OpenDoc {
  doc: LoadedDoc;
  sessions: Set<Session>;
}

export function createQixServer(ctx: QixContext): QixServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD });
  const docs = new Map<string, OpenDoc>();
  const sockets = new Set<WebSocket>();
  let idleWaiters: (() => void)[] = [];
  const settleIdle = (): void => {
    if (sockets.size > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  };
  const docKey = (tenant: Tenant, appId: string): string => `${tenant.id}/${appId}`;

  const host: SessionHost = {
    ctx,
    attach(session, appId) {
      const tenant = session.who.tenant;
      const app = tenant.apps[appId];
      if (!app) throw new QixError(ErrorCode.APP_NOT_FOUND, "App not found", appId);
      if (!ctx.canOpenApp(session.who, app)) throw new QixError(ErrorCode.ACCESS_DENIED, "Access denied", appId);
      const key = docKey(tenant, appId);
      let open = docs.get(key);
      // A loaded copy of an app that was deleted (or replaced) meanwhile is not reused.
      if (open && open.doc.app !== app) open = undefined;
      if (!open) {
        open = { doc: new LoadedDoc(tenant, app, { metaDates: ctx.objectMetaDates !== false, childEditMovesParentDate: ctx.childEditMovesParentDate === true }), sessions: new Set() };
        docs.set(key, open);
      }
      open.sessions.add(session);
      return open.doc;
    },
    broadcast(doc, from, changed, removed) {
      const open = docs.get(docKey(doc.tenant, doc.app.id));
      if (!open || open.doc !== doc) return;
      for (const session of open.sessions) {
        const { change, close } = session.collect(doc, changed, removed);
        if (session === from) {
          change.forEach((h) => from.pendingChange.add(h));
          close.forEach((h) => from.pendingClose.add(h));
        } else if (change.length > 0 || close.length > 0) {
          const msg: Record<string, unknown> = { jsonrpc: "2.0" };
          if (change.length > 0) msg.change = change;
          if (close.length > 0) msg.close = close;
          session.out.send(msg);
        }
      }
    },
  };

  function detach(session: Session): void {
    session.close();
    const doc = session.doc;
    if (!doc) return;
    const key = docKey(doc.tenant, doc.app.id);
    const open = docs.get(key);
    if (!open || open.doc !== doc) return;
    open.sessions.delete(session);
    // Last session gone: the engine unloads the app and unsaved changes are lost.
    if (open.sessions.size === 0) docs.delete(key);
  }

  function serve(ws: WebSocket, who: Identity, path: AppPath): void {
    sockets.add(ws);
    const session = new Session(host, who, path.appId, {
      send(message) {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
      },
    });
    ws.on("message", (data, isBinary) => {
      const text = Buffer.isBuffer(data) ? data.toString("utf8") : Array.isArray(data) ? Buffer.concat(data).toString("utf8") : Buffer.from(data).toString("utf8");
      void isBinary;
      const parsed = parseFrame(text);
      if (!parsed) return;
      if ("error" in parsed) {
        session.out.send({ jsonrpc: "2.0", id: parsed.id, error: parsed.error.toJSON() });
        return;
      }
      session.handle(parsed.request).catch(() => {
        // handle() answers every failure itself; nothing may escape to crash the process.
      });
    });
    ws.on("error", () => ws.terminate());
    ws.on("close", () => {
      sockets.delete(ws);
      detach(session);
      settleIdle();
    });
    ws.send(JSON.stringify({ jsonrpc: "2.0", method: "OnConnected", params: { qSessionState: "SESSION_CREATED" } }));
  }

  return {
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
      const url = new URL(req.url ?? "/", "http://engine.invalid");
      const path = parseAppPath(url.pathname);
      if (!path) {
        reject(socket, 404, "Not Found", "HTTP-404", `No engine endpoint at ${url.pathname}; use /app/<appId>.`);
        return;
      }
      let who: Identity | undefined;
      try {
        who = ctx.authenticate(req);
      } catch {
        who = undefined;
      }
      if (!who) {
        reject(socket, 401, "Unauthorized", "HTTP-401", "Missing or invalid Authorization Bearer token.");
        return;
      }
      const caller = who;
      wss.handleUpgrade(req, socket, head, (ws) => serve(ws, caller, path));
    },
    idle() {
      return sockets.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    async close() {
      for (const ws of sockets) ws.terminate();
      sockets.clear();
      settleIdle();
      docs.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
