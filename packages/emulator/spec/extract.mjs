// Extracts the operations the emulator serves (and every schema they reference) from Qlik's
// merged REST spec, so the schema-conformance test runs on a clean clone.
// Usage: node packages/emulator/spec/extract.mjs /path/to/qlik-cloud-rest-openapi-2025-01-17.json
import { readFileSync, writeFileSync } from "node:fs";

const src = JSON.parse(readFileSync(process.argv[2], "utf8"));
const PREFIXES = ["/v1/users", "/v1/groups", "/v1/roles", "/v1/spaces", "/v1/items", "/v1/apps", "/v1/temp-contents", "/v1/tenants", "/v1/audits", "/oauth/token", "/v1/data-connections", "/v1/data-credentials", "/v1/reload-tasks", "/v1/webhooks", "/v1/web-integrations", "/v1/csp-origins", "/v1/automations", "/v1/automation-connections", "/v1/themes", "/v1/extensions", "/v1/collections", "/v1/sharing-tasks", "/v1/report-templates", "/v1/data-alerts", "/v1/conditions", "/v1/identity-providers", "/v1/licenses", "/v1/oauth-clients", "/v1/api-keys/configs", "/v1/brands", "/v1/glossaries"];
const paths = {};
for (const [p, ops] of Object.entries(src.paths)) {
  if (PREFIXES.some((x) => p === x || p.startsWith(`${x}/`))) paths[p] = ops;
}
const schemas = {};
const headers = {};
const visit = (node) => {
  if (Array.isArray(node)) return node.forEach(visit);
  if (!node || typeof node !== "object") return;
  for (const [k, v] of Object.entries(node)) {
    if (k === "$ref" && typeof v === "string") {
      const [, kind, name] = /^#\/components\/(schemas|headers)\/(.+)$/.exec(v) ?? [];
      const bag = kind === "schemas" ? schemas : kind === "headers" ? headers : undefined;
      if (bag && name && !(name in bag)) {
        bag[name] = src.components[kind][name];
        visit(bag[name]);
      }
    } else visit(v);
  }
};
visit(paths);
const out = {
  info: { title: "Subset of Qlik Cloud REST OpenAPI (2025-01-17) served by the emulator", source: "qlik-cloud-rest-openapi-2025-01-17.json (countnazgul/qlik-api-definitions, MIT)" },
  paths,
  components: { schemas, headers },
};
writeFileSync(new URL("./qlik-rest-subset.json", import.meta.url), JSON.stringify(out));
console.log(`${Object.keys(paths).length} paths, ${Object.keys(schemas).length} schemas`);
