import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ResourceKindName } from "@lifeboat/model";
import type { ResourceDecision } from "@lifeboat/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kindForKey, loadSecretsFile, neededSecrets, parseSecrets, permissionWarning, promptSecrets, SecretStore, type SecretKind } from "./secrets.ts";

// Kinds as the engine declares them (only what the secrets file needs of a declaration).
const KINDS: SecretKind[] = [
  { layer: "dataConnections", noun: "data connection", path: "data-connections", def: { secrets: [{ field: "qPassword", label: "password" }] } },
  { layer: "oauthClients", noun: "OAuth client", path: "oauth-clients", def: { secrets: [{ field: "clientSecret", label: "client secret" }] } },
  { layer: "themes", noun: "theme", path: "themes", def: {} },
];
const NAMES = new Map<ResourceKindName, string[]>([
  ["dataConnections", ["Sales DB", "Finance REST", "1234"]],
  ["oauthClients", ["Embed"]],
]);
const PLANTED = "SECRET-test-do-not-print";

describe("secrets file", () => {
  it("takes kinds by layer name, folder or noun; items by name; fields by name or label", () => {
    const { secrets } = parseSecrets(
      `dataConnections:\n  Sales DB:\n    qPassword: ${PLANTED}\n"data connections":\n  Finance REST:\n    password: 0123\nOAuth-Clients:\n  Embed:\n    clientSecret: "x y"\n`,
      "s.yaml",
      KINDS,
      NAMES,
    );
    expect(secrets.has("dataConnections", "Sales DB", "qPassword")).toBe(true);
    expect(secrets.values("dataConnections", "Sales DB")).toEqual({ qPassword: PLANTED });
    // As typed: digits with a leading zero stay a string of digits.
    expect(secrets.values("dataConnections", "Finance REST")).toEqual({ qPassword: "0123" });
    expect(secrets.values("oauthClients", "Embed")).toEqual({ clientSecret: "x y" });
    // A mapping of scalars is given as its JSON (a webhook's header name → value).
    const headers = parseSecrets(`dataConnections:\n  Sales DB:\n    qPassword: { X-Api-Token: ${PLANTED}, X-Other: 12 }\n`, "h.yaml", KINDS, NAMES);
    expect(headers.secrets.values("dataConnections", "Sales DB")).toEqual({ qPassword: JSON.stringify({ "X-Api-Token": PLANTED, "X-Other": "12" }) });
    expect(() => parseSecrets(`dataConnections:\n  Sales DB:\n    qPassword: { a: [1] }\n`, "n.yaml", KINDS, NAMES)).toThrow(/n\.yaml:3: .*no value/);
    expect(secrets.has("dataConnections", "1234", "qPassword")).toBe(false);
    expect(JSON.stringify(secrets)).not.toContain(PLANTED);
    expect(kindForKey("data-connection", KINDS)?.layer).toBe("dataConnections");
    expect(kindForKey("", KINDS)).toBeUndefined();
  });

  it("names the file and line of every problem, lists what exists, and never prints a value", () => {
    const text = [
      "dataConnection:", // 1 (singular noun: fine)
      "  Sales DB:", // 2
      `    qPasword: ${PLANTED}`, // 3 unknown field
      "  Nope:", // 4 unknown item
      `    qPassword: ${PLANTED}`, // 5
      "widgets:", // 6 unknown kind
      "  a: {b: c}", // 7
      "themes:", // 8 no secrets
      "  T: {}", // 9
      "oauthClients:", // 10
      "  Embed:", // 11
      "    clientSecret:", // 12 empty
    ].join("\n");
    let message = "";
    try {
      parseSecrets(text, "s.yaml", KINDS, NAMES);
    } catch (e) {
      message = (e as Error).message;
      expect((e as { code?: string }).code).toBe("usage");
    }
    expect(message).toContain("s.yaml:3: data connection 'Sales DB' has no secret field 'qPasword'; the data connections' secret fields are qPassword (password)");
    expect(message).toContain("s.yaml:4: no data connection 'Nope' in the snapshot; the snapshot has '1234', 'Finance REST', 'Sales DB'");
    expect(message).toContain("s.yaml:6: unknown kind 'widgets'; the kinds with secrets are dataConnections (data connections), oauthClients (OAuth clients)");
    expect(message).toContain("s.yaml:8: themes have no secret fields");
    expect(message).toContain("s.yaml:12: OAuth client 'Embed' client secret: no value");
    expect(message).toContain("nothing was changed");
    expect(message).not.toContain(PLANTED);
  });

  it("reports malformed YAML with its line, without an excerpt of the file", () => {
    const text = `dataConnections:\n  Sales DB:\n    qPassword: ${PLANTED}\n   bad: [\n`;
    let message = "";
    try {
      parseSecrets(text, "bad.yaml", KINDS, NAMES);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^the secrets file is not valid YAML:\n {2}bad\.yaml:\d+: /);
    expect(message).not.toContain(PLANTED);
    expect(() => parseSecrets("- a\n- b\n", "list.yaml", KINDS, NAMES)).toThrow(/list\.yaml:1: a secrets file is a mapping of kind/);
    expect(() => parseSecrets(`dataConnections:\n  Sales DB:\n    qPassword: a\n    password: b\n`, "twice.yaml", KINDS, NAMES)).toThrow(/twice\.yaml:4: .*given twice/);
    expect(() => parseSecrets(`dataConnections:\n  Sales DB: a\n  Sales DB: b\n`, "dup.yaml", KINDS, NAMES)).toThrow(/dup\.yaml:3: .*Map keys must be unique/);
    expect(parseSecrets("", "empty.yaml", KINDS, NAMES).warnings[0]).toMatch(/empty/);
  });

  it("warns when others can read the file", () => {
    expect(permissionWarning("f", 0o100600, "linux")).toBeUndefined();
    expect(permissionWarning("f", 0o100640, "linux")).toMatch(/read by its group .*mode 0640.*chmod 600 f/);
    expect(permissionWarning("f", 0o100644, "linux")).toMatch(/read by every user/);
    expect(permissionWarning("f", 0o100644, "win32")).toBeUndefined();
  });

  describe("on disk", () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "lifeboat-secrets-"));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });
    it("checks the mode and names a missing file", async () => {
      const file = join(dir, "s.yaml");
      await writeFile(file, `dataConnections:\n  Sales DB:\n    qPassword: ${PLANTED}\n`);
      await chmod(file, 0o644);
      const open = await loadSecretsFile(file, KINDS, NAMES);
      expect(open.warnings.join()).toMatch(/chmod 600/);
      await chmod(file, 0o600);
      const ok = await loadSecretsFile(file, KINDS, NAMES);
      expect(ok.warnings).toEqual([]);
      expect(ok.secrets.size).toBe(1);
      await expect(loadSecretsFile(join(dir, "missing.yaml"), KINDS, NAMES)).rejects.toThrow(/missing\.yaml: it does not exist; check the --secrets path/);
    });
  });
});

describe("secrets prompt", () => {
  const decision = (name: string, action: ResourceDecision["action"], given: boolean): ResourceDecision => ({
    layer: "dataConnections",
    sourceId: name,
    name,
    class: "input",
    classReason: "its password is never returned by Qlik",
    action,
    reason: "",
    secrets: [{ field: "qPassword", label: "password", given }],
  });

  it("asks only for secrets of items the restore writes that were not given; Enter skips", async () => {
    const needed = neededSecrets(
      [decision("A", "create", false), decision("B", "update", false), decision("C", "create", true), decision("D", "unchanged", false), decision("E", "reference", false), decision("A", "create", false)],
      KINDS,
    );
    expect(needed.map((n) => n.name)).toEqual(["A", "B"]);
    const store = new SecretStore();
    const questions: string[] = [];
    const answers = [PLANTED, ""];
    const given = await promptSecrets(needed, store, async (q) => {
      questions.push(q);
      return answers.shift()!;
    });
    expect(given).toBe(1);
    expect(questions[0]).toBe("data connection 'A': password (qPassword; input hidden, Enter skips): ");
    expect(store.values("dataConnections", "A")).toEqual({ qPassword: PLANTED });
    expect(store.has("dataConnections", "B", "qPassword")).toBe(false);
  });
});
