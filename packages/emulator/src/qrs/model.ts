/**
 * A Qlik Sense Enterprise client-managed (QSEoW) site: what the Qlik Repository Service (QRS)
 * keeps — users as `UserDirectory\UserId`, streams, tags, custom properties, apps with their
 * repository rows for app objects — beside the Cloud tenant model (`../model.ts`).
 *
 * An app's *content* (script, media, objects with their property trees, data model seed) is
 * the Cloud model's `App`, so an export is the same container the Cloud emulator writes and
 * `POST /api/v1/apps/import` reads. In it, `ownerId`s are QRS user ids (GUIDs). The QRS view
 * adds what only the repository knows: stream, publish state, tags, custom properties and a
 * repository id per app object (`AppObject.id` in QRS ≠ `engineObjectId`).
 *
 * Facts: shared/qlik-cloud/client-managed.md (beside the repository); shapes: the QRS spec v38.22
 * (`spec/qrs-subset.json`).
 */
import type { App, ExportedApp } from "../model.ts";

export interface QrsUser {
  /** Repository GUID. */
  id: string;
  userId: string;
  userDirectory: string;
  name: string;
  /** Admin roles, e.g. "RootAdmin", "ContentAdmin". */
  roles: string[];
  email?: string;
  inactive: boolean;
  removedExternally: boolean;
  blacklisted: boolean;
  createdDate: string;
  modifiedDate: string;
  tagIds: string[];
  customProperties: QrsCustomPropertyValue[];
}

export interface QrsStream {
  id: string;
  name: string;
  ownerId: string;
  createdDate: string;
  modifiedDate: string;
  tagIds: string[];
  customProperties: QrsCustomPropertyValue[];
}

export interface QrsTag {
  id: string;
  name: string;
  createdDate: string;
  modifiedDate: string;
}

export interface QrsCustomPropertyDefinition {
  id: string;
  name: string;
  valueType: "Text" | "Number";
  choiceValues: string[];
  /** Resource types it applies to: "App", "Stream", "User", … */
  objectTypes: string[];
  description: string;
  createdDate: string;
  modifiedDate: string;
}

export interface QrsCustomPropertyValue {
  id: string;
  definitionId: string;
  value: string;
  createdDate: string;
  modifiedDate: string;
}

/** What QRS keeps of an app beside its content. */
export interface SiteApp {
  /** The content; `ownerId`s (app and objects) are QRS user ids. `spaceId` is never set. */
  app: App;
  streamId?: string;
  published: boolean;
  /** Unset for an unpublished app (QRS then answers "1753-01-01T00:00:00.000Z"). */
  publishTime?: string;
  tagIds: string[];
  customProperties: QrsCustomPropertyValue[];
  savedInProductVersion: string;
  /** engineObjectId → repository GUID of each top-level object QRS lists (sheets, stories, …). */
  objectRepoIds: Record<string, string>;
}

/** An export waiting for its one download (`/tempcontent/<id>/<file>`). */
export interface SiteExport {
  id: string;
  exportToken: string;
  appId: string;
  filename: string;
  /** QRS user id of the user who started the export: the only one who may download it. */
  ownerId: string;
  snapshot: ExportedApp;
  createdAt: number;
  /** True once downloaded or cancelled: a second download answers 404. */
  consumed: boolean;
}

/**
 * A virtual proxy with header authentication: requests to `/<prefix>/…` are made as the user
 * named in header `headerName`, written `DIRECTORY\userid` (the dynamic user-directory
 * pattern `$ud\$id`).
 */
export interface VirtualProxy {
  prefix: string;
  headerName: string;
}

export interface Site {
  kind: "qseow";
  id: string;
  hostname: string;
  name: string;
  /** The central node's id (`serverNodeId` of download paths). */
  serverNodeId: string;
  users: Record<string, QrsUser>;
  streams: Record<string, QrsStream>;
  tags: Record<string, QrsTag>;
  customPropertyDefinitions: Record<string, QrsCustomPropertyDefinition>;
  apps: Record<string, SiteApp>;
  exports: Record<string, SiteExport>;
  virtualProxies: VirtualProxy[];
  /** QRS user id of the administrator the sandbox hands out (RootAdmin). */
  adminUserId: string;
}

/** `DIRECTORY\userid`, the way QSEoW writes a user. */
export function qualifiedName(u: Pick<QrsUser, "userDirectory" | "userId">): string {
  return `${u.userDirectory}\\${u.userId}`;
}

/** RootAdmin and ContentAdmin see and export every object, private ones included. */
export function isContentAdmin(u: QrsUser): boolean {
  return u.roles.includes("RootAdmin") || u.roles.includes("ContentAdmin");
}

export function emptySite(id: string, hostname: string, name: string, serverNodeId: string): Site {
  return {
    kind: "qseow",
    id,
    hostname,
    name,
    serverNodeId,
    users: {},
    streams: {},
    tags: {},
    customPropertyDefinitions: {},
    apps: {},
    exports: {},
    virtualProxies: [],
    adminUserId: "",
  };
}
