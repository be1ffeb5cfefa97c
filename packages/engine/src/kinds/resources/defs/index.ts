/**
 * Every declared resource kind (def.ts), one file per group of the table; the
 * registry (../../registry.ts) orders them by `RESOURCE_KINDS` (`@lifeboat/model`).
 */
import type { DeclaredKind } from "../kind.ts";
import { IDENTITY_KINDS } from "./identity.ts";

export const DECLARED: readonly DeclaredKind[] = [...IDENTITY_KINDS];
