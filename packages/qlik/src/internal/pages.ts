/**
 * Paged listings through the core's `call` (kept apart from client.ts so that the connector's
 * resource kinds, which client.ts imports, can use it without an import cycle).
 */
import type { QlikAPI } from "@qlik/api";
import type { TenantCore } from "../client.ts";
import type { OperationName } from "../operations.ts";

/**
 * Lists every page by following `links.next` (each page through `call`); the items are the
 * body's `key` array (`data` for most services; `sharingTasks`, `tasks` for some).
 */
export async function* pages<R extends { data: unknown; next?: () => Promise<R> }>(
  core: TenantCore,
  op: OperationName,
  object: string | undefined,
  first: (api: QlikAPI) => Promise<R>,
  key = "data",
): AsyncGenerator<unknown> {
  let resp: R | undefined = await core.call(op, object, first);
  while (resp) {
    const data = (resp.data as Record<string, unknown> | undefined)?.[key];
    if (Array.isArray(data)) yield* data;
    const next: (() => Promise<R>) | undefined = resp.next;
    // `next()` reuses the first call's options (hostConfig, noCache) and follows the href verbatim.
    resp = next ? await core.call(op, object, (_api, ctx) => (next as (o: unknown) => Promise<R>)(ctx.pageOptions)) : undefined;
  }
}
