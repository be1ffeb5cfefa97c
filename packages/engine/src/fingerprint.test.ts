import { describe, expect, it } from "vitest";
import { appFingerprint, decideExport, objectsHash, type PreviousCapture } from "./fingerprint.ts";
import type { ObjectRecord } from "@lifeboat/model";

const obj = (id: string, title: string): ObjectRecord => ({
  id,
  type: "sheet",
  genericType: "genericObject",
  title,
  ownerId: "u1",
  ownerSubject: "auth0|u1",
  approved: false,
  published: false,
  propertyTree: { qProperty: { qInfo: { qId: id } }, qChildren: [] },
});

describe("appFingerprint", () => {
  const base = { attributes: { name: "Sales", description: "d", modifiedDate: "2026-01-01", lastReloadTime: "2026-01-01" }, script: "LOAD 1;", objects: [obj("a", "A"), obj("b", "B")], withData: false };
  const fp = appFingerprint(base);

  it("ignores volatile attributes, key order and object order", () => {
    expect(appFingerprint({ ...base, attributes: { description: "d", name: "Sales", modifiedDate: "2027-05-05", lastReloadTime: "2027-05-05" } })).toBe(fp);
    expect(appFingerprint({ ...base, objects: [...base.objects].reverse() })).toBe(fp);
  });

  it("changes with attributes, script, any object, and the data setting", () => {
    expect(appFingerprint({ ...base, attributes: { ...base.attributes, description: "e" } })).not.toBe(fp);
    expect(appFingerprint({ ...base, script: "LOAD 2;" })).not.toBe(fp);
    expect(appFingerprint({ ...base, objects: [obj("a", "A"), obj("b", "B2")] })).not.toBe(fp);
    expect(appFingerprint({ ...base, objects: [obj("a", "A")] })).not.toBe(fp);
    expect(appFingerprint({ ...base, withData: true })).not.toBe(fp);
  });

  it("is the same from the objects or from their stored hash (a run that skipped reading them)", () => {
    const { objects, ...rest } = base;
    expect(appFingerprint({ ...rest, objectsHash: objectsHash(objects) })).toBe(fp);
    expect(appFingerprint({ ...rest, objectsHash: objectsHash([obj("a", "A")]) })).not.toBe(fp);
  });

  it("counts a reload only when exporting with data", () => {
    const withData = { ...base, withData: true };
    expect(appFingerprint({ ...withData, attributes: { ...base.attributes, lastReloadTime: "2027-01-01" } })).not.toBe(appFingerprint(withData));
  });
});

describe("decideExport", () => {
  const qvf = { ref: { id: "blob1", size: 10 }, withData: false, exportedAt: "2026-01-01T00:00:00Z" };
  const previous: PreviousCapture = { fingerprint: "f1", qvf };
  const cases: [string, Parameters<typeof decideExport>[0], boolean, string][] = [
    ["unchanged", { previous, fingerprint: "f1", full: false, withData: false }, false, "unchanged since the previous snapshot"],
    ["--full", { previous, fingerprint: "f1", full: true, withData: false }, true, "--full"],
    ["new app", { fingerprint: "f1", full: false, withData: false }, true, "not in the previous snapshot"],
    ["changed", { previous, fingerprint: "f2", full: false, withData: false }, true, "changed since the previous snapshot"],
    ["no previous export", { previous: { fingerprint: "f1" }, fingerprint: "f1", full: false, withData: false }, true, "has no export"],
    ["data setting differs", { previous, fingerprint: "f1", full: false, withData: true }, true, "without data"],
  ];
  it.each(cases)("%s", (_name, input, exports, reason) => {
    const d = decideExport(input);
    expect(d.export).toBe(exports);
    expect(d.reason).toContain(reason);
    if (!d.export) expect(d.reuse).toBe(qvf);
  });
});
