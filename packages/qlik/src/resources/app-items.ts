/**
 * Apps' catalogue items by app id (`GET /api/v1/items?resourceType=app&resourceIds=…`, 100 ids
 * a call — qlik.dev/apis/rest/items): what names a reload task (its app's name) and what a
 * collection or tag adds (the item id, which differs from the app id and from tenant to tenant).
 * Other users' personal apps come only with `spaceType=personal` (as in the client's app
 * listing, FIDELITY-AUDIT #25), so the ids not found are asked again that way.
 */
import type { TenantCore } from "../client.ts";
import { pages } from "../internal/pages.ts";
import { rec, s } from "../internal/records.ts";

export interface AppItem {
  itemId: string;
  name: string;
  spaceId?: string;
}

const nc = { noCache: true } as const;

export async function appItems(core: TenantCore, appIds: Iterable<string>): Promise<Map<string, AppItem>> {
  const out = new Map<string, AppItem>();
  const wanted = [...new Set([...appIds].filter(Boolean))];
  for (const spaceType of [undefined, "personal"] as const) {
    const missing = wanted.filter((id) => !out.has(id));
    for (let i = 0; i < missing.length; i += 100) {
      const resourceIds = missing.slice(i, i + 100).join(",");
      const query = { resourceType: "app" as const, resourceIds, limit: 100, noActions: true, ...(spaceType ? { spaceType } : {}) };
      for await (const item of pages(core, "getItems", spaceType ? "personal-space apps" : "apps", (api) => api.items.getItems(query, nc))) {
        const o = rec(item);
        const appId = s(o.resourceId);
        if (!appId) continue;
        const found: AppItem = { itemId: s(o.id) ?? "", name: s(o.name) ?? "" };
        if (s(o.spaceId)) found.spaceId = s(o.spaceId);
        out.set(appId, found);
        core.rememberApp(appId, found.name);
      }
    }
  }
  return out;
}
