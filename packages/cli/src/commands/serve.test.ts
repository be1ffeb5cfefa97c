/** `lifeboat serve`'s reading of lifeboat.yaml: tenants with their service settings, secrets from the environment, clear refusals. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tenantsFromConfig } from "./serve.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "lifeboat-serve-config-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (text: string) => {
  const file = join(dir, "lifeboat.yaml");
  writeFileSync(file, text);
  return file;
};

describe("lifeboat serve's configuration", () => {
  it("reads the tenants with their service settings; secrets come from the environment; relative paths are the file's", () => {
    const file = write(`
repository: ./repos/shared
tenants:
  prod: { host: acme.eu.qlikcloud.com, auth: { type: oauth2, clientId: abc, clientSecretEnv: PROD_SECRET } }
  staging: { host: https://staging.example.com, auth: { type: apikey, apiKeyEnv: STAGING_KEY } }
service:
  dataDir: ./state
  metricsPublic: false
  tenants:
    prod:
      repository: /backups/prod
      passwordEnv: PROD_REPO_PASSWORD
      schedules: [{ every: day, at: "02:30", timeZone: Europe/Amsterdam }]
      retention: { daily: 7 }
    staging:
      production: false
`);
    const out = tenantsFromConfig(file, { PROD_SECRET: "s3cret", STAGING_KEY: "k3y", PROD_REPO_PASSWORD: "p1", LIFEBOAT_PASSWORD: "p2" });
    expect(out.dataDir).toBe(join(dir, "state"));
    expect(out.metricsPublic).toBe(false);
    expect(out.tenants.prod).toEqual({
      host: "https://acme.eu.qlikcloud.com",
      auth: { type: "oauth2", clientId: "abc", clientSecret: "s3cret" },
      tags: [],
      production: true,
      repository: { url: "/backups/prod", password: "p1" },
      schedules: [{ every: "day", at: "02:30", timeZone: "Europe/Amsterdam" }],
      retention: { daily: 7 },
    });
    expect(out.tenants.staging).toMatchObject({ auth: { type: "apikey", apiKey: "k3y" }, production: false, repository: { url: join(dir, "repos", "shared"), password: "p2" } });
  });

  it("refuses what it cannot use, naming the field and the next step", () => {
    const base = `tenants:\n  prod: { host: acme.eu.qlikcloud.com, auth: { type: apikey, apiKeyEnv: K } }\n`;
    expect(() => tenantsFromConfig(write(base), { K: "k" })).toThrow(/tenant 'prod' has no repository: write repository:/);
    expect(() => tenantsFromConfig(write(`repository: /r\n${base}`), { K: "k" })).toThrow(/needs its password in LIFEBOAT_PASSWORD, which is not set/);
    expect(() => tenantsFromConfig(write(`repository: /r\n${base}service:\n  tenants:\n    other: {}\n`), { K: "k", LIFEBOAT_PASSWORD: "p" })).toThrow(/service\.tenants\.other .* names no tenant of tenants:/);
    expect(() => tenantsFromConfig(write(`repository: /r\n${base}service:\n  tenants:\n    prod: { schedule: [] }\n`), { K: "k", LIFEBOAT_PASSWORD: "p" })).toThrow(/service\.tenants\.prod\.schedule .* is not a setting/);
    expect(() => tenantsFromConfig(write(`repository: /r\n${base}service:\n  port: 80\n`), { K: "k", LIFEBOAT_PASSWORD: "p" })).toThrow(/service\.port .* is not a setting/);
  });
});
