/**
 * `resourceKind(def)`: a declared resource kind (def.ts) as a kind of the registry — the
 * generic capture (capture.ts) and index (index.ts). The restore half (restore.ts: plan
 * fragment, step runner, verification) is generic too and comes with the declaration's class,
 * secrets and references.
 */
import type { ResourceKindName } from "@lifeboat/model";
import type { ResourceKind } from "../kind.ts";
import { captureResources } from "./capture.ts";
import type { ResourceKindDef } from "./def.ts";
import { resourceIndex } from "./index.ts";
import { planResources, registerDef, resourceSteps, verifyResources } from "./restore.ts";

export interface DeclaredKind extends ResourceKind {
  readonly layer: ResourceKindName;
  readonly def: ResourceKindDef;
}

export function resourceKind(def: ResourceKindDef): DeclaredKind {
  registerDef(def);
  return {
    def,
    layer: def.layer,
    noun: def.noun,
    ...(def.plural ? { plural: def.plural } : {}),
    path: def.path,
    restoreNeeds: { reenter: (def.secrets ?? []).map((s) => s.label), note: def.restoreNote },
    capture: captureResources(def),
    index: resourceIndex(def),
    // One step runner for every declared kind (the same function: the executor takes it once).
    restore: { plan: planResources(def), steps: resourceSteps, verify: verifyResources(def) },
  };
}
