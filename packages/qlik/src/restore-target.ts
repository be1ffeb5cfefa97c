/**
 * The engine's `RestoreTarget` over a tenant connection: reads through the client
 * (`TenantClient`), changes through its `writer()` — same limiter, retries, error classes
 * and stats as the backup side.
 *
 * @example
 * const client = createTenantClient({ host, auth });
 * const target = createRestoreTarget(client);
 * const state = await readTargetState(target);
 */
import type { RestoreAppEditor, RestoreTarget } from "@lifeboat/model";
import type { TenantClient } from "./client.ts";
import { QlikApiError } from "./errors.ts";

export function createRestoreTarget(client: TenantClient): RestoreTarget {
  const writer = client.writer();
  const target: RestoreTarget = {
    host: client.host,
    whoAmI: () => client.whoAmI(),
    listUsers: () => client.listUsers(),
    listGroups: () => client.listGroups(),
    listSpaces: () => client.listSpaces(),
    listSpaceAssignments: (spaceId) => client.listSpaceAssignments(spaceId),
    listApps: () => client.listApps(),

    async getApp(appId) {
      try {
        return await client.getAppInfo(appId);
      } catch (e) {
        if (e instanceof QlikApiError && e.kind === "not-found") return undefined;
        throw e;
      }
    },

    findUserBySubject: (subject) => writer.findUserBySubject(subject),
    findSpaceByName: (name) => writer.findSpaceByName(name),
    createUser: (input) => writer.createUser(input),
    createSpace: (input) => writer.createSpace(input),
    createSpaceAssignment: (spaceId, input) => writer.createSpaceAssignment(spaceId, input),
    async updateSpaceOwner(spaceId, ownerId) {
      await writer.updateSpaceOwner(spaceId, ownerId);
    },

    async importApp(input) {
      const { appId } = await writer.importApp({ name: input.name, body: input.body, ...(input.spaceId ? { spaceId: input.spaceId } : {}) });
      return { appId };
    },

    async copyApp(appId, input) {
      const { appId: id } = await writer.copyApp(appId, input);
      if (!id) throw new QlikApiError({ kind: "permanent", operation: "copyApp", host: client.host, object: `app ${appId}`, detail: "the copy answered without an app id" });
      return { appId: id };
    },

    async moveToManagedSpace(appId, input) {
      // POST /apps/{id}/publish with moveApp: the app itself moves and keeps every object's state.
      await writer.publishApp(appId, { spaceId: input.spaceId, moveApp: true, originAppId: input.originAppId });
    },

    moveAppToSpace: (appId, spaceId) => writer.moveAppToSpace(appId, spaceId),
    updateAppOwner: (appId, ownerId) => writer.updateAppOwner(appId, ownerId),
    updateObjectOwner: (appId, objectId, ownerId) => writer.updateObjectOwner(appId, objectId, ownerId),
    deleteApp: (appId) => writer.deleteApp(appId),

    readObjects: (appId) => client.readAppObjects(appId),
    // The stamps only: `unchanged` says "as before", so no object is read.
    readObjectStamps: async (appId) => (client.readAppContent ? (await client.readAppContent(appId, { unchanged: () => true })).stamps : undefined),
    getAppScript: (appId) => client.getAppScript(appId),
    setAppScript: (appId, script, versionMessage) => writer.setAppScript(appId, script, versionMessage),
    listSoftDeletedApps: () => writer.listSoftDeletedApps(),
    async restoreDeletedApp(appId) {
      await writer.restoreDeletedApp(appId);
    },

    resourceKinds: () => client.resourceKinds(),
    listResources: (kind) => client.listResources(kind),
    readResourceFile: (kind, id, file) => client.readResourceFile(kind, id, file),
    createResource: (kind, input) => writer.createResource(kind, input),
    updateResource: (kind, id, input) => writer.updateResource(kind, id, input),

    withApp: (appId, fn) =>
      writer.withApp(appId, (editor) => {
        const ed: RestoreAppEditor = {
          readObjects: () => editor.readObjects(),
          upsertObject: (obj) => editor.upsertObject(obj),
          setState: (id, genericType, state) => editor.setState(id, genericType, state),
          destroyObject: (id, genericType) => editor.destroyObject(id, genericType),
          save: () => editor.save(),
        };
        return fn(ed);
      }),
  };
  return target;
}
