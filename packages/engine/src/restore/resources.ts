/**
 * What a restore plans and reports for the declared resource kinds (kinds/resources): one
 * decision per selected item with its class (direct / recreate with input / reference only)
 * and why, the secrets the operator gives (`RestoreSecrets`: values reach only the step that
 * writes them — never the plan, the journal or a log), and the re-entry checklist that ends a
 * restore: every item that still needs a secret or a manual step, with where to do it.
 */
import type { ResourceKindName } from "@lifeboat/model";
import type { ResourceClass } from "../kinds/resources/def.ts";

/** One selected resource item, as the plan decides it (printed per item, before anything changes). */
export interface ResourceDecision {
  layer: ResourceKindName;
  sourceId: string;
  name: string;
  /** What a restore can do with it, and why (def.ts `classify`). */
  class: ResourceClass;
  classReason: string;
  /**
   * create: not in the target; update: in the target, different; unchanged: in the target as
   * in the snapshot; reference: not writable through Qlik's API (checklist only); skip/blocked:
   * not restored (the reason says why; blocked is also a plan blocker).
   */
  action: "create" | "update" | "unchanged" | "reference" | "skip" | "blocked";
  /** The target item it maps to (update, unchanged). */
  targetId?: string;
  reason: string;
  /**
   * Secrets this item needs: the field, how people call it, whether the operator gave it, and
   * whether the target's item holds one already (`inTarget`: then none needs giving; one given replaces it).
   */
  secrets?: { field: string; label: string; given: boolean; inTarget?: boolean }[];
  /**
   * Kinds whose owner Qlik's API cannot set (def `ownerByCreator`): the owner the item had in
   * the snapshot (subject), when the restore writes it — it becomes the restoring user's (the
   * plan shows it; the connector's note, where a person can hand it over, is on the checklist).
   */
  ownerByHand?: string;
}

/** One line of the re-entry checklist. */
export interface ChecklistItem {
  layer: ResourceKindName;
  /** The kind's noun ("data connection"). */
  noun: string;
  sourceId: string;
  name: string;
  /** The target item, when the restore created or updated it. */
  targetId?: string;
  /** What is left to do ("enter the password", "re-create it by hand from the snapshot"). */
  todo: string;
  /** Where to do it ("Management Console › Data connections"). */
  where: string;
  reason: string;
}

/**
 * The secrets the operator gives for a restore (`--secrets FILE` or a prompt), keyed by kind,
 * item name and field. The planner asks only which fields are given (`has`); the step that
 * writes an item asks for the values (`values`).
 */
export interface RestoreSecrets {
  has(layer: ResourceKindName, name: string, field: string): boolean;
  values(layer: ResourceKindName, name: string): Record<string, string>;
}

export const NO_SECRETS: RestoreSecrets = { has: () => false, values: () => ({}) };
