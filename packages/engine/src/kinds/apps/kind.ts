/** The apps kind: see ../kind.ts. */
import type { ResourceKind } from "../kind.ts";
import { captureApps } from "./capture.ts";
import { appsIndex } from "./index.ts";
import { planApps } from "./plan.ts";
import { appSteps } from "./steps.ts";
import { verifyApps } from "./verify.ts";

export const apps = {
  layer: "apps",
  noun: "app",
  path: "apps",
  restoreNeeds: { reenter: [], note: "no secrets; apps exported without data need a reload, which needs their data connections' credentials in the target tenant" },
  capture: captureApps, index: appsIndex,
  restore: { plan: planApps, steps: appSteps, verify: verifyApps },
} as const satisfies ResourceKind;
