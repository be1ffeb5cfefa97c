/**
 * Every resource kind the connector can read and write (api.ts), by kind. A kind without an
 * entry is one this connector cannot list: the backup records it as a coverage gap.
 */
import type { ResourceKindName } from "@lifeboat/model";
import type { ResourceApi } from "./api.ts";
import { INTEGRATION_APIS } from "./integration.ts";

const APIS: readonly ResourceApi[] = [
  // integration (integration.ts)
  ...INTEGRATION_APIS,
];

export const RESOURCE_APIS: Partial<Record<ResourceKindName, ResourceApi>> = Object.fromEntries(APIS.map((a) => [a.kind, a]));

export type { ResourceApi } from "./api.ts";
