/**
 * The knowledge group (API-FACTS §6.17): business glossaries with their categories, terms,
 * stewards, relations and links. No secret (§7).
 *
 * A glossary is stored as Qlik's export completed with what the export lacks (terms'
 * related information and status), its categories named by path and its relations by term
 * name (`@lifeboat/qlik` resources/knowledge.ts): the same glossary compares equal in any
 * tenant. It lives in a space (or is personal) and is found there by name. A restore imports
 * a missing one and brings an existing one back in place; stewards are mapped to the target's
 * users (by id, else Qlik looks them up by email), links to the restored apps. The restoring
 * user owns what it imports: Qlik has no call that sets a glossary's owner.
 */
import { resourceKind } from "../kind.ts";

export const glossaries = resourceKind({
  layer: "glossaries",
  unseen: "other users' personal glossaries (in no space) are shown to their owners only: they are not in this snapshot (UNCONFIRMED whether a tenant admin could list them)",
  noun: "glossary",
  plural: "glossaries",
  path: "glossaries",
  group: "knowledge",
  // Terms link to apps: after the apps, whose new ids the links need.
  phase: "after-apps",
  match: "name-in-space",
  where: "Catalog › Glossaries",
  restoreNote: "nothing to re-enter; the restoring user owns restored glossaries (Qlik cannot set another owner), and links to data sets are not brought back",
  ownerByCreator: "Qlik makes whoever imports or creates a glossary its owner and has no call to change it",
  classify: (r) => {
    const terms = Array.isArray(r.body.terms) ? r.body.terms.length : 0;
    return { class: "direct", reason: `its ${terms} term(s), categories, stewards and links come back through Qlik's import; the restoring user becomes its owner` };
  },
  refs: [
    { path: "categories[].stewardDetails[].userId", to: "user", optional: true },
    { path: "terms[].stewards[].userId", to: "user", optional: true },
    { path: "terms[].stewardDetails[].userId", to: "user", optional: true },
    { path: "terms[].owner[].userId", to: "user", optional: true },
    // Links name apps (and data sets, which no restore maps: those links are left out).
    { path: "terms[].linksTo[].resourceId", to: "app", optional: true },
  ],
  // Qlik's ids and dates; the owner and space are the record's (`ownerId`, `spaceId`).
  volatile: ["id", "createdAt", "createdBy", "updatedAt", "updatedBy", "ownerId", "spaceId", "terms[].id"],
});

export const KNOWLEDGE = [glossaries];
