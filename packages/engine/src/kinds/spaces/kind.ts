/** The spaces kind: see ../kind.ts. */
import type { ResourceKind } from "../kind.ts";
import { captureSpaces } from "./capture.ts";
import { spacesIndex } from "./index.ts";

export const spaces = {
  layer: "spaces",
  noun: "space",
  path: "spaces",
  restoreNeeds: { reenter: [], note: "no secrets; space ids change on restore (assignments are remapped)" },
  capture: captureSpaces, index: spacesIndex,
} as const satisfies ResourceKind;
