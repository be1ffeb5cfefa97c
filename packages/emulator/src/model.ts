/**
 * The emulator's tenant state: plain data, no I/O. The REST routes (`rest/`) and the
 * QIX engine (`qix/`) both read and change it; fixtures build it; `--state FILE`
 * serialises it as JSON.
 *
 * Shapes follow Qlik's published contracts where clients see them (users, spaces,
 * NxAttributes, qMeta) and stay internal elsewhere.
 */

export type UserStatus = "active" | "invited" | "disabled" | "deleted" | "provisioned";

export interface User {
  id: string;
  tenantId: string;
  subject: string;
  name: string;
  email: string;
  status: UserStatus;
  createdAt: string;
  lastUpdatedAt: string;
  /** Role names, e.g. "TenantAdmin", "Developer". */
  roles: string[];
  /** Group ids. */
  groups: string[];
}

export interface Group {
  id: string;
  tenantId: string;
  name: string;
  description?: string;
  providerType: "idp" | "custom";
  status: "active" | "disabled";
  roles: string[];
  createdAt: string;
  lastUpdatedAt: string;
}

export interface Role {
  id: string;
  tenantId: string;
  name: string;
  description: string;
  type: "default" | "custom";
  level: "admin" | "user";
  assignedScopes: string[];
  createdAt: string;
  lastUpdatedAt: string;
}

export type SpaceType = "shared" | "managed" | "data";

export interface Space {
  id: string;
  tenantId: string;
  name: string;
  description: string;
  type: SpaceType;
  ownerId: string;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
}

export interface SpaceAssignment {
  id: string;
  spaceId: string;
  tenantId: string;
  type: "user" | "group";
  assigneeId: string;
  roles: string[];
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  updatedBy: string;
}

/** Generic types of the engine, as `NxAppObject.attributes.genericType` names them. */
export type GenericType =
  | "genericObject"
  | "genericBookmark"
  | "genericMeasure"
  | "genericDimension"
  | "genericVariable";

/**
 * One object in an app: a sheet, chart, story, master item, bookmark or variable.
 * `properties` is what `GetProperties` returns (with `qInfo` and `qMetaDef`), and
 * `children` are the embedded objects `GetFullPropertyTree` returns beneath it.
 * Ownership and state live here, not inside `properties`, the way the engine keeps them.
 */
export interface AppObject {
  id: string;
  /** `qInfo.qType`: sheet, barchart, story, masterobject, bookmark, measure, dimension, variable, ... */
  type: string;
  genericType: GenericType;
  /** Qlik Cloud user id of the owner. */
  ownerId: string;
  /** Approved objects are base (public) content. */
  approved: boolean;
  /** Published objects are community content. */
  published: boolean;
  publishTime?: string;
  createdDate: string;
  modifiedDate: string;
  properties: Record<string, unknown>;
  children: AppObject[];
  /**
   * Bookmarks only: the selections the engine recorded when the bookmark was created or
   * replaced (`GenericBookmarkLayout.qBookmark`). Not a property: `GetProperties` never
   * returns it and `SetProperties` cannot set it; only `CreateBookmark` / `ReplaceBookmark`
   * take it from the session's current selections (QIX spec: `GenericBookmarkProperties`
   * has no `qBookmark`).
   */
  bookmark?: BookmarkState;
}

/** A bookmark's recorded selections, in the QIX spec's `NxBookmark` shape (the parts the emulator keeps). */
export interface BookmarkState {
  qStateData: { qStateName: string; qFieldItems: Record<string, unknown>[] }[];
  qVariableItems?: { qName: string; qValue: Record<string, unknown>; qDefinition: string }[];
  qUtcModifyTime?: number;
}

export interface ScriptVersion {
  scriptId: string;
  script: string;
  versionMessage: string;
  modifiedTime: string;
  modifierId: string;
}

export interface App {
  id: string;
  tenantId: string;
  name: string;
  description: string;
  ownerId: string;
  /** Undefined means the owner's personal space. */
  spaceId?: string;
  createdDate: string;
  modifiedDate: string;
  lastReloadTime?: string;
  publishTime?: string;
  /** Source app of a published copy. */
  originAppId?: string;
  usage: "ANALYTICS" | "DATA_PREPARATION" | "DATAFLOW_PREP" | "SINGLE_TABLE_PREP" | "DIRECT_QUERY_MODE";
  hasSectionAccess: boolean;
  /** Current script; the newest entry of `scriptHistory` has the same text. */
  script: string;
  scriptHistory: ScriptVersion[];
  /** Media library: path → base64 content. */
  media: Record<string, string>;
  /** Persisted objects (what an export or a fresh OpenDoc sees). */
  objects: Record<string, AppObject>;
  /**
   * The data model's fields and their distinct values (text), for selections: a field can be
   * selected in only when the app has data loaded (`dataModelBytes > 0`) and the session was
   * opened with data. Absent = no fields.
   */
  fields?: Record<string, string[]>;
  /** Size in bytes of the generated data model; its bytes are derived from `dataSeed`. */
  dataModelBytes: number;
  dataSeed: string;
  /** Item id of this app in the catalogue (item id ≠ app id). */
  itemId: string;
}

export interface TempContent {
  id: string;
  filename: string;
  /** Either literal bytes or a generator spec (an app export, produced on the fly). */
  source: { kind: "bytes"; data: Uint8Array } | { kind: "export"; appId: string; snapshot: ExportedApp };
  size: number;
  createdAt: number;
  expiresAt: number;
  ownerId: string;
}

/** What an export captures: the app's persisted state at export time, and whether data is included. */
export interface ExportedApp {
  app: Omit<App, "itemId" | "tenantId">;
  withData: boolean;
}

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
  /** The bot user the client acts as. */
  userId: string;
  scopes: string[];
}

export interface ApiKey {
  id: string;
  token: string;
  userId: string;
}

/** An app in Qlik's soft-delete state (API-FACTS §6.1b): restorable until `purgeAt`. */
export interface DeletedApp {
  app: App;
  deletedAt: string;
  purgeAt: string;
  deletedBy: string;
}

/** One audit event (`GET /api/v1/audits`), e.g. the app deletion lifecycle of §6.1b. */
export interface AuditEvent {
  id: string;
  eventType: string;
  eventTime: string;
  userId: string;
  data: Record<string, unknown>;
  extensions: { ownerId?: string; spaceId?: string; topLevelResourceId?: string };
}

export interface Tenant {
  id: string;
  /** Host name clients use, e.g. "demo.eu.qlikcloud.local"; the emulator routes by port or Host header. */
  hostname: string;
  name: string;
  users: Record<string, User>;
  groups: Record<string, Group>;
  roles: Record<string, Role>;
  spaces: Record<string, Space>;
  assignments: Record<string, SpaceAssignment>;
  apps: Record<string, App>;
  /** Soft-deleted apps by id (optional: state files written before soft delete lack it). */
  deletedApps?: Record<string, DeletedApp>;
  /** Audit events, oldest first (optional, as above). */
  audits?: AuditEvent[];
  tempContents: Record<string, TempContent>;
  oauthClients: Record<string, OAuthClient>;
  apiKeys: Record<string, ApiKey>;
}

/** Who is calling: resolved from a Bearer token. */
export interface Identity {
  tenant: Tenant;
  user: User;
  scopes: string[];
  /** An OAuth client with admin.apps and admin_classic: sees and re-owns private content. */
  isPrivateContentBot: boolean;
  isTenantAdmin: boolean;
}

/**
 * Visibility as in Qlik Cloud: base (approved) and community (published) objects are
 * visible to everyone who can open the app; private objects only to their owner and to a
 * private-content bot. App-level access (space membership) is checked separately.
 */
export function canSeeObject(who: Identity, obj: AppObject): boolean {
  if (obj.approved || obj.published) return true;
  if (who.isPrivateContentBot) return true;
  return obj.ownerId === who.user.id;
}

/** Change-owner is allowed to the object's owner and to a private-content bot only. */
export function canChangeObjectOwner(who: Identity, obj: AppObject): boolean {
  return who.isPrivateContentBot || obj.ownerId === who.user.id;
}

export function emptyTenant(id: string, hostname: string, name: string): Tenant {
  return {
    id,
    hostname,
    name,
    users: {},
    groups: {},
    roles: {},
    spaces: {},
    assignments: {},
    apps: {},
    deletedApps: {},
    audits: [],
    tempContents: {},
    oauthClients: {},
    apiKeys: {},
  };
}
