/**
 * What the route modules share: the context they are given, the schemas several of them
 * answer with, and small helpers (audit, role checks, snapshot lookup, streams).
 */
import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";
import { LifeboatError } from "@lifeboat/model";
import type { Repository, Tree, TreeEntry } from "@lifeboat/repository";
import { z } from "zod";
import type { AlertDispatcher } from "../../alerts/dispatcher.ts";
import type { HistoryStore, RunRecord } from "../../history/store.ts";
import type { ServiceMetrics } from "../../metrics.ts";
import type { RunManager } from "../../runs/manager.ts";
import type { AccountStore, LoginLimiter } from "../../security/accounts.ts";
import { tenantViewSchema, type TenantSettings } from "../../settings/tenants.ts";
import { CSRF_HEADER, type Caller, type Env } from "../api.ts";

export interface RouteContext {
  accounts: AccountStore;
  history: HistoryStore;
  settings: TenantSettings;
  runs: RunManager;
  alerts: AlertDispatcher;
  metrics: ServiceMetrics;
  limiter: LoginLimiter;
  now: () => Date;
  version: string;
  /** `/metrics` without login (default true) */
  metricsPublic: boolean;
  /** the first-admin setup token while no user exists */
  setup: { token: string | undefined };
  /** schedules or tenants changed: re-arm the schedulers */
  reschedule(): void;
  /** the next scheduled backup and prune of a tenant */
  nextRuns(tenant: string): { backup: Date | null; prune: Date | null };
}

export const iso = z.string().describe("ISO 8601 time");
export const tenantParam = z.object({ tenant: z.string().describe("the tenant's name in this service") });
export const roleSchema = z.enum(["viewer", "operator", "admin"]);
export const runSchema = z.object({
  id: z.string(),
  tenant: z.string(),
  kind: z.enum(["backup", "restore", "verify", "prune"]),
  trigger: z.enum(["schedule", "manual"]),
  status: z.enum(["running", "succeeded", "partial", "failed", "cancelled", "missed"]),
  scheduledFor: iso.nullable(),
  startedAt: iso.nullable(),
  endedAt: iso.nullable(),
  durationMs: z.number().nullable(),
  counts: z.record(z.string(), z.number()),
  snapshotId: z.string().nullable(),
  manifestLink: z.string().nullable(),
  logLocation: z.string().nullable(),
  startedBy: z.string(),
  message: z.string().nullable(),
});
export const runView = (r: RunRecord) => ({
  ...r,
  scheduledFor: r.scheduledFor?.toISOString() ?? null,
  startedAt: r.startedAt?.toISOString() ?? null,
  endedAt: r.endedAt?.toISOString() ?? null,
});
export const sessionSchema = z.object({ username: z.string(), role: roleSchema, csrfToken: z.string().describe(`send it in the ${CSRF_HEADER} header with every change`), expiresAt: iso });
export const userSchema = z.object({ username: z.string(), role: roleSchema, createdAt: iso });
export const tokenSchema = z.object({ id: z.string(), name: z.string(), username: z.string(), role: roleSchema, createdAt: iso, lastUsedAt: iso.nullable(), revokedAt: iso.nullable() });
export const snapshotSchema = z.object({ id: z.string(), tenant: z.string(), time: z.string(), tags: z.array(z.string()), partial: z.boolean(), toolVersion: z.string() });
export const anyJson = z.record(z.string(), z.unknown());
export const tenantStatusSchema = tenantViewSchema.extend({
  running: z.string().nullable().describe("the id of the run going now"),
  lastRun: runSchema.nullable(),
  lastSuccessfulBackup: runSchema.nullable(),
  nextBackup: iso.nullable(),
  nextPrune: iso.nullable(),
  coverageGaps: z.array(z.object({ layer: z.string(), description: z.string() })).describe("what the last backup could not capture"),
});

export function clientAddress(c: Context<Env>): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** `path` inside a snapshot's tree: the entry and, for a folder, its tree. Names are entry names (ids). */
export async function resolvePath(repo: Repository, root: string, parts: string[]): Promise<{ entry?: TreeEntry; tree?: Tree }> {
  let tree = await repo.loadTree(root);
  let entry: TreeEntry | undefined;
  for (let i = 0; i < parts.length; i++) {
    entry = tree.entries.find((e) => e.name === parts[i]);
    if (!entry) throw new LifeboatError("not-found", `'${parts.slice(0, i + 1).join("/")}' is not in the snapshot; browse its parent to see what is there`, { object: parts.slice(0, i + 1).join("/") });
    if (entry.type === "tree") tree = await repo.loadTree(entry.subtree);
    else if (i < parts.length - 1) throw new LifeboatError("not-found", `'${parts.slice(0, i + 1).join("/")}' is a file, not a folder`);
  }
  return entry?.type === "blob" ? { entry } : { ...(entry ? { entry } : {}), tree };
}

/**
 * A snapshot of the tenant's repository by id, prefix or "latest". The repository calls a
 * snapshot argument that names nothing a usage error (the CLI's exit code); in a URL it is a
 * resource that does not exist: 404, naming the tenant and the next step.
 */
export async function snapshotOf(repo: Repository, idOrPrefix: string, tenant: string) {
  try {
    return await repo.loadSnapshot(idOrPrefix);
  } catch (e) {
    if ((e as { reason?: string }).reason === "NO_SNAPSHOT")
      throw new LifeboatError("not-found", `tenant '${tenant}' has no snapshot '${idOrPrefix}'; list its snapshots (GET /api/tenants/${tenant}/snapshots) to find the id`, { object: `snapshot '${idOrPrefix}'`, place: `tenant '${tenant}'`, next: "list the tenant's snapshots", cause: e });
    throw e;
  }
}

export function streamOf(iter: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const it = iter[Symbol.asyncIterator]();
  return new ReadableStream({
    async pull(ctl) {
      const { value, done } = await it.next();
      if (done) ctl.close();
      else ctl.enqueue(value);
    },
    async cancel() {
      await it.return?.();
    },
  });
}

/** Appends to the audit log as `caller` (anonymous for a refused login). */
export function auditor(x: RouteContext) {
  return (caller: Caller | undefined, action: string, target: string | null, outcome: "ok" | "denied" | "failed", details: Record<string, unknown> = {}) =>
    x.history.appendAudit({ at: x.now(), actor: caller?.username ?? "anonymous", action, target, outcome, details: { ...(caller ? { via: caller.via } : {}), ...(caller?.tokenId ? { token: caller.tokenId } : {}), ...details } });
}

/** Throws 403 unless `caller` may restore into `target`: admins anywhere, operators into tenants that are not production. */
export function mayRestoreInto(x: RouteContext, caller: Caller, target: string): void {
  const t = x.settings.must(target).stored;
  if (caller.role === "admin") return;
  if (caller.role === "operator" && !t.production) return;
  throw new LifeboatError("forbidden", `${caller.username} is ${caller.role} and may not restore into '${target}'${t.production ? " (a production tenant: admins only)" : ""}; ask an admin`, { object: `tenant '${target}'`, next: "ask an admin" });
}

/** The run with this id, or 404. */
export async function mustRun(x: RouteContext, id: string): Promise<RunRecord> {
  const r = await x.history.getRun(id);
  if (!r) throw new LifeboatError("not-found", `no run with id ${id}; list runs (GET /api/runs) to find its id`, { object: `run ${id}` });
  return r;
}
