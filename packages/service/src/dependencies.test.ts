/**
 * The service's place in the dependency direction (docs/architecture.md):
 * service → model/kit/repository/engine/jobs; nothing of ours imports service (the CLI's
 * `serve` command excepted: it is the service's edge).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const packagesDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const serviceDir = join(packagesDir, "service");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mts|js|mjs)$/.test(e.name))
    .map((e) => join(e.parentPath, e.name))
    .filter((f) => !f.includes(`${join("node_modules", "")}`));
}

/** Module names a file imports (static, dynamic, require). */
export function importsOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)["']([^"']+)["']/g)) out.push(m[1]!);
  return out;
}

const ALLOWED = ["@lifeboat/model", "@lifeboat/kit", "@lifeboat/repository", "@lifeboat/engine", "@lifeboat/jobs"];

describe("dependency direction of @lifeboat/service", () => {
  it("finds imports the way the checks below rely on", () => {
    expect(importsOf(`import { x } from "@lifeboat/service";\nconst y = await import("@lifeboat/engine");\nimport "side";\nrequire("pg")`)).toEqual([
      "@lifeboat/service",
      "@lifeboat/engine",
      "side",
      "pg",
    ]);
  });

  it("no other package imports the service", () => {
    const offenders: string[] = [];
    for (const pkg of readdirSync(packagesDir)) {
      if (pkg === "service") continue;
      const edge = (f: string) => pkg === "cli" && /[\\/]commands[\\/]serve(\.test)?\.ts$/.test(f);
      const src = join(packagesDir, pkg, "src");
      let files: string[] = [];
      try {
        files = sources(src);
      } catch {
        continue;
      }
      for (const f of files.filter((f) => !edge(f))) {
        const bad = importsOf(readFileSync(f, "utf8")).filter((m) => m === "@lifeboat/service" || m.startsWith("@lifeboat/service/") || m.includes("/service/src"));
        if (bad.length) offenders.push(`${relative(packagesDir, f)} imports ${bad.join(", ")}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it("the service imports only model, kit, repository, engine and jobs of ours (tests: also the emulator), and only what its package.json declares", () => {
    const pkg = JSON.parse(readFileSync(join(serviceDir, "package.json"), "utf8")) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})]);
    const problems: string[] = [];
    // this file is left out: its fixture above names imports on purpose (and made this check fail before it was left out)
    for (const f of sources(join(serviceDir, "src")).filter((f) => !f.endsWith("dependencies.test.ts"))) {
      for (const m of importsOf(readFileSync(f, "utf8"))) {
        if (m.startsWith(".") || m.startsWith("node:") || m === "vitest") continue;
        const name = m.startsWith("@") ? m.split("/").slice(0, 2).join("/") : m.split("/")[0]!;
        const test = f.endsWith(".test.ts") || f.endsWith("testing.ts");
        if (name.startsWith("@lifeboat/") && !ALLOWED.includes(name) && !(test && name === "@lifeboat/emulator")) problems.push(`${relative(serviceDir, f)} imports ${name}: the service may import only ${ALLOWED.join(", ")}`);
        else if (!declared.has(name)) problems.push(`${relative(serviceDir, f)} imports ${name}, which packages/service/package.json does not declare`);
      }
    }
    expect(problems).toEqual([]);
  });
});
