/** The roles kind: see ../kind.ts. */
import type { ResourceKind } from "../kind.ts";

export const roles = {
  layer: "roles",
  noun: "role",
  path: "roles.json",
  restoreNeeds: { reenter: [], note: "no secrets" },
} as const satisfies ResourceKind;
