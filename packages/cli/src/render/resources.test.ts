import type { ResourceDecision } from "@lifeboat/engine";
import { describe, expect, it } from "vitest";
import { planChecklist } from "@lifeboat/engine";
import { renderChecklist, renderResourceDecisions, type RenderKind } from "./resources.ts";

const KINDS: RenderKind[] = [
  { layer: "dataConnections", noun: "data connection", path: "data-connections", def: { where: "Management Console › Data connections" } },
  { layer: "reloadTasks", noun: "reload task", path: "reload-tasks", def: { where: "the app's reload schedule" } },
  { layer: "identityProviders", noun: "identity provider", path: "identity-providers", def: { where: "Management Console › Identity provider" } },
];

const decisions: ResourceDecision[] = [
  { layer: "reloadTasks", sourceId: "t1", name: "Nightly", class: "direct", classReason: "no secret", action: "create", reason: "not in the target" },
  {
    layer: "dataConnections",
    sourceId: "c1",
    name: "Sales DB",
    class: "input",
    classReason: "its password is never returned by Qlik",
    action: "create",
    reason: "not in the target",
    secrets: [{ field: "qPassword", label: "password", given: false }],
  },
  {
    layer: "dataConnections",
    sourceId: "c2",
    name: "Finance",
    class: "input",
    classReason: "its password is never returned by Qlik",
    action: "update",
    targetId: "c2",
    reason: "qConnectStatement differs",
    secrets: [{ field: "qPassword", label: "password", given: true }],
  },
  { layer: "identityProviders", sourceId: "i1", name: "Okta", class: "reference", classReason: "Qlik's API cannot write an interactive IdP's secret", action: "reference", reason: "" },
];

describe("resource decisions", () => {
  it("a section per kind in registry order, with action, class, secrets given or not, and why", () => {
    const text = renderResourceDecisions(decisions, KINDS);
    const sections = text.split("\n").filter((l) => /^\S.*: \d/.test(l));
    expect(sections).toEqual(["data connections (data-connections): 1 create, 1 update", "reload tasks (reload-tasks): 1 create", "identity providers (identity-providers): 1 reference"]);
    expect(text).toMatch(/Sales DB +create \(new\) +recreate with input +password: NOT GIVEN +not in the target; its password is never returned by Qlik/);
    expect(text).toMatch(/Finance +update → c2 +recreate with input +password: given/);
    expect(text).toMatch(/Okta +reference +reference only +- +Qlik's API cannot write/);
    expect(renderResourceDecisions([], KINDS)).toBe("");
  });

  it("the checklist: one line per item with what to do, where and why", () => {
    const items = planChecklist({ resources: decisions, steps: [] });
    const text = renderChecklist(items, "will need after this restore");
    expect(text).toMatch(/^will need after this restore \(\d+ items\):/);
    for (const i of items) expect(text).toContain(i.todo);
    expect(renderChecklist([{ layer: "dataConnections", noun: "data connection", sourceId: "c1", name: "Sales DB", targetId: "t1", todo: "enter its password", where: "Management Console › Data connections", reason: "never returned" }])).toMatch(
      /data connection +Sales DB \(t1\) +enter its password +Management Console › Data connections +never returned/,
    );
    expect(renderChecklist([])).toBe("re-entry checklist: nothing left to do by hand\n");
    // One line per item: its secrets together.
    const c = { layer: "dataConnections" as const, noun: "data connection", sourceId: "c1", name: "Sales DB", where: "MC", reason: "" };
    const grouped = renderChecklist([
      { ...c, todo: "enter its user name", reason: "the user name is never returned by Qlik, so the snapshot does not hold it" },
      { ...c, todo: "enter its password", reason: "the password is never returned by Qlik, so the snapshot does not hold it" },
      { ...c, todo: "enter its connection secret", reason: "the connection secret is never returned by Qlik, so the snapshot does not hold it" },
      { ...c, sourceId: "c2", name: "CRM", todo: "enter its password", reason: "r" },
    ]);
    expect(grouped).toMatch(/^re-entry checklist \(2 items\):/);
    expect(grouped).toMatch(/Sales DB +enter its user name, password, connection secret +MC +never returned by Qlik, so the snapshot does not hold them\n/);
    expect(grouped).toMatch(/CRM +enter its password +MC +r/);
  });
});
