/** The apps kind: see ../kind.ts. */
import type { ResourceKind } from "../kind.ts";

export const apps = {
  layer: "apps",
  noun: "app",
  path: "apps",
  restoreNeeds: { reenter: [], note: "no secrets; apps exported without data need a reload, which needs their data connections' credentials in the target tenant" },
} as const satisfies ResourceKind;
