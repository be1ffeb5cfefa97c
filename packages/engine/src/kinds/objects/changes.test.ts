import type { ObjectRecord } from "@lifeboat/model";
import { describe, expect, it } from "vitest";
import type { Ref } from "../../restore/ref.ts";
import { changedSincePlan, childIdsOf, invisibleTo, objectFingerprint, planObjectChanges, targetObjectOf, type ObjectNow } from "./changes.ts";

const rec = (id: string, owner: string, state: "base" | "private", title = id): ObjectRecord => ({
  id,
  type: "sheet",
  genericType: "genericObject",
  title,
  ownerId: owner,
  ownerSubject: `auth0|${owner}`,
  approved: state === "base",
  published: state === "base",
  propertyTree: { qProperty: { qInfo: { qId: id, qType: "sheet" }, qMetaDef: { title } }, qChildren: [] },
});
const bot = { userId: "bot", subject: "bot", isBot: true };
const ownerRef = (id: string): Ref | undefined => (id === "gone" ? undefined : id === "new" ? { t: "user", sourceId: "new" } : { t: "existing", id });
const refText = (r: Ref) => (r.t === "existing" ? `id:${r.id}` : r.t === "user" ? `user:${r.sourceId}` : r.t);

describe("planObjectChanges", () => {
  it("plans create (+ state, + owner), update, state, owner and keeps or deletes extras; never touches what is as the snapshot has it", () => {
    const snapshot = [rec("same", "ann", "base"), rec("gone-sheet", "ann", "base"), rec("edited", "ann", "private"), rec("unapproved", "ann", "base"), rec("reowned", "new", "private"), rec("orphan", "gone", "private")];
    const current = [
      targetObjectOf(rec("same", "ann", "base"), "2026-01-01T00:00:00.000Z"),
      targetObjectOf(rec("edited", "ann", "private", "edited title")),
      targetObjectOf(rec("unapproved", "ann", "private")),
      targetObjectOf(rec("reowned", "bob", "private")),
      targetObjectOf(rec("orphan", "bob", "private")),
      targetObjectOf(rec("extra", "bob", "private")),
    ];
    const kept = planObjectChanges({ objects: snapshot, current, caller: bot, ownerRef, deleteExtra: false, appModifiedDate: "T-app" });
    expect(kept.changes.map((c) => `${c.action} ${c.id}`)).toEqual(["create gone-sheet", "update edited", "state gone-sheet", "state unapproved"]);
    expect(kept.owners.map((o) => `${o.id} ${refText(o.owner)}`)).toEqual(["gone-sheet id:ann", "reowned user:new"]);
    expect(kept).toMatchObject({ kept: 1, unresolvedOwners: 1, notVisible: 0 });
    // What planning read of each object it changes: dates when there are some, fingerprints, null = absent.
    expect(kept.readAt.app).toBe("T-app");
    expect(kept.readAt.objects["gone-sheet"]).toBeNull();
    expect(kept.readAt.objects.edited).toEqual({ fingerprint: objectFingerprint(rec("edited", "ann", "private", "edited title").propertyTree) });
    expect(Object.keys(kept.readAt.objects).sort()).toEqual(["edited", "gone-sheet", "reowned", "unapproved"]);

    const deleting = planObjectChanges({ objects: snapshot, current, caller: bot, ownerRef, deleteExtra: true });
    expect(deleting.changes.at(-1)).toMatchObject({ action: "delete", id: "extra" });
    // Only: nothing beyond the selected objects, no extras.
    const only = planObjectChanges({ objects: snapshot, only: new Set(["edited"]), current, caller: bot, ownerRef, deleteExtra: true });
    expect(only.changes.map((c) => `${c.action} ${c.id}`)).toEqual(["update edited"]);
    expect(only.owners).toEqual([]);
  });

  it("another user's private object a non-bot caller cannot see is left alone; ids an earlier attempt remapped are the snapshot's", () => {
    const caller = { userId: "ann", subject: "auth0|ann", isBot: false };
    expect(invisibleTo(rec("x", "bob", "private"), caller)).toBe(true);
    expect(invisibleTo(rec("x", "ann", "private"), caller)).toBe(false);
    expect(invisibleTo(rec("x", "bob", "base"), caller)).toBe(false);
    const plan = planObjectChanges({
      objects: [rec("bobs", "bob", "private"), rec("mine", "ann", "private"), rec("remapped", "ann", "private")],
      current: [targetObjectOf(rec("new-id", "ann", "private", "remapped"))],
      caller,
      ownerRef,
      mappedId: (id) => (id === "remapped" ? "new-id" : id),
      createdIds: new Set(["new-id"]),
      deleteExtra: true,
    });
    expect(plan.notVisible).toBe(1);
    // "mine" is created (owned by the caller after: no owner change), "remapped" is found under its new id.
    expect(plan.changes.map((c) => `${c.action} ${c.id}`)).toEqual(["create mine"]);
    expect(plan.owners).toEqual([]);
  });
});

describe("changedSincePlan", () => {
  const label = (id: string) => `object '${id}'`;
  const now = (entries: [string, ObjectNow][]) => new Map(entries);
  it("compares dates where both reads have one, else content fingerprints; names created, deleted and modified objects and the app", () => {
    const readAt = { app: "A1", objects: { dated: { modifiedDate: "D1", fingerprint: "F1" }, undated: { fingerprint: "F2" }, missing: null, there: { fingerprint: "F3" } } };
    expect(changedSincePlan(readAt, { app: "A1", objects: now([["dated", { modifiedDate: "D1", fingerprint: "other" }], ["undated", { fingerprint: "F2" }], ["there", { fingerprint: "F3" }]]) }, label)).toEqual([]);
    const changed = changedSincePlan(readAt, { app: "A2", objects: now([["dated", { modifiedDate: "D2", fingerprint: "F1" }], ["undated", { fingerprint: "F9" }], ["missing", { fingerprint: "x" }]]) }, label);
    expect(changed).toEqual([
      "the app was modified at A2 (read at planning: A1)",
      "object 'dated' was modified at D2 (read at planning: modified D1)",
      "object 'undated' was changed since the plan (its content differs from what planning read; the engine reports no modifiedDate for it)",
      "object 'missing' was created since the plan (it was not in the app when planning)",
      "object 'there' was deleted since the plan (read at planning)",
    ]);
  });
});

describe("childIdsOf", () => {
  it("collects every descendant of a property tree", () => {
    expect([...childIdsOf({ qChildren: [{ qProperty: { qInfo: { qId: "a" } }, qChildren: [{ qProperty: { qInfo: { qId: "b" } }, qChildren: [] }] }] })]).toEqual(["a", "b"]);
  });
});
