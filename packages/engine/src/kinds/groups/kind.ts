/** The groups kind: see ../kind.ts. */
import type { ResourceKind } from "../kind.ts";
import { captureGroups } from "./capture.ts";
import { groupsIndex } from "./index.ts";

export const groups = {
  layer: "groups",
  noun: "group",
  path: "groups.json",
  restoreNeeds: { reenter: [], note: "no secrets; identity-provider groups reappear when members log in" },
  capture: captureGroups, index: groupsIndex,
} as const satisfies ResourceKind;
