/**
 * The import direction between our packages (docs/architecture.md's table is the rule): a
 * package's source files import only the workspace packages its row allows, and declare each
 * of them in its package.json. Tests are not checked (they may run layers together).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..", "..");

export interface PackageFacts {
  name: string;
  dependencies: string[];
  /** Source files (not tests) → the `@lifeboat/*` packages they import. */
  imports: Map<string, string[]>;
}

/** `package → packages it may import`, from the "may import" column of the table. */
export function allowedFromDoc(markdown: string): Map<string, Set<string>> {
  const rules = new Map<string, Set<string>>();
  for (const line of markdown.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    if (cells.length < 5 || !cells[1]!.startsWith("`packages/")) continue;
    const name = /\(`([^`]+)`\)/.exec(cells[1]!)?.[1];
    if (!name) continue;
    rules.set(name, new Set([...cells[3]!.matchAll(/`(@lifeboat\/[a-z-]+)`/g)].map((m) => m[1]!)));
  }
  return rules;
}

/** Every way a package breaks the rule, one line each (empty: it keeps it). */
export function violations(pkg: PackageFacts, allowed: Map<string, Set<string>>): string[] {
  const may = allowed.get(pkg.name);
  if (!may) return [`${pkg.name} has no row in docs/architecture.md's package table; add one saying what it may import`];
  const out: string[] = [];
  for (const dep of pkg.dependencies)
    if (dep.startsWith("@lifeboat/") && !may.has(dep)) out.push(`${pkg.name} declares ${dep} in package.json, which its row does not allow`);
  for (const [file, imports] of pkg.imports)
    for (const imp of imports) {
      const base = imp.split("/").slice(0, 2).join("/");
      if (base === pkg.name) continue;
      if (!may.has(base)) out.push(`${file} imports ${imp}: ${pkg.name} may not import ${base} (docs/architecture.md)`);
      else if (!pkg.dependencies.includes(base)) out.push(`${file} imports ${imp}, which ${pkg.name}'s package.json does not declare`);
      if (imp.endsWith("/testing")) out.push(`${file} imports ${imp}: test helpers are for tests only`);
    }
  return out;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") && e.name !== "testing.ts" && !e.name.startsWith("testing-")) out.push(p);
  }
  return out;
}

const IMPORT = /(?:from\s+|import\s*\(\s*|import\s+)["'](@lifeboat\/[a-z-]+(?:\/[a-z-]+)?)["']/g;

function factsOf(dir: string): PackageFacts {
  const json = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name: string; dependencies?: Record<string, string> };
  const imports = new Map<string, string[]>();
  for (const file of sourceFiles(join(dir, "src"))) {
    const text = readFileSync(file, "utf8").replace(/^\s*\*.*$/gm, ""); // not the examples in doc comments
    const found = [...text.matchAll(IMPORT)].map((m) => m[1]!);
    if (found.length) imports.set(relative(ROOT, file), found);
  }
  return { name: json.name, dependencies: Object.keys(json.dependencies ?? {}), imports };
}

describe("package layering", () => {
  const allowed = allowedFromDoc(readFileSync(join(ROOT, "docs", "architecture.md"), "utf8"));
  const packages = readdirSync(join(ROOT, "packages"), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => factsOf(join(ROOT, "packages", e.name)));

  it("reads a rule for every package from docs/architecture.md", () => {
    expect(allowed.get("@lifeboat/model")).toEqual(new Set());
    expect(allowed.get("@lifeboat/engine")).toEqual(new Set(["@lifeboat/model", "@lifeboat/kit", "@lifeboat/repository"]));
    expect(allowed.get("@lifeboat/kit")).toEqual(new Set());
    for (const p of packages) expect(allowed.has(p.name), p.name).toBe(true);
  });

  it("every package imports only what its row allows, and declares it", () => {
    expect(packages.flatMap((p) => violations(p, allowed))).toEqual([]);
  });

  it("fails when an import crosses the rule", () => {
    // The engine importing the connector: the direction the table forbids.
    const engine = packages.find((p) => p.name === "@lifeboat/engine")!;
    const crossed: PackageFacts = { ...engine, imports: new Map([...engine.imports, ["packages/engine/src/x.ts", ["@lifeboat/qlik"]]]) };
    expect(violations(crossed, allowed)).toEqual(["packages/engine/src/x.ts imports @lifeboat/qlik: @lifeboat/engine may not import @lifeboat/qlik (docs/architecture.md)"]);
    // An allowed import that package.json does not declare.
    const undeclared: PackageFacts = { ...engine, dependencies: engine.dependencies.filter((d) => d !== "@lifeboat/repository") };
    expect(violations(undeclared, allowed).some((v) => v.includes("does not declare"))).toBe(true);
    // A production file importing test helpers.
    const helpers: PackageFacts = { ...engine, imports: new Map([["packages/engine/src/y.ts", ["@lifeboat/repository/testing"]]]) };
    expect(violations(helpers, allowed)).toEqual(["packages/engine/src/y.ts imports @lifeboat/repository/testing: test helpers are for tests only"]);
  });
});
