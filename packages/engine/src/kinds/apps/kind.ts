/** The apps kind: see ../kind.ts. */
import type { ResourceKind } from "../kind.ts";
import { captureApps } from "./capture.ts";
import { appsIndex } from "./index.ts";

export const apps = {
  layer: "apps",
  noun: "app",
  path: "apps",
  restoreNeeds: { reenter: [], note: "no secrets; apps exported without data need a reload, which needs their data connections' credentials in the target tenant" },
  capture: captureApps, index: appsIndex,
} as const satisfies ResourceKind;
