/**
 * The appearance group (API-FACTS §6.13, §6.18): themes, extensions and brands. None holds a
 * secret (§7); all come back directly, before the apps whose sheets use them (§9 step 4).
 *
 * - Themes and extensions: the uploaded archive (`archive.zip`) byte for byte, with the model
 *   fields Qlik returns. Matched by name, which a tenant keeps unique (a second upload of one
 *   name is a 409); the `qextFilename` sheets name an extension by is compared and put back
 *   with the archive. The uploader becomes their `userId`: not an owner a restore can give
 *   back, so none is kept.
 * - Brands: name, description, whether it is the active one, and its files (`logo`, `favIcon`,
 *   `styles`) byte for byte. Qlik gives a brand a new id in every tenant: matched by name;
 *   the brand that was active is activated again after its upload.
 */
import { resourceKind } from "../kind.ts";

/** Set by Qlik on every theme and extension (themes.d.ts / extensions.d.ts read-only fields and server-derived ones). */
const ARCHIVE_VOLATILE = ["id", "createdAt", "updateAt", "updatedAt", "userId", "tenantId", "checksum", "migrationState", "file", "bundled", "bundle", "deprecated"];

export const themes = resourceKind({
  layer: "themes",
  noun: "theme",
  path: "themes",
  group: "appearance",
  phase: "before-apps",
  match: "name",
  where: "Management Console › Themes",
  restoreNote: "nothing: themes come back from their archives (owned by the restoring user)",
  classify: () => ({ class: "direct", reason: "its archive is uploaded again byte for byte, with its model fields" }),
  volatile: ARCHIVE_VOLATILE,
  files: ["archive.zip"],
});

export const extensions = resourceKind({
  layer: "extensions",
  noun: "extension",
  path: "extensions",
  group: "appearance",
  phase: "before-apps",
  match: "name",
  where: "Management Console › Extensions",
  restoreNote: "nothing: extensions come back from their archives (owned by the restoring user)",
  classify: () => ({ class: "direct", reason: "its archive is uploaded again byte for byte, with its model fields and qext name (by which sheets find it)" }),
  volatile: ARCHIVE_VOLATILE,
  files: ["archive.zip"],
});

export const brands = resourceKind({
  layer: "brands",
  noun: "brand",
  path: "brands",
  group: "appearance",
  phase: "before-apps",
  match: "name",
  where: "Management Console › Branding",
  restoreNote: "nothing: brands come back with their logo, favicon and styles (the active one activated again)",
  classify: (r) => ({ class: "direct", reason: `its name, description and files come back under a new id${r.body.active === true ? ", and it is activated again (it was the tenant's active brand)" : ""}` }),
  // `files` lists the files with Qlik's eTags and paths: the files themselves are compared.
  volatile: ["id", "createdAt", "createdBy", "updatedAt", "updatedBy", "files"],
  files: ["logo", "favIcon", "styles"],
});

export const APPEARANCE = [themes, extensions, brands];
