/** Routes: runs: list, detail, log, live progress (server-sent events), start, cancel. */
import { readFile } from "node:fs/promises";
import { streamSSE } from "hono/streaming";
import { LifeboatError } from "@lifeboat/model";
import { z } from "zod";
import type { RunEvent } from "../../runs/manager.ts";
import type { Api } from "../api.ts";
import { anyJson, auditor, mayRestoreInto, mustRun, runSchema, runView, tenantParam, type RouteContext } from "./common.ts";

export function registerRunsRoutes(api: Api, x: RouteContext): void {
  const audit = auditor(x);
  api.add({
    method: "get", path: "/api/runs", operationId: "listRuns", summary: "Runs, newest first, filtered.", tag: "runs", access: "viewer",
    query: z.object({
      tenant: z.string().optional(),
      status: z.enum(["running", "succeeded", "partial", "failed", "cancelled", "missed"]).optional(),
      kind: z.enum(["backup", "restore", "verify", "prune"]).optional(),
      from: z.iso.datetime({ offset: true }).optional(),
      to: z.iso.datetime({ offset: true }).optional(),
      limit: z.coerce.number().int().min(1).max(1000).optional(),
    }),
    response: z.array(runSchema),
    handler: async ({}, { query }) =>
      (
        await x.history.listRuns({
          ...(query.tenant ? { tenant: query.tenant } : {}),
          ...(query.status ? { status: query.status } : {}),
          ...(query.kind ? { kind: query.kind } : {}),
          ...(query.from ? { from: new Date(query.from) } : {}),
          ...(query.to ? { to: new Date(query.to) } : {}),
          ...(query.limit ? { limit: query.limit } : {}),
        })
      ).map(runView),
  });
  const runParam = z.object({ run: z.string() });
  api.add({
    method: "get", path: "/api/runs/{run}", operationId: "getRun", summary: "A run with its result: the restore's plan, verification report and re-entry checklist; retention; the mass-deletion check.", tag: "runs", access: "viewer", params: runParam,
    response: runSchema.extend({ result: anyJson.nullable() }), errors: [404],
    handler: async ({}, { params }) => ({ ...runView(await mustRun(x, params.run)), result: ((await x.runs.result(params.run)) as Record<string, unknown> | undefined) ?? null }),
  });
  api.add({
    method: "get", path: "/api/runs/{run}/log", operationId: "getRunLog", summary: "The run's log: its events as JSON lines.", tag: "runs", access: "viewer", params: runParam, errors: [404],
    produces: { type: "application/x-ndjson", description: "one event per line: {seq, at, source, event}" },
    handler: async (c, { params }) => {
      await mustRun(x, params.run);
      const text = await readFile(x.runs.logFile(params.run), "utf8").catch(() => "");
      return c.body(text, 200, { "content-type": "application/x-ndjson; charset=utf-8" });
    },
  });
  api.add({
    method: "get", path: "/api/runs/{run}/events", operationId: "followRun", summary: "Live progress of a run as server-sent events (`run` events, then one `end` with the finished run).", tag: "runs", access: "viewer", params: runParam, errors: [404],
    produces: { type: "text/event-stream", description: "event `run`: {seq, at, source, event}; event `end`: the finished run record" },
    handler: async (c, { params }) => {
      await mustRun(x, params.run);
      return streamSSE(c, async (stream) => {
        const queue: (RunEvent | null)[] = [];
        let wake: (() => void) | undefined;
        let closed = false;
        const unsubscribe = x.runs.subscribe(params.run, (e) => {
          queue.push(e);
          wake?.();
        });
        const end = async () => stream.writeSSE({ event: "end", data: JSON.stringify(runView(await mustRun(x, params.run))) });
        if (!unsubscribe) {
          const text = await readFile(x.runs.logFile(params.run), "utf8").catch(() => "");
          for (const line of text.split("\n")) if (line.trim()) await stream.writeSSE({ event: "run", data: line });
          await end();
          return;
        }
        // a comment line now and then keeps proxies from closing a quiet stream
        const ping = setInterval(() => void stream.write(": ping\n\n").catch(() => undefined), 20_000);
        ping.unref?.();
        stream.onAbort(() => {
          closed = true;
          clearInterval(ping);
          unsubscribe();
          wake?.();
        });
        for (;;) {
          while (queue.length > 0) {
            const e = queue.shift()!;
            if (e === null) {
              clearInterval(ping);
              unsubscribe();
              await end();
              return;
            }
            await stream.writeSSE({ event: "run", id: String(e.seq), data: JSON.stringify(e) });
          }
          if (closed) return;
          await new Promise<void>((r) => (wake = r));
          wake = undefined;
        }
      });
    },
  });
  api.add({
    method: "post", path: "/api/tenants/{tenant}/runs", operationId: "startRun", summary: "Start a backup, verify or prune of the tenant now (one run per tenant at a time).", tag: "runs", access: "operator", params: tenantParam, status: 202,
    body: z.object({ kind: z.enum(["backup", "verify", "prune"]) }),
    response: z.object({ runId: z.string(), events: z.string().describe("where to follow it (server-sent events)") }), errors: [404, 409],
    handler: async (_c, { params, body, caller }) => {
      const who = caller!.via === "token" ? `${caller!.username} (token ${caller!.tokenName})` : caller!.username;
      const { id } = await x.runs.start(params.tenant, body.kind, { trigger: "manual", by: who });
      await audit(caller, `run.${body.kind}`, `tenant:${params.tenant}`, "ok", { run: id });
      return { runId: id, events: `/api/runs/${id}/events` };
    },
  });

  api.add({
    method: "post", path: "/api/runs/{run}/cancel", operationId: "cancelRun", summary: "Cancel a running run (no item starts after it; it is recorded as cancelled).", tag: "runs", access: "operator", params: runParam, status: 202, errors: [404, 409],
    response: z.object({ runId: z.string(), cancelling: z.literal(true) }),
    handler: async (_c, { params, caller }) => {
      const r = await mustRun(x, params.run);
      if (r.kind === "restore" && caller!.role !== "admin") mayRestoreInto(x, caller!, r.tenant);
      if (!x.runs.cancel(params.run, `cancelled by ${caller!.username}`)) throw new LifeboatError("conflict", `run ${params.run} is not going (${r.status}); only a running run can be cancelled`, { object: `run ${params.run}` });
      await audit(caller, "run.cancel", `tenant:${r.tenant}`, "ok", { run: params.run, kind: r.kind });
      return { runId: params.run, cancelling: true as const };
    },
  });
}
