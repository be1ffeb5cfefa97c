/** The objects kind: see ../kind.ts. */
import type { ResourceKind } from "../kind.ts";
import { objectsIndex } from "./index.ts";
import { objectSteps } from "./steps.ts";

export const objects = {
  layer: "objects",
  noun: "object",
  parent: "apps",
  restoreNeeds: { reenter: [], note: "no secrets; owners are restored by subject" },
  index: objectsIndex,
  restore: { steps: objectSteps },
} as const satisfies ResourceKind;
