/** The spaces kind: see ../kind.ts. */
import type { ResourceKind } from "../kind.ts";

export const spaces = {
  layer: "spaces",
  noun: "space",
  path: "spaces",
  restoreNeeds: { reenter: [], note: "no secrets; space ids change on restore (assignments are remapped)" },
} as const satisfies ResourceKind;
