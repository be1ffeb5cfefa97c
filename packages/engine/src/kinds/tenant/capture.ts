/** The tenant document: the host and who took the backup (no run facts, so an unchanged tenant.json dedups). */
import { LAYOUT_VERSION, PATHS, type TenantDoc } from "../../layout.ts";
import type { Capture } from "../read.ts";

export const captureTenant: Capture = async (ctx) => {
  const { tenant, caller } = ctx;
  // No run facts (the time is the snapshot's and the manifest's), so an unchanged tenant.json dedups.
  const doc: TenantDoc = { layoutVersion: LAYOUT_VERSION, host: tenant.host, caller };
  const entry = { name: PATHS.tenant, type: "blob" as const, blob: await ctx.repo.saveJson(doc), meta: { host: tenant.host } };
  ctx.record({ layer: "tenant", id: ctx.tenantKey, name: tenant.host, status: "captured" });
  return entry;
};
