/**
 * Routes are declared once, with zod schemas for their path parameters, query, body and
 * answer; from the same declarations the API is mounted on Hono (input validated, caller
 * authenticated and authorised, CSRF checked) and the OpenAPI 3.1 document is generated
 * (zod's JSON Schema output is draft 2020-12, which OpenAPI 3.1 uses) — nothing is written twice.
 *
 * Access: `public` (no login: health, setup, login), or the least role a caller needs
 * (`viewer` < `operator` < `admin`). Callers authenticate with the session cookie (then every
 * unsafe method needs the session's CSRF token in `X-CSRF-Token`, and a foreign `Origin` is
 * refused) or with an API token (`Authorization: Bearer lbt_…`, no CSRF: browsers do not send it
 * by themselves).
 */
import { timingSafeEqual } from "node:crypto";
import type { Context, Hono } from "hono";
import { getCookie } from "hono/cookie";
import { LifeboatError } from "@lifeboat/model";
import { z } from "zod";
import { InvalidInputError, type Issue } from "../errors.ts";
import type { HistoryStore } from "../history/store.ts";
import { roleAtLeast, type AccountStore, type Role } from "../security/accounts.ts";
import { errorBodySchema, STATUS_OF } from "./errors.ts";

export const SESSION_COOKIE = "lifeboat_session";
export const CSRF_HEADER = "x-csrf-token";

export type Access = "public" | Role;

export interface Caller {
  username: string;
  role: Role;
  via: "session" | "token";
  tokenId?: string;
  tokenName?: string;
  sessionId?: string;
}

export type Env = { Variables: { caller: Caller | undefined } };

type Method = "get" | "post" | "put" | "patch" | "delete";

export interface RouteSpec<P extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType, B extends z.ZodType = z.ZodType> {
  method: Method;
  /** OpenAPI form: /api/tenants/{tenant} */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /** The answer's schema (JSON), or another media type with a description. */
  response?: z.ZodType;
  status?: number;
  produces?: { type: "text/event-stream" | "application/octet-stream" | "text/plain" | "application/x-ndjson"; description: string };
  /** statuses this route answers with besides the success and the auth ones */
  errors?: number[];
  handler(c: Context<Env>, input: { params: z.output<P>; query: z.output<Q>; body: z.output<B>; caller: Caller | undefined }): Promise<unknown> | unknown;
}

export interface ApiDeps {
  /** The origin browsers see the service at when a reverse proxy stands in front (e.g. https://lifeboat.example.com); requests from it pass the Origin check besides the Host's own. */
  publicOrigin?: string;
  accounts: AccountStore;
  history: Pick<HistoryStore, "appendAudit">;
  now: () => Date;
}

const UNSAFE = new Set(["post", "put", "patch", "delete"]);

function issuesOf(err: z.ZodError, prefix: string): Issue[] {
  return err.issues.map((i) => ({ path: [prefix, ...i.path.map(String)].join("."), message: i.message }));
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class Api {
  readonly routes: RouteSpec[] = [];
  /** When each token's read use was last audited (reads are audited at most hourly per token). */
  private readonly tokenReadAudit = new Map<string, number>();

  constructor(private readonly deps: ApiDeps) {}

  add<P extends z.ZodType = z.ZodObject<{}>, Q extends z.ZodType = z.ZodObject<{}>, B extends z.ZodType = z.ZodUndefined>(spec: RouteSpec<P, Q, B>): void {
    this.routes.push(spec as unknown as RouteSpec);
  }

  /**
   * Who is calling: an API token, else the session cookie (with the session's CSRF token);
   * undefined when neither is sent, `expired` for a session cookie that no longer names a session.
   */
  async authenticate(c: Context<Env>): Promise<{ caller: Caller; csrf?: string } | "expired" | undefined> {
    const header = c.req.header("authorization");
    if (header) {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      const found = m ? await this.deps.accounts.authenticateToken(m[1]!) : null;
      if (!found) throw new LifeboatError("auth", "the API token is not valid (unknown, revoked, or mistyped); create a new one in the console (Settings → API tokens)", { next: "create a new API token" });
      return { caller: { username: found.user.username, role: found.record.role, via: "token", tokenId: found.record.id, tokenName: found.record.name } };
    }
    const sid = getCookie(c, SESSION_COOKIE);
    if (!sid) return undefined;
    const s = await this.deps.accounts.session(sid);
    if (!s) return "expired";
    return { caller: { username: s.username, role: s.role, via: "session", sessionId: sid }, csrf: s.csrfToken };
  }

  mount(app: Hono<Env>): void {
    for (const spec of this.routes) {
      const honoPath = spec.path.replace(/\{([^}]+)\}/g, ":$1");
      app.on(spec.method.toUpperCase(), honoPath, async (c) => {
        let caller: Caller | undefined;
        // a login or setup from another site's page is refused too (login CSRF)
        if (UNSAFE.has(spec.method)) this.checkOrigin(c);
        if (spec.access !== "public") {
          const who = await this.authenticate(c);
          if (!who) throw new LifeboatError("auth", "log in first (POST /api/session) or send an API token (Authorization: Bearer lbt_…)", { next: "log in" });
          if (who === "expired") throw new LifeboatError("auth", "your session has ended (expired or logged out); log in again", { next: "log in again" });
          caller = who.caller;
          if (UNSAFE.has(spec.method) && caller.via === "session") this.checkCsrf(c, who.csrf ?? "");
          if (!roleAtLeast(caller.role, spec.access)) {
            await this.audit(caller, `${spec.operationId}`, c.req.path, "denied", { needs: spec.access });
            throw new LifeboatError("forbidden", `${spec.summary.replace(/\.$/, "")} needs the ${spec.access} role; ${caller.username} is ${caller.role}${caller.via === "token" ? ` (token '${caller.tokenName}')` : ""} — ask an admin`, { object: c.req.path, next: "ask an admin for the role" });
          }
          if (caller.via === "token") await this.auditTokenUse(caller, spec, c.req.path);
        }
        c.set("caller", caller);
        const params = spec.params ? spec.params.safeParse(c.req.param()) : { success: true as const, data: {} };
        if (!params.success) throw new InvalidInputError(`the path ${c.req.path}`, issuesOf(params.error, "path"));
        const query = spec.query ? spec.query.safeParse(c.req.query()) : { success: true as const, data: {} };
        if (!query.success) throw new InvalidInputError(`the query of ${c.req.path}`, issuesOf(query.error, "query"));
        let bodyValue: unknown = undefined;
        if (spec.body) {
          const text = await c.req.text();
          try {
            bodyValue = text ? JSON.parse(text) : {};
          } catch {
            throw new InvalidInputError(`the body of ${spec.method.toUpperCase()} ${c.req.path}`, [{ path: "body", message: "not JSON; send Content-Type: application/json with a JSON object" }]);
          }
        }
        const body = spec.body ? spec.body.safeParse(bodyValue) : { success: true as const, data: undefined };
        if (!body.success) throw new InvalidInputError(`the body of ${spec.method.toUpperCase()} ${c.req.path}`, issuesOf(body.error, "body"));
        const out = await spec.handler(c, { params: params.data as never, query: query.data as never, body: body.data as never, caller });
        if (out instanceof Response) return out;
        if (out === undefined) return c.body(null, 204);
        return c.json(out as object, (spec.status ?? 200) as 200);
      });
    }
  }

  /** A browser names the page's origin on unsafe requests; another origin than ours is refused. */
  private checkOrigin(c: Context<Env>): void {
    const origin = c.req.header("origin");
    if (!origin) return;
    const host = c.req.header("host");
    let ok = false;
    try {
      ok = (!!host && new URL(origin).host === host) || (this.deps.publicOrigin !== undefined && new URL(origin).origin === new URL(this.deps.publicOrigin).origin);
    } catch {
      ok = false;
    }
    if (!ok) throw new LifeboatError("forbidden", `a request from origin ${origin} was refused: the console sends changes only from its own origin`, { object: "CSRF check" });
  }

  private checkCsrf(c: Context<Env>, expected: string): void {
    const given = c.req.header(CSRF_HEADER) ?? "";
    if (!given || !expected || !same(given, expected))
      throw new LifeboatError("forbidden", `a change sent with the session cookie needs the session's CSRF token in the ${CSRF_HEADER} header (the login answer and GET /api/session give it); the request was refused`, { object: "CSRF check", next: `send the ${CSRF_HEADER} header` });
  }

  private async audit(caller: Caller, action: string, target: string, outcome: "ok" | "denied" | "failed", details: Record<string, unknown> = {}): Promise<void> {
    await this.deps.history.appendAudit({ at: this.deps.now(), actor: caller.username, action, target, outcome, details: { via: caller.via, ...(caller.tokenId ? { token: caller.tokenId, tokenName: caller.tokenName } : {}), ...details } });
  }

  /** Every change made with a token is audited; reads at most once an hour per token. */
  private async auditTokenUse(caller: Caller, spec: RouteSpec, path: string): Promise<void> {
    const now = this.deps.now().getTime();
    if (!UNSAFE.has(spec.method)) {
      const last = this.tokenReadAudit.get(caller.tokenId!);
      if (last !== undefined && now - last < 3600_000) return;
      this.tokenReadAudit.set(caller.tokenId!, now);
    }
    await this.audit(caller, "token.use", path, "ok", { operation: spec.operationId, method: spec.method.toUpperCase() });
  }

  /** The OpenAPI 3.1 document of every route. */
  openapi(info: { title: string; version: string }): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    const json = (s: z.ZodType, io: "input" | "output") => {
      const { $schema: _drop, ...rest } = z.toJSONSchema(s, { target: "draft-2020-12", io, unrepresentable: "any" }) as Record<string, unknown>;
      return rest;
    };
    const errorRef = { $ref: "#/components/schemas/Error" };
    for (const r of this.routes) {
      const parameters: unknown[] = [];
      for (const [where, schema] of [["path", r.params], ["query", r.query]] as const) {
        if (!schema) continue;
        const js = json(schema, "input") as { properties?: Record<string, unknown>; required?: string[] };
        for (const [name, s] of Object.entries(js.properties ?? {})) {
          parameters.push({ name, in: where, required: where === "path" || (js.required ?? []).includes(name), schema: s, ...((s as { description?: string }).description ? { description: (s as { description?: string }).description } : {}) });
        }
      }
      const responses: Record<string, unknown> = {};
      const ok = String(r.status ?? 200);
      if (r.produces) responses[ok] = { description: r.produces.description, content: { [r.produces.type]: { schema: { type: "string" } } } };
      else if (r.response) responses[ok] = { description: r.summary, content: { "application/json": { schema: json(r.response, "output") } } };
      else responses["204"] = { description: "done; no content" };
      const statuses = new Set<number>([400, ...(r.errors ?? [])]);
      if (r.access !== "public") (statuses.add(401), statuses.add(403));
      for (const s of [...statuses].sort()) responses[String(s)] = { description: descriptionOf(s), content: { "application/json": { schema: errorRef } } };
      paths[r.path] ??= {};
      paths[r.path]![r.method] = {
        operationId: r.operationId,
        summary: r.summary,
        ...(r.description ? { description: r.description } : {}),
        tags: [r.tag],
        "x-lifeboat-role": r.access,
        security: r.access === "public" ? [] : [{ session: [] }, { token: [] }],
        ...(parameters.length ? { parameters } : {}),
        ...(r.body ? { requestBody: { required: true, content: { "application/json": { schema: json(r.body, "input") } } } } : {}),
        responses,
      };
    }
    return {
      openapi: "3.1.0",
      info: { ...info, description: "The HTTP API of `lifeboat serve`, behind its console. Errors use Qlik Cloud's REST error shape. Changes made with the session cookie need the X-CSRF-Token header." },
      jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
      components: {
        securitySchemes: {
          session: { type: "apiKey", in: "cookie", name: SESSION_COOKIE, description: "from POST /api/session; unsafe methods also need the X-CSRF-Token header" },
          token: { type: "http", scheme: "bearer", description: "an API token (lbt_…), created in the console and shown once" },
        },
        schemas: { Error: json(errorBodySchema, "output") },
      },
      paths,
    };
  }
}

function descriptionOf(status: number): string {
  const code = Object.entries(STATUS_OF).find(([, s]) => s === status)?.[0];
  const known: Record<number, string> = { 400: "the input is wrong (issues name each field)", 401: "not logged in, session ended, or token not valid", 403: "the caller's role does not allow this, or the CSRF check failed", 404: "not found", 409: "conflict: a run is going, or the state changed", 429: "too many attempts; wait (Retry-After)", 502: "the tenant could not be reached or refused" };
  return known[status] ?? `error (${code ?? status})`;
}
