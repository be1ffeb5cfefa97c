/**
 * Every declared resource kind (def.ts), one file per group of the table; the
 * registry (../../registry.ts) orders them by `RESOURCE_KINDS` (`@lifeboat/model`).
 */
import type { DeclaredKind } from "../kind.ts";
import { APPEARANCE } from "./appearance.ts";
import { KNOWLEDGE } from "./knowledge.ts";

export const DECLARED: readonly DeclaredKind[] = [
  // appearance and knowledge (appearance.ts, knowledge.ts)
  ...APPEARANCE,
  ...KNOWLEDGE,
];
