/**
 * Fixture content of the appearance and knowledge kinds that have no fixture elsewhere:
 * brands (with their logo, favicon and styles files) and business glossaries (categories,
 * terms with stewards, relations and links to apps). Themes and extensions are seeded with
 * the other kinds (fixtures-kinds.ts). Neither kind holds a secret (API-FACTS §7).
 */
import { createHash } from "node:crypto";
import type { App, Space, User } from "./model.ts";
import { kindsOf, type Brand, type BrandFileItem, type Glossary, type GlossaryCategory, type GlossaryTerm } from "./kinds.ts";
import type { KindsBuilder } from "./fixtures-kinds.ts";

/** A 1×1 PNG. */
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64");

/** An ICO holding one PNG image (`favIcon`): header, one directory entry, the image. */
function ico(png: Buffer): Buffer {
  const head = Buffer.from([0, 0, 1, 0, 1, 0]);
  const entry = Buffer.alloc(16);
  entry.writeUInt8(1, 0);
  entry.writeUInt8(1, 1);
  entry.writeUInt16LE(1, 4);
  entry.writeUInt16LE(32, 6);
  entry.writeUInt32LE(png.length, 8);
  entry.writeUInt32LE(22, 12);
  return Buffer.concat([head, entry, png]);
}

const rich = (text: string): string => JSON.stringify([{ type: "paragraph", children: [{ text }] }]);

function brandFile(id: BrandFileItem["id"], bytes: Buffer, contentType: string): BrandFileItem {
  return { id, contentType, data: bytes.toString("base64"), eTag: createHash("md5").update(bytes).digest("hex") };
}

function brand(b: KindsBuilder, by: User, f: Pick<Brand, "name" | "description" | "active" | "files">): Brand {
  const t = b.tick(2);
  const x: Brand = { id: b.rng.hex(24), createdAt: t, createdBy: by.id, updatedAt: t, updatedBy: by.id, ...f };
  kindsOf(b.tenant).brands[x.id] = x;
  return x;
}

interface TermSpec {
  name: string;
  abbreviation?: string;
  description?: string;
  categories?: string[];
  stewards?: User[];
  relatesTo?: { term: string; type: string }[];
  apps?: App[];
  status?: GlossaryTerm["status"]["type"];
  relatedInformation?: string;
}

function glossary(
  b: KindsBuilder,
  owner: User,
  space: Space | undefined,
  f: { name: string; description?: string; overview?: string; tags?: string[] },
  categories: { name: string; parent?: string; stewards?: User[] }[],
  terms: TermSpec[],
): Glossary {
  const t = b.tick(5);
  const g: Glossary = {
    id: b.rng.guid(),
    name: f.name,
    description: f.description ?? "",
    overview: f.overview ? rich(f.overview) : "",
    spaceId: space?.id ?? "",
    ownerId: owner.id,
    tags: f.tags ?? [],
    termTemplate: { relatedInformation: rich("Source system:") },
    categories: {},
    terms: {},
    createdAt: t,
    createdBy: owner.id,
    updatedAt: t,
    updatedBy: owner.id,
  };
  const catId = new Map<string, string>();
  for (const c of categories) {
    const x: GlossaryCategory = { id: b.rng.guid(), name: c.name, description: "", stewards: (c.stewards ?? [owner]).map((u) => u.id), createdAt: t, createdBy: owner.id, updatedAt: t, updatedBy: owner.id };
    if (c.parent) x.parentId = catId.get(c.parent)!;
    g.categories[x.id] = x;
    catId.set(c.name, x.id);
  }
  const termId = new Map<string, string>();
  for (const s of terms) {
    const id = b.rng.guid();
    termId.set(s.name, id);
    g.terms[id] = {
      id,
      name: s.name,
      abbreviation: s.abbreviation ?? "",
      description: s.description ?? "",
      relatedInformation: s.relatedInformation ? rich(s.relatedInformation) : "",
      tags: [],
      stewards: (s.stewards ?? [owner]).map((u) => u.id),
      categories: (s.categories ?? []).map((n) => catId.get(n)!),
      relatesTo: [],
      links: (s.apps ?? []).map((a) => ({ id: b.rng.guid(), resourceId: a.id, resourceType: "app" as const, type: "definition" as const, createdAt: t, createdBy: owner.id })),
      revision: 0,
      status: { type: s.status ?? "draft", updatedAt: t, updatedBy: owner.id },
      createdAt: t,
      createdBy: owner.id,
      updatedAt: t,
      updatedBy: owner.id,
    };
  }
  for (const s of terms) g.terms[termId.get(s.name)!]!.relatesTo = (s.relatesTo ?? []).map((r) => ({ termId: termId.get(r.term)!, type: r.type }));
  kindsOf(b.tenant).glossaries[g.id] = g;
  return g;
}

/** The demo fixture's brands (one active) and glossaries (two in spaces, one personal). */
export function demoLookKinds(b: KindsBuilder, users: Record<string, User>, spaces: Record<string, Space>, apps: Record<string, App>): void {
  const { admin, ben, chloe, emma, farid } = users as Record<"admin" | "ben" | "chloe" | "emma" | "farid", User>;
  const styles = Buffer.from(JSON.stringify({ header: { backgroundColor: "#1d3557", color: "#ffffff" }, fontFamily: "Inter, sans-serif" }, null, 2));
  brand(b, admin!, { name: "Acme", description: "Corporate look", active: true, files: [brandFile("logo", PNG, "image/png"), brandFile("favIcon", ico(PNG), "image/x-icon"), brandFile("styles", styles, "application/json")] });
  brand(b, admin!, { name: "Acme winter campaign", description: "", active: false, files: [brandFile("logo", PNG, "image/png")] });

  glossary(
    b,
    ben!,
    spaces["Sales Dev"],
    { name: "Sales glossary", description: "How sales counts", overview: "Terms used in the sales apps.", tags: ["sales"] },
    [{ name: "Revenue", stewards: [ben!, chloe!] }, { name: "Recurring", parent: "Revenue" }, { name: "Pipeline", stewards: [chloe!] }],
    [
      { name: "Annual recurring revenue", abbreviation: "ARR", description: "Yearly value of active subscriptions", categories: ["Recurring"], stewards: [ben!, chloe!], apps: [apps["Sales Overview"]!], status: "verified", relatedInformation: "Finance owns the definition." },
      { name: "Monthly recurring revenue", abbreviation: "MRR", categories: ["Recurring"], relatesTo: [{ term: "Annual recurring revenue", type: "seeAlso" }] },
      { name: "Win rate", description: "Won deals over closed deals", categories: ["Pipeline"], stewards: [chloe!], apps: [apps["Pipeline Analysis"]!] },
    ],
  );
  glossary(
    b,
    admin!,
    spaces.Finance,
    { name: "Finance glossary", description: "", tags: ["finance", "certified"] },
    [{ name: "Profit and loss", stewards: [emma!] }],
    [
      { name: "Gross margin", categories: ["Profit and loss"], stewards: [emma!, farid!], apps: [apps["P&L"]!], status: "verified" },
      { name: "Operating expenses", abbreviation: "OPEX", categories: ["Profit and loss"], stewards: [emma!], status: "deprecated" },
    ],
  );
  glossary(b, emma!, undefined, { name: "Emma's month-end words" }, [], [{ name: "Accrual", description: "Booked before cash moves" }]);
}

/**
 * The generated fixture's brands (`brands`, default 2: the first active) and glossaries
 * (`glossaries`, default one per 100 apps, at least 1), each with 3 categories and 10 terms.
 */
export function generatedLookKinds(b: KindsBuilder, counts: { brands?: number; glossaries?: number }, users: User[], spaces: Space[], apps: App[]): void {
  const r = b.rng;
  const admin = users[0]!;
  const nBrands = counts.brands ?? 2;
  for (let i = 0; i < nBrands; i++) {
    const n = String(i + 1).padStart(4, "0");
    brand(b, admin, { name: `Brand ${n}`, description: "", active: i === 0, files: [brandFile("logo", PNG, "image/png"), ...(i % 2 === 0 ? [brandFile("styles", Buffer.from(`{"brand":"${n}"}`), "application/json")] : [])] });
  }
  const nGloss = counts.glossaries ?? Math.max(1, Math.ceil(apps.length / 100));
  const shared = spaces.filter((s) => s.type === "shared");
  for (let i = 0; i < nGloss; i++) {
    const n = String(i + 1).padStart(4, "0");
    const owner = r.pick(users);
    const space = shared.length && r.next() < 0.8 ? r.pick(shared) : undefined;
    const cats = ["A", "B", "C"].map((x) => ({ name: `Category ${x}`, stewards: [r.pick(users)] }));
    const terms: TermSpec[] = Array.from({ length: 10 }, (_, j) => ({
      name: `Term ${n}-${j + 1}`,
      description: `Definition ${j + 1}`,
      categories: [cats[j % 3]!.name],
      stewards: [r.pick(users)],
      ...(j > 0 ? { relatesTo: [{ term: `Term ${n}-${j}`, type: "seeAlso" }] } : {}),
      ...(apps.length ? { apps: [r.pick(apps)] } : {}),
    }));
    glossary(b, space ? owner : admin, space, { name: `Glossary ${n}` }, cats, terms);
  }
}
