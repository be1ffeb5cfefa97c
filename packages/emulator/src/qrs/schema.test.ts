/**
 * Every JSON response of every QRS operation the client-managed site serves validates against
 * its response schema in Qlik's Repository API spec v38.22 (the subset in
 * `spec/qrs-subset.json`, extracted by `spec/extract-qrs.mjs`). Strict: objects that declare
 * properties are closed, formats are checked. A last test checks that every operation of the
 * subset was called.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type EmulatorHandle } from "../server.ts";
import type { SiteHandle } from "./server.ts";

type Json = Record<string, unknown>;
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const spec = JSON.parse(readFileSync(new URL("../../spec/qrs-subset.json", import.meta.url), "utf8")) as {
  paths: Record<string, Record<string, { responses: Record<string, { schema?: unknown }> }>>;
  definitions: Record<string, Json>;
};

/**
 * Where QRS sends what Swagger 2.0 cannot say: `privileges` is `null` unless `?privileges=true`,
 * and an app in no stream has `"stream": null` (help.qlik.com, RepositoryServiceAPI-App-Import-App.htm,
 * sample response).
 */
function nullable(node: Json): Json {
  return { anyOf: [node, { type: "null" }] };
}
for (const def of Object.values(spec.definitions)) {
  const props = def.properties as Record<string, Json> | undefined;
  if (props?.privileges) props.privileges = nullable(props.privileges);
}
for (const name of ["App", "AppCondensed"]) {
  const props = spec.definitions[name]?.properties as Record<string, Json>;
  props.stream = nullable(props.stream as Json);
}

function close(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(close);
  if (!node || typeof node !== "object") return node;
  const o: Json = {};
  for (const [k, v] of Object.entries(node as Json)) {
    if (k === "$ref" && typeof v === "string") o[k] = v.replace("#/definitions/", "qrs#/definitions/");
    else if (k === "properties") o[k] = Object.fromEntries(Object.entries(v as Json).map(([pk, pv]) => [pk, close(pv)]));
    else o[k] = close(v);
  }
  if (o.properties && o.additionalProperties === undefined) o.additionalProperties = false;
  return o;
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
addFormats(ajv);
for (const f of ["int32", "int64", "file-size", "bit-mask"]) ajv.addFormat(f, true);
ajv.addSchema({ $id: "qrs", definitions: close(spec.definitions) });

const templates = Object.keys(spec.paths).map((t) => ({ t, re: new RegExp(`^${t.replace(/\{[^}]+\}/g, "[^/]+")}$`), literal: !t.includes("{") }));
// Literal paths (/app/full) win over templated ones (/app/{id}).
templates.sort((a, b) => Number(b.literal) - Number(a.literal));

const compiled = new Map<string, ValidateFunction>();
function validatorFor(template: string, method: string, status: number): ValidateFunction | undefined {
  const key = `${method} ${template} ${status}`;
  if (!compiled.has(key)) {
    const schema = spec.paths[template]?.[method]?.responses[String(status)]?.schema;
    if (!schema) return undefined;
    compiled.set(key, ajv.compile(close(schema) as Json));
  }
  return compiled.get(key);
}

let emu: EmulatorHandle;
let site: SiteHandle;
const XRF = "Abcdefgh12345678";
const called = new Set<string>();
const violations: string[] = [];

async function qrs(method: string, path: string, query = ""): Promise<{ status: number; json: unknown }> {
  const sep = query ? `&${query}` : "";
  const res = await fetch(`${site.host}/${site.virtualProxyPrefix}/qrs${path}?xrfkey=${XRF}${sep}`, { method, headers: { "x-qlik-xrfkey": XRF, [site.headerName]: site.user } });
  const text = await res.text();
  const json = res.headers.get("content-type")?.includes("json") ? (JSON.parse(text) as unknown) : text;
  const tpl = templates.find((x) => x.re.test(path))?.t;
  if (!tpl) throw new Error(`${path} matches no operation of the QRS subset`);
  called.add(`${method.toLowerCase()} ${tpl}`);
  const validate = validatorFor(tpl, method.toLowerCase(), res.status);
  if (!validate) violations.push(`${method} ${path}: no response schema for status ${res.status}`);
  else if (!validate(json)) violations.push(`${method} ${path}: ${ajv.errorsText(validate.errors, { separator: "\n  " })}`);
  return { status: res.status, json };
}

beforeAll(async () => {
  emu = await startEmulator({ fixture: "qseow-demo", qix: false });
  site = emu.sites[0] as SiteHandle;
});
afterAll(async () => {
  await emu?.close();
});

describe("QRS responses validate against the Repository API spec", () => {
  it("apps, streams, users, tags, custom properties, objects and the export", async () => {
    const apps = (await qrs("GET", "/app/full")).json as Json[];
    expect(apps.length).toBe(5);
    await qrs("GET", "/app");
    const first = apps[0] as { id: string };
    await qrs("GET", `/app/${first.id}`);
    const objects = (await qrs("GET", "/app/object/full", `filter=${encodeURIComponent(`app.id eq ${first.id}`)}`)).json as Json[];
    expect(objects.length).toBeGreaterThan(5);
    await qrs("GET", "/app/object", `filter=${encodeURIComponent("objectType eq 'sheet'")}`);
    await qrs("GET", `/app/object/${String(objects[0]?.id)}`);
    const streams = (await qrs("GET", "/stream/full")).json as Json[];
    await qrs("GET", "/stream");
    await qrs("GET", `/stream/${String(streams[0]?.id)}`);
    const users = (await qrs("GET", "/user/full")).json as Json[];
    await qrs("GET", "/user");
    await qrs("GET", `/user/${String(users[0]?.id)}`);
    await qrs("GET", "/tag/full");
    await qrs("GET", "/custompropertydefinition/full");
    const token = randomUUID();
    const created = await qrs("POST", `/app/${first.id}/export/${token}`, "skipData=true&exportScope=all");
    expect(created.status).toBe(201);
    const cancelled = await qrs("DELETE", `/app/${first.id}/export/${token}`);
    expect(cancelled).toMatchObject({ status: 200, json: { cancelled: true } });
    expect(violations).toEqual([]);
  });

  it("every operation of the subset was called", () => {
    const all = Object.entries(spec.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
    expect(all.filter((op) => !called.has(op))).toEqual([]);
  });
});
