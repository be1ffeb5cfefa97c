import { createTestRepository } from "@lifeboat/repository/testing";
import { describe, expect, it } from "vitest";
import { backup } from "./backup/run.ts";
import { describeObjectChange, diffSnapshots, loadSnapshotIndex, phrase } from "./diff.ts";
import { entryNameForId } from "./internal/names.ts";
import type { ObjectRecord } from "@lifeboat/model";
import { createFakeTenant, sampleTenantState } from "./testing.ts";

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

describe("diffSnapshots", () => {
  it("reports groups and roles added, removed and changed, in registry order, with every other kind", async () => {
    const repo = await createTestRepository();
    try {
      const tenant = createFakeTenant(sampleTenantState());
      tenant.state.groups.push({ id: "g-2", name: "Finance", providerType: "idp", assignedRoles: [] });
      tenant.state.roles.push({ id: "r-2", name: "Auditor", type: "custom" });
      const first = await backup({ tenant, repository: repo });
      const index = await loadSnapshotIndex(repo, first.snapshot);
      expect([...index.groups.keys()]).toEqual(["g-1", "g-2"]);
      expect([...index.roles.keys()]).toEqual(["r-1", "r-2"]);

      tenant.state.groups[0]!.name = "Sales EMEA";
      tenant.state.groups[0]!.assignedRoles = [{ name: "Developer" }];
      tenant.state.groups.splice(1, 1); // Finance removed
      tenant.state.groups.push({ id: "g-3", name: "Marketing", providerType: "custom", assignedRoles: [] });
      tenant.state.roles[1]!.name = "Auditor (read only)";
      tenant.state.users[2]!.name = "Bob B.";
      const second = await backup({ tenant, repository: repo });

      const diff = await diffSnapshots(repo, first.snapshot, second.snapshot);
      expect(diff.changes.map((c) => c.summary)).toEqual([
        "user 'Bob B.' (u-bob): name changed",
        "group 'Sales EMEA' (g-1): name and assignedRoles changed",
        "group 'Finance' (g-2): removed",
        "group 'Marketing' (g-3): added",
        "role 'Auditor (read only)' (r-2): name changed",
      ]);
      expect(diff.changes[1]).toEqual({
        kind: "changed",
        layer: "groups",
        id: "g-1",
        details: ["name", "assignedRoles"],
        title: "Sales EMEA",
        summary: "group 'Sales EMEA' (g-1): name and assignedRoles changed",
      });
      expect(diff.counts).toEqual({ added: 1, removed: 1, changed: 3 });
      // Nothing changed: nothing reported, groups and roles included.
      expect((await diffSnapshots(repo, second.snapshot, second.snapshot)).changes).toEqual([]);
    } finally {
      await repo.close();
    }
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
