import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hostProblem, parseConfig, repositoryFromConfig, resolveTenant } from "./config.ts";
import { resolveRepoOptions } from "./repo-options.ts";

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

describe("malformed host URLs", () => {
  it("accepts a host name or an http(s) URL of a host, as given", () => {
    for (const ok of ["acme.eu.qlikcloud.com", "localhost:8080", "https://acme.eu.qlikcloud.com", "https://acme.eu.qlikcloud.com/", "http://127.0.0.1:41234"]) expect(hostProblem(ok), ok).toBeUndefined();
    expect(resolveTenant({ host: "localhost:8080" }, { QLIK_API_KEY: "k" }, dir).host).toBe("https://localhost:8080");
  });

  it("refuses what is not one instead of rewriting it into another host, and quotes the value as given", () => {
    // Before: 'http//acme.com' became https://http, 'https:/acme.com' became https://https.
    for (const bad of ["http//acme.com", "https:/acme.com", "ftp://acme.com", "https://acme.com/hub", "https://user:pw@acme.com", "acme .com", "https://acme.com?x=1"])
      expect(hostProblem(bad), bad).toBeDefined();
    expect(() => resolveTenant({ host: "http//acme.com" }, { QLIK_API_KEY: "k" }, dir)).toThrow(/^--host 'http\/\/acme.com' is not a host name or an http\(s\) URL/);
    expect(() => resolveTenant({}, { QLIK_HOST: "https:/acme.com", QLIK_API_KEY: "k" }, dir)).toThrow(/^QLIK_HOST 'https:\/acme.com' is not a tenant URL: it must start with https:\/\//);
    expect(() => resolveTenant({ host: "https://acme.com/hub", hostFlag: "--target-host" }, { QLIK_API_KEY: "k" }, dir)).toThrow(/^--target-host 'https:\/\/acme.com\/hub' has a path/);
    writeFileSync(join(dir, "lifeboat.yaml"), "tenants:\n  prod:\n    host: http//acme.com\n    auth: { type: apikey, apiKey: k }\n");
    expect(() => resolveTenant({}, {}, dir)).toThrow(/tenants.prod.host: 'http\/\/acme.com' is not a host name/);
  });
});

describe("repository: in lifeboat.yaml", () => {
  it("a config file with only repository: is valid, and a relative path is relative to the file", () => {
    const { config, issues } = parseConfig("repository: ./backups\n");
    expect(issues).toEqual([]);
    expect(config!.repository).toBe("./backups");
    writeFileSync(join(dir, "lifeboat.yaml"), "repository: ./backups\n");
    expect(repositoryFromConfig({}, {}, dir)).toEqual({ url: join(dir, "backups"), file: join(dir, "lifeboat.yaml") });
    writeFileSync(join(dir, "other.yaml"), "repository: s3:http://127.0.0.1:9000/bucket/prefix\n");
    expect(repositoryFromConfig({ config: "other.yaml" }, {}, dir)?.url).toBe("s3:http://127.0.0.1:9000/bucket/prefix");
    expect(repositoryFromConfig({}, { LIFEBOAT_CONFIG: join(dir, "other.yaml") }, dir)?.url).toBe("s3:http://127.0.0.1:9000/bucket/prefix");
  });

  it("precedence: --repo, then LIFEBOAT_REPOSITORY, then the config file", async () => {
    writeFileSync(join(dir, "lifeboat.yaml"), "repository: /from/config\n");
    const env = { LIFEBOAT_PASSWORD: "pw" };
    expect((await resolveRepoOptions({}, env, dir)).url).toBe("/from/config");
    expect((await resolveRepoOptions({}, { ...env, LIFEBOAT_REPOSITORY: "/from/env" }, dir)).url).toBe("/from/env");
    expect((await resolveRepoOptions({ repo: "/from/flag" }, { ...env, LIFEBOAT_REPOSITORY: "/from/env" }, dir)).url).toBe("/from/flag");
    // The file is not read when it is not needed: a broken one does not stop --repo.
    writeFileSync(join(dir, "lifeboat.yaml"), "repository: [\n");
    expect((await resolveRepoOptions({ repo: "/from/flag" }, env, dir)).url).toBe("/from/flag");
    await expect(resolveRepoOptions({}, env, dir)).rejects.toThrow(/invalid config file/);
  });

  it("a config without tenants still lets QLIK_HOST choose the tenant, and says so when nothing does", () => {
    writeFileSync(join(dir, "lifeboat.yaml"), "repository: ./backups\n");
    expect(resolveTenant({}, { QLIK_HOST: "t.example", QLIK_API_KEY: "k" }, dir).host).toBe("https://t.example");
    expect(() => resolveTenant({}, {}, dir)).toThrow(/no tenant given \(.*lifeboat.yaml names no tenants\)/);
  });
});
