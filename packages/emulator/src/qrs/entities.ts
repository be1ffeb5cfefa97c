/**
 * The JSON QRS answers with, built from the site model: `…Condensed` shapes in lists and
 * references, full shapes from `/full` and `/{id}`. Field names, `schemaPath` values and the
 * placeholders QRS uses (`privileges: null` unless asked, `publishTime` 1753-01-01 for
 * "never", the zero GUID for no source app) follow the QRS spec v38.22 and the samples on
 * help.qlik.com (RepositoryServiceAPI-App-Import-App.htm) and qlik.dev (seed 002).
 */
import { createHash } from "node:crypto";
import type { AppObject } from "../model.ts";
import { encodeContainer } from "../internal/container.ts";
import { qualifiedName, type QrsCustomPropertyValue, type QrsStream, type QrsUser, type Site, type SiteApp } from "./model.ts";

type Json = Record<string, unknown>;

export const NEVER = "1753-01-01T00:00:00.000Z";
const ZERO_GUID = "00000000-0000-0000-0000-000000000000";
const REPOSITORY = "INTERNAL\\sa_repository";

/** Top-level properties of each entity, for filter and orderby validation. */
export const FIELDS = {
  user: ["id", "createdDate", "modifiedDate", "modifiedByUserName", "customProperties", "userId", "userDirectory", "userDirectoryConnectorName", "name", "roles", "attributes", "inactive", "removedExternally", "blacklisted", "deleteProhibited", "tags", "favorites"],
  stream: ["id", "createdDate", "modifiedDate", "modifiedByUserName", "customProperties", "owner", "name", "tags"],
  app: ["id", "createdDate", "modifiedDate", "modifiedByUserName", "customProperties", "owner", "name", "appId", "publishTime", "published", "tags", "description", "stream", "fileSize", "lastReloadTime", "savedInProductVersion"],
  object: ["id", "createdDate", "modifiedDate", "modifiedByUserName", "owner", "name", "engineObjectId", "app", "contentHash", "engineObjectType", "description", "objectType", "publishTime", "published", "approved", "tags"],
  tag: ["id", "createdDate", "modifiedDate", "name"],
  customPropertyDefinition: ["id", "createdDate", "modifiedDate", "name", "valueType", "choiceValues", "objectTypes", "description"],
} as const;

export function userCondensed(u: QrsUser): Json {
  return { id: u.id, userId: u.userId, userDirectory: u.userDirectory, userDirectoryConnectorName: u.userDirectory, name: u.name, privileges: null };
}

function ownerOf(site: Site, id: string): Json {
  const u = site.users[id];
  return u ? userCondensed(u) : { id, userId: "unknown", userDirectory: "UNKNOWN", name: "", privileges: null };
}

function tags(site: Site, ids: string[]): Json[] {
  return ids.flatMap((id) => {
    const t = site.tags[id];
    return t ? [{ id: t.id, name: t.name, privileges: null }] : [];
  });
}

function customProperties(site: Site, values: QrsCustomPropertyValue[]): Json[] {
  return values.flatMap((v) => {
    const d = site.customPropertyDefinitions[v.definitionId];
    if (!d) return [];
    return [
      {
        id: v.id,
        createdDate: v.createdDate,
        modifiedDate: v.modifiedDate,
        modifiedByUserName: REPOSITORY,
        value: v.value,
        definition: { id: d.id, name: d.name, valueType: d.valueType, choiceValues: d.choiceValues, privileges: null },
        schemaPath: "CustomPropertyValue",
      },
    ];
  });
}

export function userFull(site: Site, u: QrsUser): Json {
  return {
    id: u.id,
    createdDate: u.createdDate,
    modifiedDate: u.modifiedDate,
    modifiedByUserName: REPOSITORY,
    customProperties: customProperties(site, u.customProperties),
    userId: u.userId,
    userDirectory: u.userDirectory,
    userDirectoryConnectorName: u.userDirectory,
    name: u.name,
    roles: u.roles,
    attributes: u.email
      ? [{ id: u.id.replace(/^.{8}/, "a77e0000"), createdDate: u.createdDate, modifiedDate: u.modifiedDate, modifiedByUserName: REPOSITORY, attributeType: "email", attributeValue: u.email, externalId: u.email, schemaPath: "UserAttribute" }]
      : [],
    inactive: u.inactive,
    removedExternally: u.removedExternally,
    blacklisted: u.blacklisted,
    deleteProhibited: false,
    tags: tags(site, u.tagIds),
    favorites: [],
    privileges: null,
    schemaPath: "User",
  };
}

export function streamCondensed(s: QrsStream): Json {
  return { id: s.id, name: s.name, privileges: null };
}

export function streamFull(site: Site, s: QrsStream): Json {
  return {
    id: s.id,
    createdDate: s.createdDate,
    modifiedDate: s.modifiedDate,
    modifiedByUserName: REPOSITORY,
    customProperties: customProperties(site, s.customProperties),
    owner: ownerOf(site, s.ownerId),
    name: s.name,
    tags: tags(site, s.tagIds),
    privileges: null,
    schemaPath: "Stream",
  };
}

function streamRef(site: Site, a: SiteApp): Json | null {
  const s = a.streamId ? site.streams[a.streamId] : undefined;
  return s ? streamCondensed(s) : null;
}

export function appCondensed(site: Site, a: SiteApp): Json {
  return {
    id: a.app.id,
    name: a.app.name,
    appId: "",
    publishTime: a.publishTime ?? NEVER,
    published: a.published,
    stream: streamRef(site, a),
    savedInProductVersion: a.savedInProductVersion,
    migrationHash: createHash("sha1").update(a.app.id).digest("hex"),
    availabilityStatus: 0,
    privileges: null,
  };
}

/** The size of the app's file with data and every object: what QRS reports as `fileSize`. */
export function fileSize(a: SiteApp): number {
  const { itemId: _i, tenantId: _t, ...rest } = a.app;
  return encodeContainer({ app: rest, withData: true }).size;
}

export function appFull(site: Site, a: SiteApp): Json {
  return {
    id: a.app.id,
    createdDate: a.app.createdDate,
    modifiedDate: a.app.modifiedDate,
    modifiedByUserName: qualifiedName(site.users[a.app.ownerId] ?? { userDirectory: "INTERNAL", userId: "sa_repository" }),
    customProperties: customProperties(site, a.customProperties),
    owner: ownerOf(site, a.app.ownerId),
    name: a.app.name,
    appId: "",
    sourceAppId: ZERO_GUID,
    targetAppId: ZERO_GUID,
    publishTime: a.publishTime ?? NEVER,
    published: a.published,
    tags: tags(site, a.tagIds),
    description: a.app.description,
    stream: streamRef(site, a),
    fileSize: fileSize(a),
    lastReloadTime: a.app.lastReloadTime ?? NEVER,
    thumbnail: "",
    savedInProductVersion: a.savedInProductVersion,
    migrationHash: createHash("sha1").update(a.app.id).digest("hex"),
    dynamicColor: "",
    availabilityStatus: 0,
    privileges: null,
    schemaPath: "App",
  };
}

function title(o: AppObject): string {
  const meta = o.properties.qMetaDef as { title?: unknown } | undefined;
  return typeof meta?.title === "string" ? meta.title : "";
}

function description(o: AppObject): string {
  const meta = o.properties.qMetaDef as { description?: unknown } | undefined;
  return typeof meta?.description === "string" ? meta.description : "";
}

/** A hash of the object's content (its properties and children): moves when the object changes. */
function contentHash(o: AppObject): string {
  return createHash("sha256").update(JSON.stringify([o.properties, o.children])).digest("base64").replace(/=+$/, "");
}

export function objectCondensed(o: AppObject, repoId: string): Json {
  return {
    id: repoId,
    name: title(o),
    engineObjectId: o.id,
    contentHash: contentHash(o),
    engineObjectType: o.type,
    description: description(o),
    objectType: o.type,
    publishTime: o.publishTime ?? NEVER,
    published: o.published,
    privileges: null,
  };
}

export function objectFull(site: Site, a: SiteApp, o: AppObject, repoId: string): Json {
  const owner = site.users[o.ownerId];
  return {
    id: repoId,
    createdDate: o.createdDate,
    modifiedDate: o.modifiedDate,
    modifiedByUserName: owner ? qualifiedName(owner) : REPOSITORY,
    owner: ownerOf(site, o.ownerId),
    name: title(o),
    engineObjectId: o.id,
    app: appCondensed(site, a),
    contentHash: contentHash(o),
    size: Buffer.byteLength(JSON.stringify(o.properties)),
    engineObjectType: o.type,
    description: description(o),
    attributes: "",
    objectType: o.type,
    publishTime: o.publishTime ?? NEVER,
    published: o.published,
    approved: o.approved,
    tags: [],
    sourceObject: "",
    draftObject: "",
    privileges: null,
    schemaPath: "App.Object",
  };
}

export function tagFull(t: Site["tags"][string]): Json {
  return { id: t.id, createdDate: t.createdDate, modifiedDate: t.modifiedDate, modifiedByUserName: REPOSITORY, name: t.name, privileges: null, schemaPath: "Tag" };
}

export function customPropertyDefinitionFull(d: Site["customPropertyDefinitions"][string]): Json {
  return {
    id: d.id,
    createdDate: d.createdDate,
    modifiedDate: d.modifiedDate,
    modifiedByUserName: REPOSITORY,
    name: d.name,
    valueType: d.valueType,
    choiceValues: d.choiceValues,
    objectTypes: d.objectTypes,
    description: d.description,
    privileges: null,
    schemaPath: "CustomPropertyDefinition",
  };
}
