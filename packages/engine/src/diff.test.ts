import { describe, expect, it } from "vitest";
import { describeObjectChange, phrase } from "./diff.ts";
import { entryNameForId } from "./internal/names.ts";
import type { ObjectRecord } from "@lifeboat/model";

const base: ObjectRecord = {
  id: "s1",
  type: "sheet",
  genericType: "genericObject",
  title: "Q3 review",
  ownerId: "u1",
  ownerSubject: "auth0|jane",
  approved: false,
  published: false,
  propertyTree: {
    qProperty: { qInfo: { qId: "s1", qType: "sheet" }, qMetaDef: { title: "Q3 review" }, rank: 1 },
    qChildren: [
      { qProperty: { qInfo: { qId: "c1", qType: "kpi" }, v: 1 }, qChildren: [] },
      { qProperty: { qInfo: { qId: "c2", qType: "barchart" }, v: 1 }, qChildren: [] },
    ],
  },
};

describe("describeObjectChange", () => {
  it("names title, state, owner and child changes", () => {
    const after = structuredClone(base);
    after.title = "Q4";
    after.published = true;
    after.ownerSubject = "auth0|bob";
    const t = after.propertyTree as { qProperty: { qMetaDef: { title: string } }; qChildren: { qProperty: { qInfo: { qId: string }; v: number } }[] };
    t.qProperty.qMetaDef.title = "Q4";
    t.qChildren[0]!.qProperty.v = 2;
    t.qChildren.pop();
    t.qChildren.push({ qProperty: { qInfo: { qId: "c3" }, v: 1 } });
    expect(describeObjectChange(base, after)).toEqual(["title", "owner auth0|jane → auth0|bob", "published", "1 chart changed", "1 chart added", "1 chart removed"]);
  });

  it("reports nothing for equal objects and 'properties' for own property changes", () => {
    expect(describeObjectChange(base, structuredClone(base))).toEqual([]);
    const after = structuredClone(base);
    (after.propertyTree as { qProperty: { rank: number } }).qProperty.rank = 2;
    expect(describeObjectChange(base, after)).toEqual(["properties"]);
  });

  it("phrases details for people", () => {
    expect(phrase(["title", "2 charts changed"])).toBe("title and 2 charts changed");
    expect(phrase(["title"])).toBe("title changed");
    expect(phrase(["title", "properties", "1 chart changed"])).toBe("title, properties and 1 chart changed");
    expect(phrase(["published", "1 chart added"])).toBe("published; 1 chart added");
  });
});

describe("entryNameForId", () => {
  it("keeps plain ids and makes hostile ones safe and distinct", () => {
    expect(entryNameForId("abc-123_X.y")).toBe("abc-123_X.y");
    expect(entryNameForId("a1", ".json")).toBe("a1.json");
    const hostile = ["..", ".", "a/b", "a\\b", "~x", "x\u0000", "../../x", "ü", "y".repeat(500), ".hidden"];
    const names = hostile.map((id) => entryNameForId(id));
    for (const n of names) {
      expect(n).toMatch(/^[A-Za-z0-9_~-][A-Za-z0-9._~-]*$/);
      expect(n.length).toBeLessThanOrEqual(128);
    }
    expect(new Set(names).size).toBe(hostile.length);
  });
});
