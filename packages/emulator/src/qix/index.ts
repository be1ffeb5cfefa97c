/**
 * The emulator's QIX engine: JSON-RPC 2.0 over WebSocket on `/app/<appId>...`, the way
 * @qlik/api's `qix.openAppSession` talks to Qlik Cloud.
 *
 * ```ts
 * const qix = createQixServer(ctx);
 * httpServer.on("upgrade", (req, socket, head) => qix.handleUpgrade(req, socket, head));
 * ```
 */
import { WebSocketServer } from "ws";
import type { QixContext, QixServer } from "./contract.ts";

export type { QixContext, QixServer } from "./contract.ts";

export function createQixServer(_ctx: QixContext): QixServer {
  const wss = new WebSocketServer({ noServer: true });
  return {
    handleUpgrade(_req, socket) {
      socket.end("HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    },
    async close() {
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
