/** The tenant kind: see ../kind.ts. */
import type { ResourceKind } from "../kind.ts";
import { captureTenant } from "./capture.ts";

export const tenant = {
  layer: "tenant",
  noun: "tenant",
  path: "tenant.json",
  capture: captureTenant,
} as const satisfies ResourceKind;
