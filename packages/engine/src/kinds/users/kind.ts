/** The users kind: see ../kind.ts. */
import type { ResourceKind } from "../kind.ts";
import { captureUsers } from "./capture.ts";
import { usersIndex } from "./index.ts";
import { planUsers } from "./plan.ts";
import { userSteps } from "./steps.ts";
import { verifyUsers } from "./verify.ts";

export const users = {
  layer: "users",
  noun: "user",
  path: "users",
  restoreNeeds: { reenter: [], note: "no secrets; users are re-created as 'invited' and become active when they log in through the identity provider" },
  capture: captureUsers, index: usersIndex,
  restore: { plan: planUsers, steps: userSteps, verify: verifyUsers },
} as const satisfies ResourceKind;
