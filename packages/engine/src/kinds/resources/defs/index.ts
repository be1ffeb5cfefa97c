/**
 * Every declared resource kind (def.ts), one file per group of the table; the
 * registry (../../registry.ts) orders them by `RESOURCE_KINDS` (`@lifeboat/model`).
 */
import type { DeclaredKind } from "../kind.ts";
import { automationConnections, automations } from "./automation.ts";
import { dataConnections, dataCredentials } from "./data.ts";

export const DECLARED: readonly DeclaredKind[] = [
  // data and automation (data.ts, automation.ts)
  dataConnections,
  dataCredentials,
  automationConnections,
  automations,
];
