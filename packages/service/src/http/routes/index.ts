/**
 * Every route of the service's API, declared with its schemas (api.ts mounts them and
 * generates the OpenAPI document from them), one module per area as the console uses them.
 */
import type { Api } from "../api.ts";
import type { RouteContext } from "./common.ts";
import { registerServiceRoutes } from "./service.ts";
import { registerSessionRoutes } from "./session.ts";
import { registerTenantsRoutes } from "./tenants.ts";
import { registerRunsRoutes } from "./runs.ts";
import { registerSnapshotsRoutes } from "./snapshots.ts";
import { registerRestoreRoutes } from "./restore.ts";
import { registerUsersRoutes } from "./users.ts";

export type { RouteContext } from "./common.ts";

export function registerRoutes(api: Api, x: RouteContext): void {
  registerServiceRoutes(api, x);
  registerSessionRoutes(api, x);
  registerTenantsRoutes(api, x);
  registerRunsRoutes(api, x);
  registerSnapshotsRoutes(api, x);
  registerRestoreRoutes(api, x);
  registerUsersRoutes(api, x);
}
