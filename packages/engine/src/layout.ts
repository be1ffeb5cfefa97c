/**
 * The snapshot content layout: which tree entries a backup writes and what each
 * stored document holds. docs/snapshot-layout.md describes the same with samples;
 * restore reads through these names and types.
 *
 * ```
 * /                                  root tree
 *   tenant.json                      TenantDoc
 *   users/<userId>.json              UserRecord          meta {id, subject, name, email}
 *   groups.json                      GroupRecord[]
 *   roles.json                       RoleRecord[]
 *   spaces/<spaceId>/                                    meta {id, name, type}
 *     space.json                     SpaceRecord
 *     assignments.json               AssignmentRecord[]
 *   apps/<appId>/                                        meta {id, name, spaceId, spaceType, ownerId}
 *     app.json                       AppDoc
 *     app.qvf                        the exported app (no data unless withData)
 *     script.qvs                     current load script (UTF-8)
 *     script-history.json            ScriptVersionInfo[]
 *     objects/<objectId>.json        ObjectRecord        meta {id, type, title, ownerId, ownerSubject, ...}
 *     object-stamps.json             StampsDoc (when the connector reports object dates; see stamps.ts)
 * ```
 *
 * Entry names are ids made safe by `entryNameForId` (never user-chosen names);
 * names and titles live in `meta`. No secret is ever stored.
 */
import type { AppSummary, CallerInfo, ObjectRecord, SpaceRecord } from "@lifeboat/model";

export const LAYOUT_VERSION = 1;

export const PATHS = {
  tenant: "tenant.json",
  users: "users",
  groups: "groups.json",
  roles: "roles.json",
  spaces: "spaces",
  space: "space.json",
  assignments: "assignments.json",
  apps: "apps",
  app: "app.json",
  qvf: "app.qvf",
  script: "script.qvs",
  scriptHistory: "script-history.json",
  objects: "objects",
  objectStamps: "object-stamps.json",
} as const;

export interface TenantDoc {
  layoutVersion: number;
  host: string;
  /** Who took the backup (no credentials). */
  caller: CallerInfo;
  /** In early snapshots of layout 1 only; no longer written (so an unchanged document dedups): the time is the snapshot's (`snapshot.time`) and the manifest's. */
  capturedAt?: string;
}

export interface AppDoc {
  layoutVersion: number;
  appId: string;
  name: string;
  /** As the items catalogue lists it: item id, space, owner, timestamps. */
  summary: AppSummary;
  /** `GET /apps/{id}` attributes as Qlik returned them. */
  attributes: Record<string, unknown>;
  space?: { id: string; name?: string; type: string };
  owner: { id: string; subject?: string; name?: string };
  /** Publish lineage: a published copy names its source app. */
  lineage: { published: boolean; publishTime?: string; originAppId?: string };
  /** Hash of attributes (minus volatile fields), script and object trees: see fingerprint.ts. */
  fingerprint: string;
  /** Hash of the object records alone (`objectsHash`); absent in snapshots before fingerprint v2. */
  objectsHash?: string;
  /** Whether app.qvf was exported with data. Absent when no export is stored. */
  qvf?: {
    withData: boolean;
    /** When the file was exported (kept when later runs reference it unchanged). */
    exportedAt: string;
    /**
     * In early snapshots of layout 1 only; no longer written (so an unchanged app's document
     * dedups). That a run referenced the file is in its manifest (app item status
     * "unchanged", `previousSnapshot`).
     */
    reusedFrom?: string;
  };
  objectCount: number;
}

/** The object document under apps/<appId>/objects/: the connector's record as is. */
export type ObjectDoc = ObjectRecord;
export type SpaceDoc = SpaceRecord;
