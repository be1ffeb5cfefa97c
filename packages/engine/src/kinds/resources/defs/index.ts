/**
 * Every declared resource kind (def.ts), one file per group of the table; the
 * registry (../../registry.ts) orders them by `RESOURCE_KINDS` (`@lifeboat/model`).
 */
import type { DeclaredKind } from "../kind.ts";
import { APPEARANCE } from "./appearance.ts";
import { automationConnections, automations } from "./automation.ts";
import { dataConnections, dataCredentials } from "./data.ts";
import { INTEGRATION } from "./integration.ts";
import { collections, notes, tags } from "./organisation.ts";
import { dataAlerts, reloadTasks, reportTemplates, sharingTasks } from "./scheduling.ts";
import { IDENTITY_KINDS } from "./identity.ts";
import { KNOWLEDGE } from "./knowledge.ts";

export const DECLARED: readonly DeclaredKind[] = [
  // data and automation (data.ts, automation.ts)
  dataConnections,
  dataCredentials,
  automationConnections,
  automations,
  // scheduling and distribution, organisation (scheduling.ts, organisation.ts)
  reloadTasks,
  sharingTasks,
  reportTemplates,
  dataAlerts,
  tags,
  collections,
  notes,
  // identity and settings (identity.ts)
  ...IDENTITY_KINDS,
  // integration (integration.ts)
  ...INTEGRATION,
  // appearance and knowledge (appearance.ts, knowledge.ts)
  ...APPEARANCE,
  ...KNOWLEDGE,
];
