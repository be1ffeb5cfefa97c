import { describe, expect, it } from "vitest";
import type { ResourceKind } from "./kind.ts";
import { KINDS, kindOf, RESOURCES } from "./registry.ts";

const kinds: readonly ResourceKind[] = KINDS;

describe("the kinds' registry", () => {
  it("has one kind per layer, each either at a root path or nested in an earlier kind", () => {
    expect(new Set(kinds.map((k) => k.layer)).size).toBe(kinds.length);
    kinds.forEach((k, i) => {
      expect(k.path === undefined, `${k.layer}: a path or a parent, not both`).toBe(k.parent !== undefined);
      if (k.parent !== undefined) expect(kinds.findIndex((p) => p.layer === k.parent), `${k.layer}'s parent comes first`).toBeLessThan(i);
    });
    expect(kindOf("apps")?.noun).toBe("app");
    // A layer of a newer snapshot this version does not know.
    expect(kindOf("someLayerOfTheFuture")).toBeUndefined();
    for (const r of RESOURCES) expect(kindOf(r.layer)).toBe(r);
  });

  it("declares its read half consistently: root kinds capture and load, nested kinds read out of their parent", () => {
    for (const k of kinds) {
      if (k.path !== undefined) {
        expect(k.capture, `${k.layer} captures its root entry`).toBeTypeOf("function");
        if (k.index) expect(k.index.load, `${k.layer} loads from the root tree`).toBeTypeOf("function");
      } else {
        expect(k.capture, `${k.layer} is captured with its parent`).toBeUndefined();
        expect(k.index?.childrenOf, `${k.layer} is read out of its parent's items`).toBeTypeOf("function");
        expect(k.index?.entry, `${k.layer} names its entry under the parent item`).toBeTypeOf("string");
      }
    }
    // What diff compares: every kind but the tenant document.
    expect(kinds.filter((k) => k.index).map((k) => k.layer)).toEqual(["users", "groups", "roles", "spaces", "apps", "objects", ...RESOURCES.map((k) => k.layer)]);
  });
});
