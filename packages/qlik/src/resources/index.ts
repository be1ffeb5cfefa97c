/**
 * Every resource kind the connector can read and write (api.ts), by kind. A kind without an
 * entry is one this connector cannot list: the backup records it as a coverage gap.
 */
import type { ResourceKindName } from "@lifeboat/model";
import type { ResourceApi } from "./api.ts";
import { automationConnectionsApi, automationsApi } from "./automation.ts";
import { dataConnectionsApi, dataCredentialsApi } from "./data.ts";
import { INTEGRATION_APIS } from "./integration.ts";
import { collections, notes, tags } from "./organisation.ts";
import { dataAlerts, reloadTasks, reportTemplates, sharingTasks } from "./scheduling.ts";
import { IDENTITY_APIS } from "./identity.ts";
import { APPEARANCE_APIS } from "./appearance.ts";
import { glossariesApi } from "./knowledge.ts";

const APIS: readonly ResourceApi[] = [
  // data and automation (data.ts, automation.ts)
  dataConnectionsApi,
  dataCredentialsApi,
  automationConnectionsApi,
  automationsApi,
  // scheduling and distribution, organisation (scheduling.ts, organisation.ts)
  reloadTasks,
  sharingTasks,
  reportTemplates,
  dataAlerts,
  tags,
  collections,
  notes,
  // identity and settings (identity.ts)
  ...IDENTITY_APIS,
  // integration (integration.ts)
  ...INTEGRATION_APIS,
  // appearance and knowledge (appearance.ts, knowledge.ts)
  ...APPEARANCE_APIS,
  glossariesApi,
];

export const RESOURCE_APIS: Partial<Record<ResourceKindName, ResourceApi>> = Object.fromEntries(APIS.map((a) => [a.kind, a]));

export type { ResourceApi } from "./api.ts";
