/** The tenant kind: see ../kind.ts. */
import type { ResourceKind } from "../kind.ts";

export const tenant = {
  layer: "tenant",
  noun: "tenant",
  path: "tenant.json",
} as const satisfies ResourceKind;
