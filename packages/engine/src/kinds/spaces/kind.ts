/** The spaces kind: see ../kind.ts. */
import type { ResourceKind } from "../kind.ts";
import { captureSpaces } from "./capture.ts";
import { spacesIndex } from "./index.ts";
import { planSpaces } from "./plan.ts";
import { spaceSteps } from "./steps.ts";
import { verifySpaces } from "./verify.ts";

export const spaces = {
  layer: "spaces",
  noun: "space",
  path: "spaces",
  restoreNeeds: { reenter: [], note: "no secrets; space ids change on restore (assignments are remapped)" },
  capture: captureSpaces, index: spacesIndex,
  restore: { plan: planSpaces, steps: spaceSteps, verify: verifySpaces },
} as const satisfies ResourceKind;
