/**
 * The engine's method tables against the QIX schema @qlik/api generates its client from
 * (enigma.js's bundled schema): every method exists on that interface and takes its
 * parameters in the same order, so positional calls land on the right names.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { supportedMethods } from "./index.ts";

interface SchemaMethod {
  In: Array<{ Name: string }>;
}

const require = createRequire(import.meta.url);
const schemaPath = require.resolve("enigma.js/schemas/12.2015.0.json", { paths: [require.resolve("@qlik/api")] });
const schema = JSON.parse(readFileSync(schemaPath, "utf8")) as { structs: Record<string, Record<string, SchemaMethod>> };

describe("method tables", () => {
  const table = supportedMethods();
  for (const [kind, methods] of Object.entries(table)) {
    it(`${kind}: every method is in the QIX schema with the same parameter order`, () => {
      const struct = schema.structs[kind];
      expect(struct, kind).toBeDefined();
      for (const [name, params] of Object.entries(methods)) {
        const def = struct?.[name];
        expect(def, `${kind}.${name}`).toBeDefined();
        expect(params, `${kind}.${name}`).toEqual(def?.In.map((p) => p.Name));
      }
    });
  }

  it("covers the calls Lifeboat and @qlik/api's mixins make", () => {
    expect(Object.keys(table.Doc ?? {})).toEqual(
      expect.arrayContaining(["GetAllInfos", "GetObject", "CreateObject", "CreateSessionObject", "DestroyObject", "DoSave", "GetScript", "SetScript"]),
    );
    expect(Object.keys(table.GenericObject ?? {})).toEqual(
      expect.arrayContaining(["GetLayout", "GetProperties", "SetProperties", "GetFullPropertyTree", "SetFullPropertyTree", "Publish", "UnPublish", "Approve", "UnApprove"]),
    );
  });
});
