/**
 * A QSEoW site on loopback, reached two ways (client-managed.md, "Calling the QRS API"):
 *
 * - **Through the proxy** (`http://127.0.0.1:PORT/<prefix>/qrs/…`): each virtual proxy with
 *   header authentication takes the user from its header, written `DIRECTORY\userid` (the
 *   dynamic user-directory pattern `$ud\$id`). A user the site does not know yet is created,
 *   with no roles, as the proxy does on a first login. Without the header: 401. The default
 *   virtual proxy (no prefix) authenticates with Windows/Kerberos, which the emulator does not
 *   serve: `/qrs/…` and `/tempcontent/…` without a prefix answer 401.
 * - **Directly on the repository's port with a client certificate** (`https://127.0.0.1:PORT/qrs/…`,
 *   port 4242 on a real site) when `certificates` are given: TLS with a required client
 *   certificate signed by `certificates.ca` (anything else fails the handshake), and the user in
 *   `X-Qlik-User: UserDirectory=ACME; UserId=qadmin` (missing or unknown user: 403).
 */
import { createServer, type Server } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { Hono } from "hono";
import { getRequestListener } from "@hono/node-server";
import { nowIso, newGuid } from "../internal/runtime.ts";
import type { FaultInjector } from "../internal/faults.ts";
import { qualifiedName, type QrsUser, type Site, type VirtualProxy } from "./model.ts";
import { QrsError, siteRoutes, type SiteEnv } from "./routes.ts";

export interface SiteCertificates {
  /** PEM of the CA that signs accepted client certificates. */
  ca: string;
  /** PEM certificate and key the repository port presents. */
  cert: string;
  key: string;
}

export interface SiteHandle {
  kind: "qseow";
  siteId: string;
  /** The proxy: `http://127.0.0.1:PORT`; QRS is at `${host}/${virtualProxyPrefix}/qrs`. */
  host: string;
  virtualProxyPrefix: string;
  /** Header the virtual proxy takes the user from. */
  headerName: string;
  /** The administrator (RootAdmin) to send in that header: `DIRECTORY\userid`. */
  user: string;
  /** With certificates: `https://127.0.0.1:PORT` of the repository port (QRS at `${qrsHost}/qrs`). */
  certHost?: string;
}

function plainError(err: Error): Response {
  const status = err instanceof QrsError ? err.status : 500;
  return new Response(err instanceof QrsError ? err.message : `Internal Server Error: ${err.message}`, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

/** `DIR\user` from a header value, or undefined when it is not that shape. */
function parseQualified(value: string): { userDirectory: string; userId: string } | undefined {
  const parts = value.split("\\");
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { userDirectory: parts[0], userId: parts[1] };
}

function findUser(site: Site, dir: string, userId: string): QrsUser | undefined {
  return Object.values(site.users).find((u) => u.userDirectory.toLowerCase() === dir.toLowerCase() && u.userId.toLowerCase() === userId.toLowerCase());
}

function headerUser(site: Site, proxy: VirtualProxy, value: string | undefined): QrsUser {
  if (!value) throw new QrsError(401, `Virtual proxy /${proxy.prefix} authenticates by header "${proxy.headerName}"; the request has none.`);
  const q = parseQualified(value.trim());
  if (!q) throw new QrsError(401, `Header "${proxy.headerName}" must name a user as DIRECTORY\\userid, got "${value}".`);
  const known = findUser(site, q.userDirectory, q.userId);
  if (known) return known;
  const t = nowIso();
  const created: QrsUser = { id: newGuid(), ...q, name: q.userId, roles: [], inactive: false, removedExternally: false, blacklisted: false, createdDate: t, modifiedDate: t, tagIds: [], customProperties: [] };
  site.users[created.id] = created;
  return created;
}

/** `UserDirectory=ACME; UserId=qadmin` → the user, or a 403. */
function certificateUser(site: Site, value: string | undefined): QrsUser {
  if (!value) throw new QrsError(403, 'Requests with a client certificate must name the user in header X-Qlik-User: "UserDirectory=DIR; UserId=ID".');
  const fields = Object.fromEntries(value.split(";").map((p) => p.split("=").map((s) => s.trim().toLowerCase())) as [string, string][]);
  const dir = fields.userdirectory;
  const id = fields.userid;
  const u = dir && id ? findUser(site, dir, id) : undefined;
  if (!u) throw new QrsError(403, `X-Qlik-User "${value}" does not name a user of this site.`);
  return u;
}

/** The proxy's Hono app: one mount per virtual proxy. */
export function createSiteProxyApp(site: Site, faults?: FaultInjector): Hono<SiteEnv> {
  const top = new Hono<SiteEnv>();
  top.onError((err) => plainError(err));
  top.notFound((c) => c.text("Not Found", 404));
  const routes = siteRoutes(site, faults);
  for (const proxy of site.virtualProxies) {
    top.use(`/${proxy.prefix}/*`, async (c, next) => {
      c.set("user", headerUser(site, proxy, c.req.header(proxy.headerName)));
      await next();
    });
    top.route(`/${proxy.prefix}`, routes);
  }
  const windowsOnly = (): Response => {
    const prefixes = site.virtualProxies.map((p) => `/${p.prefix}/`).join(", ");
    return plainError(new QrsError(401, `The default virtual proxy authenticates with Windows (Kerberos/NTLM), which this emulator does not serve; use a header virtual proxy (${prefixes}).`));
  };
  top.all("/qrs/*", windowsOnly);
  top.all("/tempcontent/*", windowsOnly);
  return top;
}

/** The repository port's Hono app (client certificate checked by TLS; user from X-Qlik-User). */
export function createSiteCertificateApp(site: Site, faults?: FaultInjector): Hono<SiteEnv> {
  const top = new Hono<SiteEnv>();
  top.onError((err) => plainError(err));
  top.notFound((c) => c.text("Not Found", 404));
  top.use("*", async (c, next) => {
    c.set("user", certificateUser(site, c.req.header("x-qlik-user")));
    await next();
  });
  top.route("/", siteRoutes(site, faults));
  return top;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export interface RunningSite {
  handle: SiteHandle;
  close(): Promise<void>;
}

/** Serves `site` on loopback: the proxy on `port` (0 = free), and the certificate port when `certificates` are given. */
export async function serveSite(site: Site, opts: { port?: number; certificates?: SiteCertificates; faults?: FaultInjector } = {}): Promise<RunningSite> {
  const servers: Server[] = [];
  const sockets = new Set<Duplex>();
  const track = (server: Server): Server => {
    server.on("connection", (s) => {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
    });
    server.on("clientError", (_err, socket) => socket.destroy());
    servers.push(server);
    return server;
  };
  const proxy = track(createServer(getRequestListener(createSiteProxyApp(site, opts.faults).fetch, { errorHandler: () => undefined })));
  const port = await listen(proxy, opts.port ?? 0);
  const vp = site.virtualProxies[0];
  const admin = site.users[site.adminUserId];
  if (!vp || !admin) throw new Error(`site ${site.hostname} has no header virtual proxy or no administrator`);
  const handle: SiteHandle = { kind: "qseow", siteId: site.id, host: `http://127.0.0.1:${port}`, virtualProxyPrefix: vp.prefix, headerName: vp.headerName, user: qualifiedName(admin) };
  if (opts.certificates) {
    const { ca, cert, key } = opts.certificates;
    const tls = track(createTlsServer({ ca, cert, key, requestCert: true, rejectUnauthorized: true }, getRequestListener(createSiteCertificateApp(site, opts.faults).fetch, { errorHandler: () => undefined })) as unknown as Server);
    handle.certHost = `https://127.0.0.1:${await listen(tls, 0)}`;
  }
  return {
    handle,
    async close() {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              for (const sock of sockets) sock.destroy();
            }),
        ),
      );
    },
  };
}
