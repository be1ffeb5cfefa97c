/** Routes: restore: plan, review, confirm with the password, run. */
import { LifeboatError } from "@lifeboat/model";
import { z } from "zod";
import type { Api } from "../api.ts";
import { anyJson, auditor, clientAddress, iso, mayRestoreInto, type RouteContext } from "./common.ts";

export function registerRestoreRoutes(api: Api, x: RouteContext): void {
  const audit = auditor(x);
  const restoreOptions = z
    .object({
      apps: z.array(z.string()).optional(),
      spaces: z.array(z.string()).optional(),
      all: z.boolean().optional(),
      spaceMap: z.record(z.string(), z.string()).optional(),
      asNew: z.boolean().optional(),
      name: z.string().optional(),
      ownerFallback: z.string().optional(),
      createMissingUsers: z.boolean().optional(),
      skipExisting: z.boolean().optional(),
      safetyBackup: z.boolean().optional(),
      deleteExtraObjects: z.boolean().optional(),
      objects: z.array(z.string()).optional(),
    })
    .strict();
  const planSchema = z.object({ planId: z.string().nullable().describe("null when nothing can run (blocked, or nothing to do)"), status: z.enum(["planned", "blocked", "nothing-to-do"]), sourceTenant: z.string(), targetTenant: z.string(), production: z.boolean(), plan: anyJson, expiresAt: iso.nullable() });
  api.add({
    method: "post", path: "/api/restores/plan", operationId: "planRestore", summary: "Plan a restore (nothing is changed): the plan to review, as `lifeboat restore --plan` makes it.", tag: "restore", access: "operator",
    body: z.object({ sourceTenant: z.string(), snapshot: z.string().default("latest"), targetTenant: z.string().optional().describe("default: the source tenant"), options: restoreOptions.default({}) }),
    response: planSchema, errors: [404],
    handler: async (_c, { body, caller }) => {
      const target = body.targetTenant ?? body.sourceTenant;
      mayRestoreInto(x, caller!, target);
      const p = await x.runs.planRestore({ sourceTenant: body.sourceTenant, targetTenant: target, snapshot: body.snapshot, options: body.options, by: caller!.username });
      const status = p.planFile ? "planned" : p.plan.blockers.length ? "blocked" : "nothing-to-do";
      await audit(caller, "restore.plan", `tenant:${target}`, "ok", { source: body.sourceTenant, snapshot: p.plan.snapshot.id, status });
      return { planId: p.planFile ? p.id : null, status, sourceTenant: p.sourceTenant, targetTenant: p.targetTenant, production: x.settings.must(target).stored.production, plan: p.plan as unknown as Record<string, unknown>, expiresAt: p.planFile ? new Date(p.createdAt.getTime() + x.runs.planTtlMs).toISOString() : null };
    },
  });
  api.add({
    method: "get", path: "/api/restores/{plan}", operationId: "getRestorePlan", summary: "A restore plan waiting for its confirmation.", tag: "restore", access: "operator", params: z.object({ plan: z.string() }),
    response: planSchema, errors: [404],
    handler: ({}, { params }) => {
      const p = x.runs.getPlan(params.plan);
      if (!p) throw new LifeboatError("not-found", `no restore plan ${params.plan} is waiting; plans expire after ${Math.round(x.runs.planTtlMs / 60_000)} minutes and run once — make it again`, { object: `restore plan ${params.plan}`, next: "make the plan again" });
      return { planId: p.id, status: "planned" as const, sourceTenant: p.sourceTenant, targetTenant: p.targetTenant, production: x.settings.must(p.targetTenant).stored.production, plan: p.plan as unknown as Record<string, unknown>, expiresAt: new Date(p.createdAt.getTime() + x.runs.planTtlMs).toISOString() };
    },
  });
  api.add({
    method: "post", path: "/api/restores/{plan}/run", operationId: "runRestore", summary: "Confirm a restore plan with your password and run it.", tag: "restore", access: "operator", params: z.object({ plan: z.string() }), status: 202,
    description: "Identity verification: the caller's password is checked again (also for an API token: its owner's). Operators restore into non-production tenants only.",
    body: z.object({ password: z.string().describe("the caller's password, asked again") }),
    response: z.object({ runId: z.string(), events: z.string() }), errors: [404, 409, 429],
    handler: async (c, { params, body, caller }) => {
      const p = x.runs.getPlan(params.plan);
      if (!p) throw new LifeboatError("not-found", `no restore plan ${params.plan} is waiting; plans expire after ${Math.round(x.runs.planTtlMs / 60_000)} minutes and run once — make it again`, { object: `restore plan ${params.plan}`, next: "make the plan again" });
      try {
        mayRestoreInto(x, caller!, p.targetTenant);
      } catch (e) {
        await audit(caller, "restore.start", `tenant:${p.targetTenant}`, "denied", { plan: p.id, reason: "role" });
        throw e;
      }
      const address = clientAddress(c);
      const wait = x.limiter.retryAfterMs(caller!.username, address);
      if (wait > 0) throw Object.assign(new LifeboatError("rate-limited", `too many wrong passwords for '${caller!.username}'; try again in ${Math.ceil(wait / 1000)} s`), { retryAfterSeconds: Math.ceil(wait / 1000) });
      if (!(await x.accounts.checkPassword(caller!.username, body.password))) {
        x.limiter.failed(caller!.username, address);
        await audit(caller, "restore.start", `tenant:${p.targetTenant}`, "denied", { plan: p.id, reason: "wrong password" });
        throw new LifeboatError("auth", "the password is wrong; a restore needs your password again before it starts — nothing was changed", { next: "enter your password again" });
      }
      const { id, done } = await x.runs.start(p.targetTenant, "restore", { trigger: "manual", by: caller!.username, restorePlanId: p.id });
      await audit(caller, "restore.start", `tenant:${p.targetTenant}`, "ok", { plan: p.id, run: id, source: p.sourceTenant, snapshot: p.plan.snapshot.id });
      void done.then((r) => audit(caller, "restore.end", `tenant:${p.targetTenant}`, r.status === "succeeded" ? "ok" : "failed", { run: id, status: r.status, message: r.message }));
      return { runId: id, events: `/api/runs/${id}/events` };
    },
  });
}
