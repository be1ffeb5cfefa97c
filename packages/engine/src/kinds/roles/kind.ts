/** The roles kind: see ../kind.ts. */
import type { ResourceKind } from "../kind.ts";
import { captureRoles } from "./capture.ts";
import { rolesIndex } from "./index.ts";

export const roles = {
  layer: "roles",
  noun: "role",
  path: "roles.json",
  restoreNeeds: { reenter: [], note: "no secrets" },
  capture: captureRoles, index: rolesIndex,
} as const satisfies ResourceKind;
