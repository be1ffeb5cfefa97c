/**
 * Organisation (API-FACTS §6.16): tags, collections and notes — app-adjacent content Qlik's own
 * restore of a deleted app loses. A tag or collection is stored with its items by app id
 * (`items[].resourceId`, a reference to the app): a restore adds the restored app's catalogue
 * item (the item id differs per tenant), so `--app` re-attaches an app to its tags and
 * collections. The connector: `@lifeboat/qlik` resources/organisation.ts.
 */
import { resourceKind } from "../kind.ts";

const COLLECTION_SET = ["id", "tenantId", "creatorId", "updaterId", "createdAt", "updatedAt", "itemCount", "links", "meta", "full", "items[].id", "items[].name"];
const ITEM_REFS = [{ path: "items[].resourceId", to: "app" as const, optional: true }];

/**
 * Tags: collections of type `public` (qlik.dev/apis/rest/collections: "tags with public"; Qlik
 * Cloud has no tags endpoint of its own). Names are unique in a tenant.
 */
export const tags = resourceKind({
  layer: "tags",
  noun: "tag",
  path: "tags",
  group: "organisation",
  phase: "after-apps",
  match: "name",
  where: "the hub › the item's details › Tags",
  restoreNote: "nothing to re-enter; a tag's creator becomes the restoring user",
  ownerByCreator: "Qlik makes whoever creates a tag its creator and has no call to change it",
  refs: ITEM_REFS,
  volatile: COLLECTION_SET,
  classify: () => ({ class: "direct", reason: "created again and its apps re-tagged by their restored ids" }),
});

/**
 * Collections: `publicgoverned` (published) ones are restored; `private` ones and favourites
 * belong to their user — Qlik's API makes the restoring user the creator of a private
 * collection and creates no favourites — so they are reference only. A backup holds only the
 * private collections and favourites of the user it runs as: other users' are not reachable
 * through Qlik's API.
 */
export const collections = resourceKind({
  layer: "collections",
  unseen: "other users' private collections and favourites are shown to their owners only (API-FACTS §6.16): they are not in this snapshot",
  noun: "collection",
  path: "collections",
  group: "organisation",
  phase: "after-apps",
  match: "name",
  where: "the hub › Collections (as its owner)",
  restoreNote: "private collections and favourites are redone by their owners from the snapshot's list of apps; other users' private collections and favourites are not in a backup",
  ownerByCreator: "Qlik makes whoever creates a collection its creator and has no call to change it",
  refs: ITEM_REFS,
  volatile: COLLECTION_SET,
  classify: (r) =>
    r.body.type === "private" || r.body.type === "favorite"
      ? { class: "reference", reason: `a ${r.body.type === "favorite" ? "favourites list" : "private collection"} belongs to its user and Qlik's API cannot create it for them` }
      : { class: "direct", reason: "created again, its apps added by their restored ids and published" },
});

/** Notes: catalogue items (`resourceType=note`) without a public API to write them. */
export const notes = resourceKind({
  layer: "notes",
  unseen: "notes are shown to their authors only and have no public API beyond the catalogue (API-FACTS §6.16): other users' notes are not in this snapshot",
  noun: "note",
  path: "notes",
  group: "organisation",
  phase: "after-apps",
  match: "id",
  where: "the hub › Notes (as the note's author)",
  restoreNote: "notes are recreated by hand from the snapshot (no public API writes them)",
  volatile: ["id", "tenantId", "createdAt", "updatedAt", "resourceCreatedAt", "resourceUpdatedAt", "itemViews"],
  classify: () => ({ class: "reference", reason: "Qlik has no public API that creates a note" }),
});
