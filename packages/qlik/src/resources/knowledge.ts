/**
 * Business glossaries (API-FACTS §6.17) through `@qlik/api` 2.19's `glossaries` module
 * (`/api/v1/glossaries…`). No secret (§7).
 *
 * Backup: the listing names each glossary; its content is Qlik's own export
 * (`exportGlossary`: categories, terms, stewards, relations, links) plus what that export
 * lacks and the term listing has (`getGlossaryTerms`: each term's `relatedInformation` and
 * `status` — the spec's `exportTerm` has neither). Qlik's ids of categories and terms are new
 * in every tenant (an import assigns them), so inside a stored glossary a category is named by
 * its path (`id` and `parentId` are "Revenue › Recurring"), a term's `categories` by those
 * paths and its `relatesTo[].termId` by the related term's name; categories and terms are
 * sorted, and so are stewards. Two tenants' copies of one glossary then compare equal; `terms[].id` keeps Qlik's
 * id (volatile). The glossary's `updatedAt` is not trusted as a change stamp (whether a term's
 * edit moves it is not documented): every backup reads every glossary (two calls and pages).
 *
 * Restore: a glossary that is not in the target is imported (`importGlossary`, the export's
 * counterpart: the document's own category ids and term ids only link its parts; stewards by
 * `userId`, else by email — `lookupUserOnEmail`), then brought to the snapshot with the
 * CRUD calls the import cannot make (term `relatedInformation`, `status`). One that is there
 * is updated in place (`updateGlossary`, then categories and terms created, replaced or
 * deleted by path and name) — the import is not used on an existing glossary because which
 * glossary it updates is not documented (the emulator's `glossaryImportUpdatesByName` quirk).
 * The importer becomes the owner: no API sets a glossary's owner (`CreateGlossary` has none).
 */
import type { ResourceRecord, ResourceWrite, ResourceWriteResult } from "@lifeboat/model";
import { pages, type TenantCore } from "../client.ts";
import type { ResourceApi } from "./api.ts";

type Json = Record<string, unknown>;
const nc = { noCache: true } as const;

/** Joins a category's path (names from the root). */
export const PATH_SEP = " › ";

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const list = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
const label = (name: string, id?: string): string => `glossary '${name}'${id ? ` (${id})` : ""}`;
const byKey = <T>(key: (x: T) => string) => (a: T, b: T): number => key(a).localeCompare(key(b));

/** Stewards in a stable order (Qlik keeps no meaningful one): by email and name, which a user keeps in every tenant (ids do not). */
const byUser = (v: unknown): Json[] => [...list(v)].sort(byKey((d) => [d.email, d.name, d.userId].map((x) => String(x ?? "")).join("\u0000")));

/** Category paths by Qlik id (a parent that is missing or a cycle ends the path). */
function categoryPaths(cats: Json[]): Map<string, string> {
  const byId = new Map(cats.map((c) => [String(c.id), c]));
  const out = new Map<string, string>();
  const path = (c: Json, depth: number): string => {
    const parent = str(c.parentId) ? byId.get(String(c.parentId)) : undefined;
    return parent && depth < cats.length ? `${path(parent, depth + 1)}${PATH_SEP}${String(c.name)}` : String(c.name);
  };
  for (const c of cats) out.set(String(c.id), path(c, 0));
  return out;
}

/** The stored form of a glossary: its export with ids made tenant-independent (module comment). */
export function toGlossaryBody(exp: Json, terms: Json[]): Json {
  const cats = list(exp.categories);
  const paths = categoryPaths(cats);
  const termName = new Map(list(exp.terms).map((t) => [String(t.id), String(t.name)]));
  const full = new Map(terms.map((t) => [String(t.id), t]));
  const categories = cats
    .map((c) => {
      const out: Json = { ...c, id: paths.get(String(c.id)) };
      if (Array.isArray(c.stewardDetails)) out.stewardDetails = byUser(c.stewardDetails);
      if (str(c.parentId)) out.parentId = paths.get(String(c.parentId)) ?? c.parentId;
      return out;
    })
    .sort(byKey((c) => String(c.id)));
  const outTerms = list(exp.terms)
    .map((t) => {
      const out: Json = { ...t };
      for (const k of ["stewards", "stewardDetails"]) if (Array.isArray(t[k])) out[k] = byUser(t[k]);
      out.categories = strings(t.categories).map((id) => paths.get(id) ?? id).sort();
      out.relatesTo = list(t.relatesTo)
        .map((r): Json => ({ ...r, termId: termName.get(String(r.termId)) ?? r.termId }))
        .sort(byKey((r) => `${String(r.termId)}\u0000${String(r.type)}`));
      const f = full.get(String(t.id));
      if (f) {
        out.relatedInformation = typeof f.relatedInformation === "string" ? f.relatedInformation : "";
        const status = (f.status as Json | undefined)?.type;
        if (typeof status === "string") out.status = status;
      }
      return out;
    })
    .sort(byKey((t) => String(t.name)));
  return { ...exp, categories, terms: outTerms };
}

function toGlossaryRecord(g: Json, body: Json = g): ResourceRecord {
  const id = String(g.id);
  const ownerId = str(g.ownerId);
  const spaceId = str(g.spaceId);
  return { kind: "glossaries", id, name: String(g.name ?? id), ...(ownerId ? { ownerId } : {}), ...(spaceId ? { spaceId } : {}), body };
}

async function allOf(core: TenantCore, op: "getGlossaryTerms" | "getGlossaryCategories", id: string, what: string): Promise<Json[]> {
  const out: Json[] = [];
  const items =
    op === "getGlossaryTerms"
      ? pages(core, op, what, (api) => api.glossaries.getGlossaryTerms(id, { limit: 100 }, nc))
      : pages(core, op, what, (api) => api.glossaries.getGlossaryCategories(id, { limit: 100 }, nc));
  for await (const x of items) out.push(x as Json);
  return out;
}

/** A stored glossary as the import document (`qlikGlossary`): paths and names link its parts. */
export function importDocument(body: Json): Json {
  const doc: Json = {};
  for (const k of ["name", "description", "overview", "tags", "termTemplate"]) if (body[k] !== undefined) doc[k] = body[k];
  doc.categories = list(body.categories).map((c) => {
    const out: Json = { id: c.id, name: c.name };
    if (c.description !== undefined) out.description = c.description;
    if (str(c.parentId)) out.parentId = c.parentId;
    if (Array.isArray(c.stewardDetails)) out.stewardDetails = c.stewardDetails;
    return out;
  });
  doc.terms = list(body.terms).map((t) => {
    const out: Json = { id: t.name, name: t.name };
    for (const k of ["abbreviation", "description", "tags", "categories", "stewards", "relatesTo"]) if (t[k] !== undefined) out[k] = t[k];
    if (t.linksTo !== undefined) out.linksTo = linksOf(t);
    return out;
  });
  return doc;
}

const userIds = (details: unknown): string[] => [...new Set(list(details).map((d) => str(d.userId)).filter((x): x is string => !!x))].sort();
const linkKey = (l: Json): string => [l.resourceType, l.resourceId, l.subResourceType ?? "", l.subResourceId ?? "", l.subResourceName ?? "", l.type ?? ""].map(String).join("\u0000");
const linkWrite = (l: Json): Json => {
  const out: Json = {};
  for (const k of ["resourceId", "resourceType", "type", "subResourceId", "subResourceName", "subResourceType"]) if (l[k] !== undefined) out[k] = l[k];
  return out;
};
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
/** A term's links that name something: a restore leaves out the `resourceId` of an app it could not map (and of every data set). */
const linksOf = (t: Json): Json[] => list(t.linksTo).filter((l) => str(l.resourceId)).map(linkWrite);

/**
 * Brings the categories and terms of the target glossary `id` to the stored `body` (module
 * comment): by category path and term name; returns notes for what could not be put back.
 */
async function reconcile(core: TenantCore, id: string, body: Json): Promise<string[]> {
  const name = String(body.name ?? id);
  const what = label(name, id);
  const notes: string[] = [];
  // Categories, parents first.
  const targetCats = await allOf(core, "getGlossaryCategories", id, what);
  const targetPaths = categoryPaths(targetCats);
  const idOfPath = new Map([...targetPaths].map(([cid, p]) => [p, cid]));
  const catOf = new Map(targetCats.map((c) => [String(c.id), c]));
  const wanted = [...list(body.categories)].sort((a, b) => String(a.id).split(PATH_SEP).length - String(b.id).split(PATH_SEP).length);
  for (const c of wanted) {
    const path = String(c.id);
    const parentId = str(c.parentId) ? idOfPath.get(String(c.parentId)) : undefined;
    const write: Json = { name: c.name, description: typeof c.description === "string" ? c.description : "", stewards: userIds(c.stewardDetails), ...(parentId ? { parentId } : {}) };
    const have = idOfPath.get(path);
    const cwhat = `category '${path}' of ${what}`;
    if (!have) {
      const made = await core.call("createGlossaryCategory", cwhat, (api) => api.glossaries.createGlossaryCategory(id, write as never), { idempotent: false });
      idOfPath.set(path, String((made.data as Json).id));
      continue;
    }
    const cur = catOf.get(have)!;
    if (cur.description !== write.description || !same(strings(cur.stewards).sort(), write.stewards) || (str(cur.parentId) ?? "") !== (parentId ?? ""))
      await core.call("updateGlossaryCategory", cwhat, (api) => api.glossaries.updateGlossaryCategory(id, have, write as never), { idempotent: true });
  }
  // Terms: created first (relations need every term's id), then completed.
  const targetTerms = await allOf(core, "getGlossaryTerms", id, what);
  const termByName = new Map(targetTerms.map((t) => [String(t.name), t]));
  const wantedTerms = list(body.terms);
  for (const t of wantedTerms) {
    if (termByName.has(String(t.name))) continue;
    const made = await core.call("createGlossaryTerm", `term '${String(t.name)}' of ${what}`, (api) => api.glossaries.createGlossaryTerm(id, { name: String(t.name) }), { idempotent: false });
    termByName.set(String(t.name), made.data as Json);
  }
  for (const t of wantedTerms) {
    const cur = termByName.get(String(t.name))!;
    const tid = String(cur.id);
    const twhat = `term '${String(t.name)}' of ${what}`;
    const cats = strings(t.categories).map((p) => idOfPath.get(p)).filter((x): x is string => !!x);
    const relatesTo = list(t.relatesTo)
      .map((r) => ({ termId: termByName.get(String(r.termId))?.id, type: r.type }))
      .filter((r): r is { termId: string; type: unknown } => typeof r.termId === "string");
    const stewards = userIds(t.stewards);
    if (stewards.length < list(t.stewards).length) notes.push(`${twhat}: ${list(t.stewards).length - stewards.length} steward(s) are not users of the target and were left out`);
    const write: Json = {
      name: t.name,
      abbreviation: typeof t.abbreviation === "string" ? t.abbreviation : "",
      description: typeof t.description === "string" ? t.description : "",
      relatedInformation: typeof t.relatedInformation === "string" ? t.relatedInformation : "",
      tags: strings(t.tags),
      stewards,
      categories: cats.sort(),
      relatesTo,
    };
    // A restore maps links to apps only: a data set's link (in the snapshot, its id left out) is
    // never written, and one the target's term has is kept — never removed by a restore.
    const unmapped = list(t.linksTo).length - linksOf(t).length;
    const keptDatasets = list(cur.linksTo).filter((l) => l.resourceType === "dataset" && str(l.resourceId)).map(linkWrite);
    const links = [...linksOf(t).filter((l) => l.resourceType !== "dataset"), ...keptDatasets];
    if (unmapped > keptDatasets.length) notes.push(`${twhat}: ${unmapped - keptDatasets.length} link(s) name an app or data set the target does not have and were left out`);
    const linksDiffer = !same(links.map(linkKey).sort(), list(cur.linksTo).map(linkKey).sort());
    if (linksDiffer) write.linksTo = links;
    const curRel = list(cur.relatesTo).map((r) => `${String(r.termId)}:${String(r.type)}`).sort();
    const differs =
      linksDiffer ||
      ["abbreviation", "description", "relatedInformation"].some((k) => (cur[k] ?? "") !== write[k]) ||
      !same(strings(cur.tags), write.tags) ||
      !same(strings(cur.stewards).sort(), stewards) ||
      !same(strings(cur.categories).sort(), write.categories) ||
      !same(curRel, relatesTo.map((r) => `${r.termId}:${String(r.type)}`).sort());
    if (differs) await core.call("updateGlossaryTerm", twhat, (api) => api.glossaries.updateGlossaryTerm(id, tid, write as never), { idempotent: true });
    const status = t.status;
    if ((status === "draft" || status === "verified" || status === "deprecated") && (cur.status as Json | undefined)?.type !== status)
      await core.call("changeGlossaryTermStatus", twhat, (api) => api.glossaries.changeGlossaryTermStatus(id, tid, { status }), { idempotent: true });
  }
  // What the snapshot does not have: terms, then categories (deepest first).
  const keepTerms = new Set(wantedTerms.map((t) => String(t.name)));
  for (const t of targetTerms) if (!keepTerms.has(String(t.name))) await core.call("deleteGlossaryTerm", `term '${String(t.name)}' of ${what}`, (api) => api.glossaries.deleteGlossaryTerm(id, String(t.id)), { idempotent: true });
  const keepCats = new Set(wanted.map((c) => String(c.id)));
  const extra = [...targetPaths].filter(([, p]) => !keepCats.has(p)).sort((a, b) => b[1].split(PATH_SEP).length - a[1].split(PATH_SEP).length);
  for (const [cid, p] of extra) await core.call("deleteGlossaryCategory", `category '${p}' of ${what}`, (api) => api.glossaries.deleteGlossaryCategory(id, cid), { idempotent: true });
  return notes;
}

/** A note when the glossary's owner is not the snapshot's (only the importer can own a new one). */
const ownerNote = (input: ResourceWrite, owner: unknown, what: string): string[] =>
  input.ownerId && input.ownerId !== owner ? [`${what} is owned by user ${String(owner)}, not ${input.ownerId}: Qlik's glossary API cannot set an owner (the importer owns what it imports)`] : [];

export const glossariesApi: ResourceApi = {
  kind: "glossaries",
  detail: true,

  async *list(core) {
    for await (const g of pages(core, "getGlossaries", "glossaries", (api) => api.glossaries.getGlossaries({ limit: 100 }, nc))) yield toGlossaryRecord(g as Json);
  },

  async get(core, id) {
    const exp = (await core.call("exportGlossary", label(id, id), (api) => api.glossaries.exportGlossary(id, nc))).data as Json;
    const terms = await allOf(core, "getGlossaryTerms", id, label(String(exp.name ?? id), id));
    return toGlossaryRecord(exp, toGlossaryBody(exp, terms));
  },

  async create(core, input): Promise<ResourceWriteResult> {
    const name = String(input.body.name ?? "");
    const query = { lookupUserOnEmail: true, importerAsFallbackSteward: false, ...(input.spaceId ? { spaceId: input.spaceId } : {}) };
    const made = await core.call("importGlossary", label(name), (api) => api.glossaries.importGlossary(query, importDocument(input.body) as never), { idempotent: false });
    const id = String((made.data as Json).id);
    const notes = [...(await reconcile(core, id, input.body)), ...ownerNote(input, (made.data as Json).ownerId, label(name, id))];
    return { id, ...(notes.length ? { notes } : {}) };
  },

  async update(core, id, input): Promise<ResourceWriteResult> {
    const name = String(input.body.name ?? id);
    const write: Json = {};
    for (const k of ["name", "description", "overview", "tags", "termTemplate"]) if (input.body[k] !== undefined) write[k] = input.body[k];
    write.spaceId = input.spaceId ?? "";
    const done = await core.call("updateGlossary", label(name, id), (api) => api.glossaries.updateGlossary(id, write as never), { idempotent: true });
    const notes = [...(await reconcile(core, id, input.body)), ...ownerNote(input, (done.data as Json).ownerId, label(name, id))];
    return { id, ...(notes.length ? { notes } : {}) };
  },
};
