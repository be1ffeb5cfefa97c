/** The groups kind: see ../kind.ts. */
import type { ResourceKind } from "../kind.ts";

export const groups = {
  layer: "groups",
  noun: "group",
  path: "groups.json",
  restoreNeeds: { reenter: [], note: "no secrets; identity-provider groups reappear when members log in" },
} as const satisfies ResourceKind;
