/**
 * `docs/qlik-surface.md` lists every REST call we make. This checks that each row exists in
 * Qlik's OpenAPI spec (or `operations.tsv`) with the tier the row states, and that the doc
 * and `OPERATIONS` (the table the limiter uses) list the same calls with the same tiers, and
 * that every engine method the QIX table names exists in Qlik's QIX engine spec.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { OPERATIONS, type OperationInfo } from "./operations.ts";

const DOC = fileURLToPath(new URL("../../../docs/qlik-surface.md", import.meta.url));
// Qlik's specs live in the shared folder beside the repository (`../shared/qlik-cloud`).
const SHARED = process.env.LIFEBOAT_QLIK_SPECS ?? fileURLToPath(new URL("../../../../shared/qlik-cloud", import.meta.url));
const SPEC = `${SHARED}/specs/qlik-cloud-rest-openapi-2025-01-17.json`;
const TSV = `${SHARED}/operations.tsv`;
const QIX_SPEC = `${SHARED}/specs/qix-engine-api.json`;

/** `Class.Method` names in the first column of the table under "## QIX". */
function qixMethods(): string[] {
  const text = readFileSync(DOC, "utf8");
  const section = text.split(/^## /m).find((s) => s.startsWith("QIX"));
  if (!section) throw new Error("docs/qlik-surface.md has no '## QIX' section");
  const names = new Set<string>();
  for (const line of section.split("\n")) {
    const first = line.split("|")[1] ?? "";
    if (/^\s*(method|---)/.test(first)) continue;
    // "Doc.GetBookmark / GetMeasure → GetLayout, GetProperties": a bare name takes the class before it.
    let cls = "";
    for (const m of first.matchAll(/\b(?:(Global|Doc|GenericObject|GenericBookmark|GenericMeasure|GenericDimension|GenericVariable|Field|Generic\*)\.)?([A-Z][A-Za-z]+)\b/g)) {
      if (m[1]) cls = m[1];
      if (!cls || m[2] === "qNoData") continue;
      names.add(`${cls === "Generic*" ? "GenericObject" : cls}.${m[2]}`);
    }
  }
  return [...names].sort();
}

interface Row {
  method: string;
  path: string;
  qlikApi: string;
  tier: string;
}

/** Rows of the table under "## REST calls". */
function docRows(): Row[] {
  const text = readFileSync(DOC, "utf8");
  const section = text.split(/^## /m).find((s) => s.startsWith("REST calls"));
  if (!section) throw new Error("docs/qlik-surface.md has no '## REST calls' section");
  const rows: Row[] = [];
  for (const line of section.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    if (cells.length < 7 || !/^(GET|POST|PUT|PATCH|DELETE)$/.test(cells[1] ?? "")) continue;
    rows.push({ method: cells[1] ?? "", path: cells[2] ?? "", qlikApi: cells[3] ?? "", tier: cells[4] ?? "" });
  }
  return rows;
}

/**
 * `analytics.apps.restoreApp` → the method and path template `@qlik/api` 2.19's module
 * (`@qlik/api/analytics/apps.js`) sends for that function; undefined when not found.
 */
function qlikApiModule(name: string): { method: string; path: string } | undefined {
  const parts = name.split(" ")[0]!.split(".");
  const fn = parts.pop();
  if (!fn || parts.length === 0) return undefined;
  const file = fileURLToPath(new URL(`../../../node_modules/@qlik/api/${parts.join("/")}.js`, import.meta.url));
  if (!existsSync(file)) return undefined;
  const m = new RegExp(`async function ${fn}\\([^)]*\\) \\{[^}]*?method: "(\\w+)",\\s*pathTemplate: "([^"]+)"`).exec(readFileSync(file, "utf8"));
  return m ? { method: m[1]!.toUpperCase(), path: m[2]! } : undefined;
}

describe("docs/qlik-surface.md", () => {
  const rows = docRows();

  it("lists exactly the operations the connector's limiter table knows, with the same tiers", () => {
    const fromDoc = rows.map((r) => `${r.method} ${r.path} tier ${r.tier} ${r.qlikApi}`).sort();
    const fromCode = (Object.values(OPERATIONS) as OperationInfo[]).map((o) => `${o.method} ${o.path} tier ${o.tier} ${o.qlikApi}`).sort();
    expect(fromDoc).toEqual(fromCode);
    expect(rows.length).toBeGreaterThan(20);
  });

  it.skipIf(!existsSync(QIX_SPEC))("every engine method in the QIX table exists in Qlik's QIX engine spec", () => {
    const spec = JSON.parse(readFileSync(QIX_SPEC, "utf8")) as { methods: { name: string }[] };
    const known = new Set(spec.methods.map((m) => m.name));
    const named = qixMethods();
    expect(named.length).toBeGreaterThan(20);
    expect(named.filter((n) => !known.has(n))).toEqual([]);
  });

  const haveSources = existsSync(SPEC) && existsSync(TSV);
  it.skipIf(!haveSources)(`every row exists in Qlik's spec or operations.tsv with that tier (reads ${SHARED}; skipped when absent)`, () => {
    const spec = JSON.parse(readFileSync(SPEC, "utf8")) as { paths: Record<string, Record<string, { "x-qlik-tier"?: { tier?: string } }>> };
    const tsv = new Map<string, string>();
    for (const line of readFileSync(TSV, "utf8").split("\n").slice(1)) {
      const [method, path, , tier] = line.split("\t");
      if (method && path && tier) tsv.set(`${method} ${path}`, tier);
    }
    const problems: string[] = [];
    for (const r of rows) {
      const specPath = r.path.replace(/^\/api(?=\/)/, "");
      const op = spec.paths[specPath]?.[r.method.toLowerCase()];
      const specTier = op?.["x-qlik-tier"]?.tier;
      const tsvTier = tsv.get(`${r.method} ${r.path}`);
      if (!op && tsvTier === undefined) {
        // Newer than the 2025 spec: the @qlik/api 2.19 module implementing it is the reference.
        const module = qlikApiModule(r.qlikApi);
        if (!module) problems.push(`${r.method} ${r.path}: in neither the OpenAPI spec, operations.tsv nor @qlik/api (${r.qlikApi})`);
        else if (module.method !== r.method || module.path !== r.path) problems.push(`${r.method} ${r.path}: @qlik/api ${r.qlikApi} calls ${module.method} ${module.path}`);
      }
      const tier = specTier ?? tsvTier;
      if (tier !== undefined && tier !== r.tier) problems.push(`${r.method} ${r.path}: doc says tier ${r.tier}, Qlik says ${tier}`);
      if (tsvTier !== undefined && specTier !== undefined && tsvTier !== specTier) problems.push(`${r.method} ${r.path}: spec tier ${specTier} ≠ operations.tsv ${tsvTier}`);
    }
    expect(problems).toEqual([]);
  });
});

describe("docs/qlik-surface.md, QRS calls", () => {
  const QRS_SPEC = `${SHARED}/specs/qseow-repository-api.json`;
  it.skipIf(!existsSync(QRS_SPEC))("every QRS row exists in the Repository API spec (skipped: the shared specs folder is not beside the repository)", () => {
    const spec = JSON.parse(readFileSync(QRS_SPEC, "utf8")) as { basePath: string; paths: Record<string, Record<string, unknown>> };
    const section = readFileSync(DOC, "utf8").split(/^## /m).find((s) => s.startsWith("QRS calls"));
    if (!section) throw new Error("docs/qlik-surface.md has no '## QRS calls' section");
    const rows = section.split("\n").map((l) => l.split("|").map((c) => c.trim())).filter((c) => /^(GET|POST|PUT|DELETE)$/.test(c[1] ?? "") && (c[2] ?? "").startsWith("/qrs/"));
    expect(rows.length).toBeGreaterThanOrEqual(6);
    for (const [, method, path] of rows) {
      const inSpec = (path ?? "").slice(spec.basePath.length);
      expect(spec.paths[inSpec]?.[(method ?? "").toLowerCase()], `${method} ${path}`).toBeDefined();
    }
  });
});
