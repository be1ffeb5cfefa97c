import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseConfig, resolveTenant } from "./config.ts";

const good = `
tenants:
  prod:
    host: https://acme.eu.qlikcloud.com
    auth: { type: oauth2, clientId: abc, clientSecretEnv: PROD_SECRET }
  staging:
    host: acme-staging.eu.qlikcloud.com
    auth: { type: apikey, apiKeyEnv: STAGING_KEY }
    tags: [nightly]
`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "lifeboat-config-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("parseConfig", () => {
  it("accepts a valid config", () => {
    const { config, issues } = parseConfig(good);
    expect(issues).toEqual([]);
    expect(Object.keys(config!.tenants)).toEqual(["prod", "staging"]);
  });

  it("reports bad fields with their paths", () => {
    const { config, issues } = parseConfig(`
tenants:
  prod:
    host: "ftp://x"
    auth: { type: oauth2, clientSecret: s }
  bad:
    host: https://x.example
    auth: { type: password }
    extra: 1
`);
    expect(config).toBeUndefined();
    const paths = issues.map((i) => i.path);
    expect(paths).toContain("tenants.prod.host");
    expect(paths).toContain("tenants.prod.auth");
    expect(paths.some((p) => p.startsWith("tenants.bad"))).toBe(true);
    expect(issues.find((i) => i.path === "tenants.prod.auth")!.message).toContain("clientId");
  });

  it("reports malformed YAML with its line", () => {
    const { config, issues } = parseConfig("tenants:\n  prod: [unclosed\n");
    expect(config).toBeUndefined();
    expect(issues[0]!.path).toMatch(/^line \d+/);
    expect(issues[0]!.message).not.toMatch(/:$/);
  });
});

describe("resolveTenant", () => {
  it("resolves a named tenant, reading its secret from the environment", () => {
    writeFileSync(join(dir, "lifeboat.yaml"), good);
    const t = resolveTenant({ tenant: "prod" }, { PROD_SECRET: "s3cret" }, dir);
    expect(t).toEqual({ name: "prod", host: "https://acme.eu.qlikcloud.com", auth: { type: "oauth2", clientId: "abc", clientSecret: "s3cret" }, tags: [] });
    const s = resolveTenant({ tenant: "staging" }, { STAGING_KEY: "k" }, dir);
    expect(s.host).toBe("https://acme-staging.eu.qlikcloud.com");
    expect(s.tags).toEqual(["nightly"]);
  });

  it("names the missing tenant and the known ones", () => {
    writeFileSync(join(dir, "lifeboat.yaml"), good);
    expect(() => resolveTenant({ tenant: "nope" }, {}, dir)).toThrow(/tenant 'nope' is not in .*lifeboat.yaml; known tenants: prod, staging — pass one of them with --tenant, or add 'nope' under tenants: in that file/);
  });

  it("names the unset environment variable", () => {
    writeFileSync(join(dir, "lifeboat.yaml"), good);
    expect(() => resolveTenant({ tenant: "prod" }, {}, dir)).toThrow(/tenants.prod.auth.clientSecretEnv names the environment variable PROD_SECRET, which is not set/);
  });

  it("rejects a malformed config file with field paths", () => {
    writeFileSync(join(dir, "bad.yaml"), "tenants:\n  prod:\n    host: 42\n");
    expect(() => resolveTenant({ config: "bad.yaml", tenant: "prod" }, {}, dir)).toThrow(/invalid config file .*bad.yaml:\n  tenants.prod.host: .*\n  tenants.prod.auth:.*\nfix these fields and run again; the format .* is in docs\/backup.md$/);
  });

  it("uses QLIK_HOST with an API key or OAuth credentials from the environment", () => {
    expect(resolveTenant({}, { QLIK_HOST: "t.example", QLIK_API_KEY: "k" }, dir)).toEqual({ host: "https://t.example", auth: { type: "apikey", apiKey: "k" }, tags: [] });
    expect(resolveTenant({ host: "http://127.0.0.1:9" }, { QLIK_CLIENT_ID: "i", QLIK_CLIENT_SECRET: "s" }, dir).auth).toEqual({ type: "oauth2", clientId: "i", clientSecret: "s" });
    expect(() => resolveTenant({}, { QLIK_HOST: "t.example" }, dir)).toThrow(/no credentials for https:\/\/t.example/);
    expect(() => resolveTenant({}, { QLIK_HOST: "t.example", QLIK_CLIENT_ID: "i" }, dir)).toThrow(/QLIK_CLIENT_SECRET/);
  });

  it("says what to do when no tenant is given", () => {
    expect(() => resolveTenant({}, {}, dir)).toThrow(/no tenant given/);
    expect(() => resolveTenant({ config: "missing.yaml", tenant: "x" }, {}, dir)).toThrow(/does not exist/);
  });
});
