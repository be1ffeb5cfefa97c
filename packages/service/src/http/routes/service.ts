/** Routes: health, metrics and the OpenAPI document. */
import { z } from "zod";
import type { Api } from "../api.ts";
import { anyJson, type RouteContext } from "./common.ts";

export function registerServiceRoutes(api: Api, x: RouteContext): void {
  api.add({
    method: "get", path: "/api/health", operationId: "health", summary: "Is the service up (and its database reachable)?", tag: "service", access: "public",
    response: z.object({ status: z.literal("ok"), version: z.string(), database: z.enum(["sqlite", "postgres"]) }),
    handler: async () => {
      await x.history.listRuns({ limit: 1 });
      return { status: "ok" as const, version: x.version, database: x.history.dialect };
    },
  });
  api.add({
    method: "get", path: "/metrics", operationId: "metrics", summary: "Prometheus metrics", tag: "service", access: x.metricsPublic ? "public" : "viewer",
    produces: { type: "text/plain", description: "the Prometheus text exposition format" },
    handler: async (c) => c.body(await x.metrics.text(), 200, { "content-type": x.metrics.contentType }),
  });
  api.add({
    method: "get", path: "/api/openapi.json", operationId: "openapi", summary: "This API's OpenAPI 3.1 document", tag: "service", access: "viewer",
    response: anyJson,
    handler: () => api.openapi({ title: "Lifeboat service API", version: x.version }),
  });
}
