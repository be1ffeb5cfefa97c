/** Routes: snapshots: list, manifest, browse, an object's property tree, .qvf download, diff. */
import { browseSnapshot, diffSnapshots, loadManifest, PATHS } from "@lifeboat/engine";
import { snapshotTenantKey } from "@lifeboat/kit";
import { LifeboatError } from "@lifeboat/model";
import { z } from "zod";
import type { Api } from "../api.ts";
import { anyJson, auditor, resolvePath, snapshotOf, snapshotSchema, streamOf, tenantParam, type RouteContext } from "./common.ts";

export function registerSnapshotsRoutes(api: Api, x: RouteContext): void {
  const audit = auditor(x);
  const snapParams = tenantParam.extend({ snapshot: z.string().describe("snapshot id, unique prefix, or latest") });
  api.add({
    method: "get", path: "/api/tenants/{tenant}/snapshots", operationId: "listSnapshots", summary: "The snapshots in the tenant's repository, newest first.", tag: "snapshots", access: "viewer", params: tenantParam,
    response: z.array(snapshotSchema), errors: [404],
    handler: async ({}, { params }) => {
      const repo = await x.runs.reader(params.tenant);
      // a repository may hold other tenants' snapshots too
      const key = snapshotTenantKey(x.settings.must(params.tenant).stored.host);
      return (await repo.listSnapshots()).filter((s) => s.tenant === key).sort((a, b) => b.time.localeCompare(a.time)).map((s) => ({ id: s.id, tenant: s.tenant, time: s.time, tags: s.tags, partial: s.partial, toolVersion: s.toolVersion }));
    },
  });
  api.add({
    method: "get", path: "/api/tenants/{tenant}/snapshots/{snapshot}/manifest", operationId: "getManifest", summary: "A snapshot's manifest: per layer and per item, failed items with reasons, coverage gaps.", tag: "snapshots", access: "viewer", params: snapParams,
    response: anyJson, errors: [404],
    handler: async ({}, { params }) => {
      const repo = await x.runs.reader(params.tenant);
      return (await loadManifest(repo, await snapshotOf(repo, params.snapshot, params.tenant))) as unknown as Record<string, unknown>;
    },
  });
  api.add({
    method: "get", path: "/api/tenants/{tenant}/snapshots/{snapshot}/browse", operationId: "browseSnapshot", summary: "What a snapshot holds at a path, as `lifeboat ls` shows it (tenant → space → app → object).", tag: "snapshots", access: "viewer", params: snapParams,
    query: z.object({ path: z.string().default("").describe("e.g. spaces, apps/<appId>/objects") }),
    response: anyJson, errors: [404],
    handler: async ({}, { params, query }) => {
      const repo = await x.runs.reader(params.tenant);
      return (await browseSnapshot(repo, await snapshotOf(repo, params.snapshot, params.tenant), query.path)) as unknown as Record<string, unknown>;
    },
  });
  const objParams = snapParams.extend({ app: z.string(), object: z.string() });
  api.add({
    method: "get", path: "/api/tenants/{tenant}/snapshots/{snapshot}/apps/{app}/objects/{object}", operationId: "getObject", summary: "One object of an app in a snapshot: its property tree, owner and state.", tag: "snapshots", access: "viewer", params: objParams,
    response: anyJson, errors: [404],
    handler: async ({}, { params }) => {
      const repo = await x.runs.reader(params.tenant);
      const snap = await snapshotOf(repo, params.snapshot, params.tenant);
      const { entry } = await resolvePath(repo, snap.tree, [PATHS.apps, params.app, PATHS.objects, `${params.object}.json`]);
      if (entry?.type !== "blob") throw new LifeboatError("not-found", `object ${params.object} of app ${params.app} is not in snapshot ${snap.id.slice(0, 12)}`);
      return repo.readJson<Record<string, unknown>>(entry.blob);
    },
  });
  api.add({
    method: "get", path: "/api/tenants/{tenant}/snapshots/{snapshot}/apps/{app}/qvf", operationId: "downloadQvf", summary: "Download an app's .qvf from a snapshot.", tag: "snapshots", access: "operator", params: snapParams.extend({ app: z.string() }), errors: [404],
    produces: { type: "application/octet-stream", description: "the app as Qlik exported it" },
    handler: async (c, { params, caller }) => {
      const repo = await x.runs.reader(params.tenant);
      const snap = await snapshotOf(repo, params.snapshot, params.tenant);
      const { tree } = await resolvePath(repo, snap.tree, [PATHS.apps, params.app]);
      const entry = tree?.entries.find((e) => e.name === PATHS.qvf);
      if (entry?.type !== "blob") throw new LifeboatError("not-found", `app ${params.app} has no exported .qvf in snapshot ${snap.id.slice(0, 12)} (its export failed or was skipped; the manifest says why)`);
      await audit(caller, "snapshot.download", `tenant:${params.tenant}`, "ok", { snapshot: snap.id, app: params.app });
      return new Response(streamOf(repo.readBlob(entry.blob)), {
        headers: { "content-type": "application/octet-stream", "content-length": String(entry.blob.size), "content-disposition": `attachment; filename="${params.app.replace(/[^A-Za-z0-9._-]/g, "_")}.qvf"` },
      });
    },
  });
  api.add({
    method: "get", path: "/api/tenants/{tenant}/diff", operationId: "diffSnapshots", summary: "What changed between two snapshots, down to objects.", tag: "snapshots", access: "viewer", params: tenantParam,
    query: z.object({ from: z.string(), to: z.string() }), response: anyJson, errors: [404],
    handler: async ({}, { params, query }) => {
      const repo = await x.runs.reader(params.tenant);
      return (await diffSnapshots(repo, await snapshotOf(repo, query.from, params.tenant), await snapshotOf(repo, query.to, params.tenant))) as unknown as Record<string, unknown>;
    },
  });
}
