/**
 * Every declared resource kind (def.ts), one file per group of the table; the
 * registry (../../registry.ts) orders them by `RESOURCE_KINDS` (`@lifeboat/model`).
 */
import type { DeclaredKind } from "../kind.ts";
import { INTEGRATION } from "./integration.ts";

export const DECLARED: readonly DeclaredKind[] = [
  // integration (integration.ts)
  ...INTEGRATION,
];
