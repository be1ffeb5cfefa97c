/**
 * The data group (API-FACTS §6.6–6.7): data connections and data credentials.
 *
 * - A data connection lives in a space (none: its owner's personal space) and is found in a
 *   target by its name there — Qlik's own migration guide recreates connections "in the same
 *   spaces with the same names" (qlik.dev/manage/migrate/migrate-apps-tenants/); its `qID` is
 *   kept on create (the connector sends it), so apps that name it by id keep working. Each
 *   space's automatic "DataFiles" connection is never captured (the connector skips it): Qlik
 *   makes it with the space.
 * - Its user name, password and connection secret are write-only (§7) and Qlik does not say
 *   whether a connection holds them: a connection without separate credentials names all three,
 *   and the restore asks for what applies.
 * - A data credential is one user's login for a separate-credentials connection: no list, no
 *   create of its own, user name and password never returned (§6.7). Only its user can read
 *   it, and Qlik asks that user for it on first use: reference only.
 */
import type { ResourceRecord } from "@lifeboat/model";
import { resourceKind } from "../kind.ts";

const uses = (r: ResourceRecord, field: string): boolean => r.secrets?.includes(field) ?? false;

export const dataConnections = resourceKind({
  layer: "dataConnections",
  noun: "data connection",
  path: "data-connections",
  group: "data",
  phase: "before-apps",
  match: "name-in-space",
  where: "Management Console › Data connections (or the space's Data load editor)",
  restoreNote: "user names, passwords and connection secrets of data connections (Qlik never returns them)",
  classify: (r) =>
    r.body.qSeparateCredentials === true
      ? { class: "direct", reason: "it uses separate credentials: it holds no secret, each user enters their own login when they first connect" }
      : r.secrets?.length
        ? { class: "input", reason: "Qlik never returns a connection's user name, password or connection secret (nor says whether it has them): give the ones it uses" }
        : { class: "direct", reason: "it holds no secret" },
  secrets: [
    { field: "qUsername", label: "user name", when: (r) => uses(r, "qUsername") },
    { field: "qPassword", label: "password", when: (r) => uses(r, "qPassword") },
    { field: "qConnectionSecret", label: "connection secret", when: (r) => uses(r, "qConnectionSecret") },
  ],
  refs: [
    { path: "space", to: "space" },
    { path: "user", to: "user" },
    // A separate-credentials connection's credential is its creator's: restored without it (each user signs in).
    { path: "qCredentialsID", to: "dataCredentials", optional: true },
  ],
  // Ids (the qID is kept on create where the target allows), dates, the tenant, and the credential (one user's, re-entered on first use).
  volatile: ["qID", "qEngineObjectID", "created", "createdAt", "updated", "tenant", "qCredentialsID", "qReferenceKey"],
});

export const dataCredentials = resourceKind({
  layer: "dataCredentials",
  unseen: "data credentials are per user and Qlik shows each only to its own user (API-FACTS §6.7): other users' credentials are not in this snapshot (they hold only secrets, re-entered by their users at restore)",
  noun: "data credential",
  path: "data-credentials",
  group: "data",
  phase: "before-apps",
  match: "name",
  where: "the data connection, as its user (Qlik asks for the login on first use)",
  restoreNote: "each user's own login (user name and password) for separate-credentials data connections",
  classify: () => ({
    class: "reference",
    reason: "one user's login for a separate-credentials connection: Qlik never returns its user name or password and cannot create it on its own — its user enters it when they first connect",
  }),
  secrets: [
    { field: "qUsername", label: "user name" },
    { field: "qPassword", label: "password" },
  ],
  volatile: ["qID", "created", "updated", "qConnCount", "qReferenceKey"],
});
