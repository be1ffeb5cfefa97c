/**
 * The registry of resource kinds, in manifest order (new kinds go at the end: the order is
 * part of how a manifest is stored, see manifest.ts). Backup, diff, browse and restore
 * iterate it; adding a kind is one line here plus its folder (docs/architecture.md).
 */
import { apps } from "./apps/kind.ts";
import type { ResourceKind } from "./kind.ts";
import { groups } from "./groups/kind.ts";
import { objects } from "./objects/kind.ts";
import { roles } from "./roles/kind.ts";
import { spaces } from "./spaces/kind.ts";
import { tenant } from "./tenant/kind.ts";
import { users } from "./users/kind.ts";
import { RESOURCE_KINDS } from "@lifeboat/model";
import { DECLARED } from "./resources/defs/index.ts";
import type { DeclaredKind } from "./resources/kind.ts";

/** The declared resource kinds (kinds/resources), in `RESOURCE_KINDS` order. */
export const RESOURCES: readonly DeclaredKind[] = RESOURCE_KINDS.flatMap((name) => DECLARED.filter((k) => k.layer === name));

const CORE = [tenant, users, groups, roles, spaces, apps, objects] as const satisfies readonly ResourceKind[];

export const KINDS: readonly [...typeof CORE, ...DeclaredKind[]] = [...CORE, ...RESOURCES];

/** The kind of a layer, or undefined for a layer this version does not know (a newer snapshot's). */
export function kindOf(layer: string): ResourceKind | undefined {
  return KINDS.find((k) => k.layer === layer);
}
