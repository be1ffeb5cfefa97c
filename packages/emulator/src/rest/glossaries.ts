/**
 * Business glossaries (`/api/v1/glossaries…`), API-FACTS §6.17; shapes from the 2025 spec
 * (`glossary`, `category`, `term`, `termLinksTo`, `exportGlossary`, `qlikGlossary`) and
 * @qlik/api 2.19 `glossaries.d.ts` (error codes `BG-n`).
 *
 * - Who: a glossary in a space is visible to whoever sees the space; a personal one (no
 *   `spaceId`) only to its owner (UNCONFIRMED whether a tenant admin sees others' personal
 *   glossaries; the stricter reading). "Only a steward can create a glossary": stewards are
 *   TenantAdmins and users holding a role named `Steward` (UNCONFIRMED how Qlik names it); every
 *   change needs a steward too.
 * - Lists page with `next`/`prev` (`limit` 1..100, default 20).
 * - Rich-text fields (`overview`, `relatedInformation`, `termTemplate.relatedInformation`) must
 *   be JSON arrays in a string (BG-21); two categories with the same name under the same parent
 *   are refused (BG-7).
 * - `GET /{id}/actions/export` answers the whole glossary (`exportGlossary`: categories with
 *   `stewardDetails`, terms with `stewards` as `{userId, email, name}`, `linksTo`, `relatesTo`).
 *   The export has no term `relatedInformation` and no term `status` (the spec's `exportTerm`).
 * - `POST /actions/import?spaceId&lookupUserOnEmail&importerAsFallbackSteward` takes a
 *   `qlikGlossary`: category ids are the document's own (terms' `categories` and categories'
 *   `parentId` refer to them, or to a position in the list), terms' `relatesTo[].termId` refer
 *   to a term's `id` in the document (or its position); everything gets new ids. Stewards are
 *   kept when their `userId` is a user of this tenant, else found by email with
 *   `lookupUserOnEmail`, else the importer with `importerAsFallbackSteward`, else dropped.
 *   A new glossary each time — unless the `glossaryImportUpdatesByName` quirk is on: then the
 *   glossary of the same name in that space is updated (terms matched by name, categories by
 *   name under the same parent). Always 201.
 */
import type { Hono } from "hono";
import { kindsOf, type Glossary, type GlossaryCategory, type GlossaryTerm, type GlossaryTermLink } from "../kinds.ts";
import type { User } from "../model.ts";
import { QlikError, badRequest, forbidden } from "../internal/errors.ts";
import { canSeeSpace } from "../internal/access.ts";
import { newGuid, nowIso } from "../internal/runtime.ts";
import { paginate, parseLimit, readJson, readJsonArray, who, type Ctx, type Env, type RouteDeps } from "./common.ts";

type Json = Record<string, unknown>;

const RELATIONS = ["isA", "hasA", "seeAlso", "synonym", "antonym", "classifies", "other", "replaces", "replacedBy", "hasSubtype", "preferredTerm", "seeInstead", "defines", "definedBy"];
const bg = (status: number, n: number, detail: string): QlikError => new QlikError(status, `BG-${n}`, status === 404 ? "Not Found" : status === 403 ? "Forbidden" : "Bad Request", detail);

const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
function optStr(body: Json, key: string, code: number): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw bg(400, code, `"${key}" must be a string.`);
  return v;
}
function strList(body: Json, key: string, code: number): string[] | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw bg(400, code, `"${key}" must be a list of strings.`);
  return v as string[];
}
/** A rich-text field: empty, or a JSON array in a string (BG-21). */
function richText(v: string | undefined, field: string): string | undefined {
  if (v === undefined || v === "") return v;
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed)) throw bg(400, 21, `${field}: rich text fields must be valid JSON strings in the format [{"type":"paragraph","children":[{"text":"your text here"}]}].`);
  return v;
}

export function registerGlossaries(app: Hono<Env>, { tenant, rt }: RouteDeps): void {
  const store = () => kindsOf(tenant).glossaries;
  const canRead = (c: Ctx, g: Glossary): boolean => {
    if (!g.spaceId) return g.ownerId === who(c).user.id;
    const space = tenant.spaces[g.spaceId];
    return !!space && canSeeSpace(who(c), space);
  };
  const steward = (c: Ctx, what: string): void => {
    const w = who(c);
    if (!w.isTenantAdmin && !w.user.roles.includes("Steward")) throw bg(403, 3, `Only a steward can ${what}.`);
  };
  const find = (c: Ctx): Glossary => {
    const id = c.req.param("id") ?? "";
    const g = store()[id];
    if (!g || !canRead(c, g)) throw bg(404, 8, `Glossary "${id}" was not found.`);
    return g;
  };
  const category = (c: Ctx, g: Glossary): GlossaryCategory => {
    const id = c.req.param("categoryId") ?? "";
    const x = g.categories[id];
    if (!x) throw bg(404, 9, `Category "${id}" was not found in glossary "${g.name}".`);
    return x;
  };
  const term = (c: Ctx, g: Glossary): GlossaryTerm => {
    const id = c.req.param("termId") ?? "";
    const x = g.terms[id];
    if (!x) throw bg(404, 10, `Term "${id}" was not found in glossary "${g.name}".`);
    return x;
  };
  const spaceFor = (c: Ctx, spaceId: string | undefined): string => {
    if (!spaceId) return "";
    const space = tenant.spaces[spaceId];
    if (!space || !canSeeSpace(who(c), space)) throw bg(404, 11, `Space "${spaceId}" was not found.`);
    return spaceId;
  };
  const touch = (c: Ctx, x: { updatedAt: string; updatedBy: string }): void => {
    x.updatedAt = nowIso();
    x.updatedBy = who(c).user.id;
  };

  const glossaryJson = (g: Glossary): Json => ({
    id: g.id,
    name: g.name,
    description: g.description,
    overview: g.overview,
    spaceId: g.spaceId,
    ownerId: g.ownerId,
    tags: g.tags,
    termTemplate: g.termTemplate,
    createdAt: g.createdAt,
    createdBy: g.createdBy,
    updatedAt: g.updatedAt,
    updatedBy: g.updatedBy,
  });
  const categoryJson = (g: Glossary, x: GlossaryCategory): Json => ({
    id: x.id,
    glossaryId: g.id,
    name: x.name,
    description: x.description,
    ...(x.parentId ? { parentId: x.parentId } : {}),
    stewards: x.stewards,
    createdAt: x.createdAt,
    createdBy: x.createdBy,
    updatedAt: x.updatedAt,
    updatedBy: x.updatedBy,
  });
  const linkJson = (x: GlossaryTermLink): Json => {
    const out: Json = { id: x.id, resourceId: x.resourceId, resourceType: x.resourceType, createdAt: x.createdAt, createdBy: x.createdBy };
    for (const k of ["type", "subResourceId", "subResourceName", "subResourceType"] as const) if (x[k] !== undefined) out[k] = x[k];
    if (x.resourceType === "app" && tenant.apps[x.resourceId]) out.resourceSpaceId = tenant.apps[x.resourceId]!.spaceId;
    return out;
  };
  const termJson = (g: Glossary, x: GlossaryTerm): Json => ({
    id: x.id,
    glossaryId: g.id,
    name: x.name,
    abbreviation: x.abbreviation,
    description: x.description,
    relatedInformation: x.relatedInformation,
    tags: x.tags,
    stewards: x.stewards,
    categories: x.categories,
    linksTo: x.links.map(linkJson),
    relatesTo: x.relatesTo,
    revision: x.revision,
    status: x.status,
    createdAt: x.createdAt,
    createdBy: x.createdBy,
    updatedAt: x.updatedAt,
    updatedBy: x.updatedBy,
  });
  const stewardDetail = (id: string): Json => {
    const u = tenant.users[id];
    return { userId: id, ...(u ? { name: u.name, email: u.email } : {}) };
  };
  const exportJson = (g: Glossary): Json => ({
    ...glossaryJson(g),
    categories: Object.values(g.categories).map((x) => ({ id: x.id, name: x.name, description: x.description, ...(x.parentId ? { parentId: x.parentId } : {}), stewardDetails: x.stewards.map(stewardDetail) })),
    terms: Object.values(g.terms).map((x) => ({
      id: x.id,
      name: x.name,
      abbreviation: x.abbreviation,
      description: x.description,
      tags: x.tags,
      categories: x.categories,
      stewards: x.stewards.map(stewardDetail),
      relatesTo: x.relatesTo,
      linksTo: x.links.map((l) => {
        const out: Json = { resourceId: l.resourceId, resourceType: l.resourceType };
        for (const k of ["type", "subResourceId", "subResourceName", "subResourceType"] as const) if (l[k] !== undefined) out[k] = l[k];
        return out;
      }),
    })),
  });

  /** Glossary fields from a create/update body (CreateGlossary). */
  const glossaryFields = (c: Ctx, body: Json, g: Glossary): void => {
    const name = optStr(body, "name", 11);
    if (!name?.trim()) throw bg(400, 6, "A glossary name is required.");
    g.name = name;
    g.description = optStr(body, "description", 11) ?? "";
    g.overview = richText(optStr(body, "overview", 11), "overview") ?? "";
    g.tags = strList(body, "tags", 11) ?? [];
    const tt = body.termTemplate;
    if (tt !== undefined && !isObj(tt)) throw bg(400, 11, "termTemplate must be an object.");
    g.termTemplate = tt ? { ...(typeof tt.relatedInformation === "string" ? { relatedInformation: richText(tt.relatedInformation, "termTemplate.relatedInformation")! } : {}) } : {};
    if ("spaceId" in body) g.spaceId = spaceFor(c, optStr(body, "spaceId", 11));
  };
  const newGlossary = (c: Ctx): Glossary => {
    const t = nowIso();
    const me = who(c).user.id;
    return { id: newGuid(), name: "", description: "", overview: "", spaceId: "", ownerId: me, tags: [], termTemplate: {}, categories: {}, terms: {}, createdAt: t, createdBy: me, updatedAt: t, updatedBy: me };
  };
  const knownUsers = (ids: string[]): string[] => ids.filter((id) => tenant.users[id]);
  const categoryFields = (g: Glossary, body: Json, x: GlossaryCategory): void => {
    const name = optStr(body, "name", 12);
    if (!name?.trim()) throw bg(400, 12, "A category name is required.");
    const parentId = optStr(body, "parentId", 12) || undefined;
    if (parentId && (!g.categories[parentId] || parentId === x.id)) throw bg(400, 12, `parentId "${parentId}" is not a category of glossary "${g.name}".`);
    if (Object.values(g.categories).some((o) => o.id !== x.id && o.name === name && (o.parentId ?? "") === (parentId ?? ""))) throw bg(400, 7, `Two categories with the same name ("${name}") cannot have the same parent.`);
    x.name = name;
    x.parentId = parentId;
    x.description = optStr(body, "description", 12) ?? "";
    x.stewards = knownUsers(strList(body, "stewards", 12) ?? []);
  };
  const linkOf = (c: Ctx, v: unknown): GlossaryTermLink => {
    if (!isObj(v) || typeof v.resourceId !== "string" || !v.resourceId || (v.resourceType !== "app" && v.resourceType !== "dataset")) throw bg(400, 19, "A link needs resourceId and resourceType (app or dataset).");
    const subs = ["subResourceId", "subResourceName", "subResourceType"].filter((k) => v[k] !== undefined);
    if (subs.length !== 0 && subs.length !== 3) throw bg(400, 19, "subResourceType, subResourceId and subResourceName are given together or not at all.");
    if (v.resourceType === "app" && !tenant.apps[v.resourceId]) throw bg(404, 19, `App "${v.resourceId}" was not found.`);
    const l: GlossaryTermLink = { id: newGuid(), resourceId: v.resourceId, resourceType: v.resourceType, createdAt: nowIso(), createdBy: who(c).user.id };
    if (v.type === "definition" || v.type === "related") l.type = v.type;
    if (subs.length === 3) Object.assign(l, { subResourceId: String(v.subResourceId), subResourceName: String(v.subResourceName), subResourceType: v.subResourceType as GlossaryTermLink["subResourceType"] });
    return l;
  };
  const termFields = (c: Ctx, g: Glossary, body: Json, x: GlossaryTerm): void => {
    const name = optStr(body, "name", 13);
    if (!name?.trim()) throw bg(400, 13, "A term name is required.");
    x.name = name;
    x.abbreviation = optStr(body, "abbreviation", 13) ?? "";
    x.description = optStr(body, "description", 13) ?? "";
    x.relatedInformation = richText(optStr(body, "relatedInformation", 13), "relatedInformation") ?? "";
    x.tags = strList(body, "tags", 13) ?? [];
    x.stewards = knownUsers(strList(body, "stewards", 13) ?? []);
    const cats = strList(body, "categories", 13) ?? [];
    for (const id of cats) if (!g.categories[id]) throw bg(400, 13, `Category "${id}" is not in glossary "${g.name}".`);
    x.categories = cats;
    const rel = body.relatesTo ?? [];
    if (!Array.isArray(rel)) throw bg(400, 13, "relatesTo must be a list.");
    x.relatesTo = rel.map((r) => {
      if (!isObj(r) || typeof r.termId !== "string" || !RELATIONS.includes(String(r.type))) throw bg(400, 13, "relatesTo items need termId and a known type.");
      if (!g.terms[r.termId] || r.termId === x.id) throw bg(400, 13, `Related term "${r.termId}" is not another term of glossary "${g.name}".`);
      return { termId: r.termId, type: String(r.type) };
    });
    if (body.linksTo !== undefined) {
      if (!Array.isArray(body.linksTo)) throw bg(400, 13, "linksTo must be a list.");
      const links = body.linksTo.map((l) => linkOf(c, l));
      const keys = links.map((l) => `${l.resourceType}:${l.resourceId}:${l.subResourceId ?? ""}`);
      if (new Set(keys).size !== keys.length) throw bg(400, 20, "Duplicate link definition.");
      x.links = links;
    }
  };
  const newTerm = (c: Ctx): GlossaryTerm => {
    const t = nowIso();
    const me = who(c).user.id;
    return { id: newGuid(), name: "", abbreviation: "", description: "", relatedInformation: "", tags: [], stewards: [], categories: [], relatesTo: [], links: [], revision: 0, status: { type: "draft", updatedAt: t, updatedBy: me }, createdAt: t, createdBy: me, updatedAt: t, updatedBy: me };
  };
  const changed = (): void => rt.changed(tenant);

  // --- glossaries ---
  app.get("/api/v1/glossaries", (c) => {
    const limit = parseLimit(c, 20, 100);
    const sort = c.req.query("sort") ?? "name";
    const m = /^([+-]?)(name|description)$/.exec(sort);
    if (!m) throw bg(400, 11, `sort must be name or description (with + or -), got "${sort}".`);
    const key = m[2] as "name" | "description";
    const all = Object.values(store()).filter((g) => canRead(c, g)).sort((a, b) => (m[1] === "-" ? -1 : 1) * (a[key].localeCompare(b[key]) || a.id.localeCompare(b.id)));
    const { page, links } = paginate(c, all, limit);
    return c.json({ data: page.map(glossaryJson), links, ...(c.req.query("countTotal") === "true" ? { meta: { countTotal: all.length } } : {}) });
  });
  app.post("/api/v1/glossaries", async (c) => {
    steward(c, "create a glossary");
    const g = newGlossary(c);
    glossaryFields(c, await readJson(c), g);
    store()[g.id] = g;
    changed();
    return c.json(glossaryJson(g), 201);
  });
  app.post("/api/v1/glossaries/actions/import", async (c) => {
    steward(c, "import a glossary");
    const ct = (c.req.header("content-type") ?? "").split(";")[0]!.trim();
    if (ct && ct !== "application/json" && ct !== "application/json+qlik") throw bg(400, 4, `Invalid or unsupported Content Type "${ct}"; this emulator reads the qlik format (application/json, application/json+qlik).`);
    const doc = await readJson(c);
    if (!Array.isArray(doc.terms ?? []) || !Array.isArray(doc.categories ?? [])) throw bg(400, 18, "Not detecting proper Qlik format: terms and categories must be lists.");
    const spaceId = spaceFor(c, c.req.query("spaceId"));
    const byEmail = c.req.query("lookupUserOnEmail") === "true";
    const fallback = c.req.query("importerAsFallbackSteward") === "true";
    const me = who(c).user;
    const resolveSteward = (s: unknown): string | undefined => {
      if (typeof s === "string") return tenant.users[s] ? s : undefined;
      if (!isObj(s)) return undefined;
      if (typeof s.userId === "string" && tenant.users[s.userId]) return s.userId;
      if (byEmail && typeof s.email === "string") return Object.values(tenant.users).find((u: User) => u.email.toLowerCase() === String(s.email).toLowerCase())?.id;
      return undefined;
    };
    const stewardsOf = (...lists: unknown[]): string[] => {
      const given = lists.flatMap((l) => (Array.isArray(l) ? l : []));
      const found = [...new Set(given.map(resolveSteward).filter((x): x is string => !!x))];
      return found.length === 0 && fallback ? [me.id] : found;
    };
    let g = spaceId !== undefined && rt.quirks.glossaryImportUpdatesByName ? Object.values(store()).find((x) => x.name === doc.name && x.spaceId === spaceId) : undefined;
    const creating = !g;
    g ??= newGlossary(c);
    const next = structuredClone(g);
    glossaryFields(c, { ...doc, spaceId }, next);
    // Categories: the document's ids (or positions) → this glossary's.
    const cats = ((doc.categories ?? []) as unknown[]).map((x) => (isObj(x) ? x : {}));
    const catIds = new Set(cats.map((x) => x.id).filter((x) => x !== undefined));
    if (catIds.size !== cats.filter((x) => x.id !== undefined).length) throw bg(400, 14, "Two or more categories share Id.");
    const catMap = new Map<string, string>();
    const docCat = (ref: unknown): Json | undefined => cats.find((x) => x.id === ref) ?? (typeof ref === "string" && /^\d+$/.test(ref) ? cats[Number(ref)] : undefined);
    const placed = new Set<Json>();
    const place = (x: Json, depth = 0): string => {
      const key = cats.indexOf(x);
      if (catMap.has(String(key))) return catMap.get(String(key))!;
      if (depth > cats.length) throw bg(400, 12, "Categories' parents form a cycle.");
      const parentDoc = x.parentId !== undefined && x.parentId !== "" ? docCat(x.parentId) : undefined;
      const parentId = parentDoc ? place(parentDoc, depth + 1) : undefined;
      const existing = Object.values(next.categories).find((o) => o.name === x.name && (o.parentId ?? "") === (parentId ?? "") && !placed.has(o as unknown as Json));
      const t = nowIso();
      const cat: GlossaryCategory = existing ?? { id: newGuid(), name: "", description: "", stewards: [], createdAt: t, createdBy: me.id, updatedAt: t, updatedBy: me.id };
      categoryFields(next, { name: x.name, description: x.description, ...(parentId ? { parentId } : {}) }, cat);
      cat.stewards = stewardsOf(x.stewards, x.stewardDetails);
      next.categories[cat.id] = cat;
      placed.add(cat as unknown as Json);
      catMap.set(String(key), cat.id);
      return cat.id;
    };
    for (const x of cats) place(x);
    const catRef = (ref: unknown): string | undefined => {
      const d = docCat(ref);
      return d ? catMap.get(String(cats.indexOf(d))) : undefined;
    };
    // Terms: first all of them (ids), then their relations.
    const terms = ((doc.terms ?? []) as unknown[]).map((x) => (isObj(x) ? x : {}));
    const termIds = terms.map((x) => x.id).filter((x) => x !== undefined);
    if (new Set(termIds).size !== termIds.length) throw bg(400, 15, "Two or more terms share Id.");
    const made: GlossaryTerm[] = [];
    for (const x of terms) {
      if (typeof x.name !== "string" || !x.name.trim()) throw bg(400, 19, "Invalid format in term: a term needs a name.");
      const existing = Object.values(next.terms).find((o) => o.name === x.name);
      const tm = existing ?? newTerm(c);
      termFields(c, next, { name: x.name, abbreviation: x.abbreviation, description: x.description, tags: x.tags, linksTo: x.linksTo ?? [] }, tm);
      tm.categories = (Array.isArray(x.categories) ? x.categories : []).map(catRef).filter((id): id is string => !!id);
      tm.stewards = stewardsOf(x.stewards, x.stewardDetails);
      if (existing) tm.revision++;
      next.terms[tm.id] = tm;
      made.push(tm);
    }
    terms.forEach((x, i) => {
      const rel = Array.isArray(x.relatesTo) ? x.relatesTo : [];
      made[i]!.relatesTo = rel.map((r) => {
        if (!isObj(r) || !RELATIONS.includes(String(r.type))) throw bg(400, 19, "Invalid format in term: relatesTo items need termId and a known type.");
        const j = terms.findIndex((t) => t.id !== undefined && t.id === r.termId);
        const target = j >= 0 ? made[j] : typeof r.termId === "string" && /^\d+$/.test(r.termId) ? made[Number(r.termId)] : undefined;
        if (!target) throw bg(400, 19, `Invalid format in term "${String(x.name)}": relatesTo names "${String(r.termId)}", no term of the document.`);
        return { termId: target.id, type: String(r.type) };
      });
    });
    touch(c, next);
    if (creating) store()[next.id] = next;
    else Object.assign(g, next);
    changed();
    return c.json(glossaryJson(creating ? next : g), 201);
  });
  app.get("/api/v1/glossaries/:id", (c) => c.json(glossaryJson(find(c))));
  app.put("/api/v1/glossaries/:id", async (c) => {
    const g = find(c);
    steward(c, "change a glossary");
    const next = structuredClone(g);
    glossaryFields(c, await readJson(c), next);
    touch(c, next);
    Object.assign(g, next);
    changed();
    return c.json(glossaryJson(g));
  });
  app.patch("/api/v1/glossaries/:id", async (c) => {
    const g = find(c);
    steward(c, "change a glossary");
    const next = structuredClone(g);
    for (const op of await readJsonArray(c)) {
      if (op.op !== "replace") throw bg(400, 11, `op must be replace, got "${String(op.op)}".`);
      const field = String(op.path).replace(/^\//, "");
      if (!["name", "description", "overview"].includes(field) || typeof op.value !== "string") throw bg(400, 11, `path must be /name, /description or /overview with a string value, got "${String(op.path)}".`);
      if (field === "name" && !op.value.trim()) throw bg(400, 6, "A glossary name is required.");
      (next as unknown as Json)[field] = field === "overview" ? richText(op.value, "overview") : op.value;
    }
    touch(c, next);
    Object.assign(g, next);
    changed();
    return c.body(null, 204);
  });
  app.delete("/api/v1/glossaries/:id", (c) => {
    const g = find(c);
    steward(c, "delete a glossary");
    delete store()[g.id];
    changed();
    return c.body(null, 204);
  });
  app.get("/api/v1/glossaries/:id/actions/export", (c) => c.json(exportJson(find(c))));

  // --- categories ---
  app.get("/api/v1/glossaries/:id/categories", (c) => {
    const g = find(c);
    const all = Object.values(g.categories).sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
    const { page, links } = paginate(c, all, parseLimit(c, 20, 100));
    return c.json({ data: page.map((x) => categoryJson(g, x)), links });
  });
  app.post("/api/v1/glossaries/:id/categories", async (c) => {
    const g = find(c);
    steward(c, "create a category");
    const t = nowIso();
    const x: GlossaryCategory = { id: newGuid(), name: "", description: "", stewards: [], createdAt: t, createdBy: who(c).user.id, updatedAt: t, updatedBy: who(c).user.id };
    categoryFields(g, await readJson(c), x);
    g.categories[x.id] = x;
    touch(c, g);
    changed();
    return c.json(categoryJson(g, x), 201);
  });
  app.get("/api/v1/glossaries/:id/categories/:categoryId", (c) => {
    const g = find(c);
    return c.json(categoryJson(g, category(c, g)));
  });
  app.put("/api/v1/glossaries/:id/categories/:categoryId", async (c) => {
    const g = find(c);
    const x = category(c, g);
    steward(c, "change a category");
    const next = structuredClone(x);
    categoryFields(g, await readJson(c), next);
    touch(c, next);
    Object.assign(x, next);
    if (!next.parentId) delete x.parentId;
    changed();
    return c.json(categoryJson(g, x));
  });
  app.delete("/api/v1/glossaries/:id/categories/:categoryId", (c) => {
    const g = find(c);
    const x = category(c, g);
    steward(c, "delete a category");
    if (Object.values(g.categories).some((o) => o.parentId === x.id)) throw bg(400, 12, `Category "${x.name}" has sub-categories; delete or move them first.`);
    delete g.categories[x.id];
    for (const t of Object.values(g.terms)) t.categories = t.categories.filter((id) => id !== x.id);
    changed();
    return c.body(null, 204);
  });

  // --- terms ---
  app.get("/api/v1/glossaries/:id/terms", (c) => {
    const g = find(c);
    const all = Object.values(g.terms).sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
    const { page, links } = paginate(c, all, parseLimit(c, 20, 100));
    return c.json({ data: page.map((x) => termJson(g, x)), links });
  });
  app.post("/api/v1/glossaries/:id/terms", async (c) => {
    const g = find(c);
    steward(c, "create a term");
    const x = newTerm(c);
    termFields(c, g, await readJson(c), x);
    g.terms[x.id] = x;
    changed();
    return c.json(termJson(g, x), 201);
  });
  app.get("/api/v1/glossaries/:id/terms/:termId", (c) => {
    const g = find(c);
    return c.json(termJson(g, term(c, g)));
  });
  app.put("/api/v1/glossaries/:id/terms/:termId", async (c) => {
    const g = find(c);
    const x = term(c, g);
    steward(c, "change a term");
    const next = structuredClone(x);
    termFields(c, g, await readJson(c), next);
    next.revision++;
    touch(c, next);
    Object.assign(x, next);
    changed();
    return c.json(termJson(g, x));
  });
  app.delete("/api/v1/glossaries/:id/terms/:termId", (c) => {
    const g = find(c);
    const x = term(c, g);
    steward(c, "delete a term");
    delete g.terms[x.id];
    for (const t of Object.values(g.terms)) t.relatesTo = t.relatesTo.filter((r) => r.termId !== x.id);
    changed();
    return c.body(null, 204);
  });
  app.post("/api/v1/glossaries/:id/terms/:termId/actions/change-status", (c) => {
    const g = find(c);
    const x = term(c, g);
    steward(c, "change a term's status");
    const status = c.req.query("status");
    if (status !== "draft" && status !== "verified" && status !== "deprecated") throw badRequest("BG-13", `status must be draft, verified or deprecated, got "${status ?? ""}".`);
    x.status = { type: status, updatedAt: nowIso(), updatedBy: who(c).user.id };
    changed();
    return c.json(termJson(g, x));
  });
  app.get("/api/v1/glossaries/:id/terms/:termId/links", (c) => {
    const g = find(c);
    const x = term(c, g);
    const { page, links } = paginate(c, x.links, parseLimit(c, 20, 100));
    return c.json({ data: page.map(linkJson), links });
  });
  app.post("/api/v1/glossaries/:id/terms/:termId/links", async (c) => {
    const g = find(c);
    const x = term(c, g);
    if (!who(c).isTenantAdmin && !who(c).user.roles.includes("Steward") && !canRead(c, g)) throw forbidden("BG-3", "Access denied.");
    const l = linkOf(c, await readJson(c));
    if (x.links.some((o) => o.resourceType === l.resourceType && o.resourceId === l.resourceId && (o.subResourceId ?? "") === (l.subResourceId ?? ""))) throw bg(400, 20, "Duplicate link definition.");
    x.links.push(l);
    changed();
    return c.json(linkJson(l), 201);
  });
}
