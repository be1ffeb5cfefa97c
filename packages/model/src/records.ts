/**
 * The records Lifeboat reads from and writes to a tenant: users, groups, roles, spaces,
 * apps, objects. The connector produces them, the engine stores and restores them.
 *
 * Records carry Qlik's own field names where they exist, so a snapshot stays
 * readable next to Qlik's API reference.
 */

export interface CallerInfo {
  userId: string;
  subject: string;
  name: string;
  /** OAuth client granted admin.apps + admin_classic: sees every user's private content. */
  isPrivateContentBot: boolean;
  /** OAuth: the scopes the token endpoint granted (its response's `scope`). */
  grantedScopes?: string[];
  /** OAuth without the private-content scopes: why (what was asked, granted or refused), for the coverage gap. */
  scopeNote?: string;
}

export interface UserRecord {
  id: string;
  subject: string;
  name?: string;
  email?: string;
  status: string;
  assignedRoles: { id?: string; name: string }[];
  assignedGroups: { id: string; name: string }[];
}

export interface GroupRecord {
  id: string;
  name: string;
  description?: string;
  providerType?: string;
  status?: string;
  assignedRoles: { id?: string; name: string }[];
}

export interface RoleRecord {
  id: string;
  name: string;
  description?: string;
  type: string;
  assignedScopes?: string[];
}

export interface SpaceRecord {
  id: string;
  name: string;
  type: "shared" | "managed" | "data";
  description?: string;
  ownerId: string;
}

export interface AssignmentRecord {
  id: string;
  type: "user" | "group";
  assigneeId: string;
  roles: string[];
}

export type SpaceType = "shared" | "managed" | "personal" | "data";

/** One app as the items catalogue lists it. */
export interface AppSummary {
  appId: string;
  itemId: string;
  name: string;
  /** Undefined for a personal space. */
  spaceId?: string;
  spaceType: SpaceType;
  ownerId: string;
  /** Catalogue timestamps: cheap change hints, not proof of change. */
  updatedAt?: string;
  resourceUpdatedAt?: string;
}

export interface ScriptVersionInfo {
  scriptId: string;
  modifiedTime: string;
  modifierId?: string;
  versionMessage?: string;
  size?: number;
}

/** One engine object with its metadata and full property tree. */
export interface ObjectRecord {
  id: string;
  type: string;
  genericType: "genericObject" | "genericBookmark" | "genericMeasure" | "genericDimension" | "genericVariable";
  title: string;
  ownerId: string;
  /** The owner's identity-provider subject (`qMeta.owner`). */
  ownerSubject: string;
  approved: boolean;
  published: boolean;
  publishTime?: string;
  /** `GetFullPropertyTree` output: `{ qProperty, qChildren, qEmbeddedSnapshotRef }`. */
  propertyTree: unknown;
}

/**
 * What the engine says of one object without reading it: its id and type, the
 * `qMeta.modifiedDate` the engine keeps, and the owner and publish state. A stamp list
 * covers every top-level object `GetAllInfos` lists, sorted by id. Objects without a date
 * (in Qlik Cloud: children such as charts, and system objects such as `LoadModel`) get
 * `modifiedDate: ""` and a `contentHash` of their property tree, or are covered by their
 * parent's `contentHash`.
 */
export interface ObjectStamp {
  id: string;
  type: string;
  modifiedDate: string;
  ownerId: string;
  published: boolean;
  approved: boolean;
  /** Hash of the object's full property tree (children included), when the connector read it for the stamp. */
  contentHash?: string;
}

/** One QIX session's read of an app: see `TenantReader.readAppContent`. */
export interface AppContent {
  /**
   * Stamps of every object, or undefined when the engine did not report a
   * `qMeta.modifiedDate` for each of them (then `objects` is always read).
   */
  stamps?: ObjectStamp[];
  /** Every object; undefined only when `unchanged(stamps)` said the objects are as before. */
  objects?: ObjectRecord[];
  /** The load script (`Doc.GetScript`), when asked for. */
  script?: string;
}

export interface AppExport {
  /** The .qvf bytes, streamed. Consume it once. */
  body: AsyncIterable<Uint8Array>;
  /** Size when the server said it. */
  size?: number;
}
