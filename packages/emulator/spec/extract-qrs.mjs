// Extracts the QRS operations the emulator's client-managed site serves (and every definition
// they reference) from Qlik's Repository API spec (Swagger 2.0, v38.22), so the QRS
// schema-conformance test (src/qrs/schema.test.ts) runs on a clean clone.
// Usage: node packages/emulator/spec/extract-qrs.mjs /path/to/qseow-repository-api.json
import { readFileSync, writeFileSync } from "node:fs";

const src = JSON.parse(readFileSync(process.argv[2], "utf8"));
const SERVED = [
  "/app",
  "/app/full",
  "/app/{id}",
  "/app/object",
  "/app/object/full",
  "/app/object/{id}",
  "/app/{id}/export/{token}",
  "/stream",
  "/stream/full",
  "/stream/{id}",
  "/user",
  "/user/full",
  "/user/{id}",
  "/tag/full",
  "/custompropertydefinition/full",
];
const paths = {};
for (const p of SERVED) {
  const ops = src.paths[p];
  if (!ops) throw new Error(`${p} is not in the spec`);
  // Only the methods the emulator serves: reads, and the export's POST/DELETE.
  paths[p] = Object.fromEntries(Object.entries(ops).filter(([m]) => m === "get" || p.endsWith("/export/{token}")));
}
const definitions = {};
const visit = (node) => {
  if (Array.isArray(node)) return node.forEach(visit);
  if (!node || typeof node !== "object") return;
  for (const [k, v] of Object.entries(node)) {
    if (k === "$ref" && typeof v === "string") {
      const name = /^#\/definitions\/(.+)$/.exec(v)?.[1];
      if (name && !(name in definitions)) {
        definitions[name] = src.definitions[name];
        visit(definitions[name]);
      }
    } else visit(v);
  }
};
visit(paths);
const out = {
  info: { title: `Subset of the QSEoW Repository API (${src.info.version}) served by the emulator`, source: "qseow-repository-api.json (countnazgul/qlik-api-definitions, MIT)" },
  basePath: src.basePath,
  paths,
  definitions,
};
writeFileSync(new URL("./qrs-subset.json", import.meta.url), `${JSON.stringify(out)}\n`);
console.log(`${Object.keys(paths).length} paths, ${Object.keys(definitions).length} definitions`);
