/**
 * The executor and the verification against an in-memory target: the happy path, journal
 * resumption without duplicates, failures that fail only their dependants, and a failing
 * safety backup that stops the restore before any change. (The same flows run against the
 * emulator through the connector in e2e/restore*.test.ts.) The in-memory target is
 * `FakeTarget` (`@lifeboat/engine/testing`), which passes the restore target's contract suite.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DamageError, type Repository } from "@lifeboat/repository";
import { createTestRepository } from "@lifeboat/repository/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AppDoc } from "../layout.ts";
import type { ObjectRecord } from "@lifeboat/model";
import { FakeTarget } from "../testing.ts";
import { executeRestore, SafetyBackupError } from "./execute.ts";
import { journalState, MemoryJournal } from "./journal.ts";
import { objectsNeededFor, planRestore, restoreKeyOf } from "./plan.ts";
import { refKey } from "./ref.ts";
import { memoryRestoreSource, type RestoreSource, type SourceApp } from "./source.ts";
import { readTargetState } from "./target.ts";
import { verifyRestore } from "./verify.ts";
import { stalePlanReasons } from "./planfile.ts";

const obj = (id: string, ownerId: string, ownerSubject: string, state: "base" | "private"): ObjectRecord => ({
  id,
  type: "sheet",
  genericType: "genericObject",
  title: id,
  ownerId,
  ownerSubject,
  approved: state === "base",
  published: state === "base",
  propertyTree: { qProperty: { qInfo: { qId: id, qType: "sheet" }, qMetaDef: { title: id } }, qChildren: [] },
});

async function sourceIn(repo: Repository): Promise<RestoreSource> {
  const mk = async (id: string, name: string, spaceId: string | undefined, objects: ObjectRecord[], inQvf: ObjectRecord[]) => {
    const doc: AppDoc = {
      layoutVersion: 1,
      appId: id,
      name,
      summary: { appId: id, itemId: id, name, spaceType: spaceId ? "shared" : "personal", ownerId: "u-ben", ...(spaceId ? { spaceId } : {}) },
      attributes: { id, name },
      ...(spaceId ? { space: { id: spaceId, name: "Dev", type: "shared" } } : {}),
      owner: { id: "u-ben", subject: "auth0|ben" },
      lineage: { published: false },
      fingerprint: "f",
      objectCount: objects.length,
    };
    return { id, name, doc, objects, qvf: await repo.saveJson(inQvf) };
  };
  const base = obj("s1", "u-ben", "auth0|ben", "base");
  const priv = obj("s2", "u-dev", "auth0|dev", "private");
  return memoryRestoreSource({
    snapshot: { id: "snap-exec-0001", tenant: "src", time: "2026-11-20T00:00:00.000Z", toolVersion: "x", tags: [], partial: false, tree: "t" },
    tenant: { layoutVersion: 1, host: "https://src.example.com", caller: { userId: "b", subject: "bot", name: "bot", isPrivateContentBot: true }, capturedAt: "x" },
    users: [
      { id: "u-ben", subject: "auth0|ben", status: "active", assignedRoles: [], assignedGroups: [] },
      { id: "u-dev", subject: "auth0|dev", status: "active", assignedRoles: [], assignedGroups: [] },
    ],
    groups: [],
    spaces: [{ record: { id: "sp-dev", name: "Dev", type: "shared", ownerId: "u-ben" }, assignments: [{ id: "a", type: "user", assigneeId: "u-dev", roles: ["producer"] }] }],
    apps: [
      // The private sheet is not in the .qvf: the executor recreates it through QIX.
      await mk("a-1", "Sales", "sp-dev", [base, priv], [base]),
      await mk("a-2", "Scratch", undefined, [base], [base]),
    ],
  });
}

describe("executeRestore", () => {
  let repo: Repository;
  let target: FakeTarget;
  let source: RestoreSource;
  beforeEach(async () => {
    repo = await createTestRepository();
    target = new FakeTarget();
    target.users.push({ id: "t-ben", subject: "auth0|ben", status: "active", assignedRoles: [], assignedGroups: [] });
    source = await sourceIn(repo);
  });
  afterEach(async () => repo.close());

  it("restores, recreates objects missing from the file, re-owns them, and verifies equal; a second run changes nothing", async () => {
    const plan = planRestore(source, await readTargetState(target), { all: true, createMissingUsers: true });
    expect(plan.blockers).toEqual([]);
    const journal = new MemoryJournal();
    const result = await executeRestore({ plan, source, repository: repo, target, journal });
    expect(result.status).toBe("complete");
    expect(target.calls.filter((c) => c === "importApp").length).toBe(2);
    const report = await verifyRestore({ plan, source, target, created: result.created, repository: repo });
    expect(report.mismatches, JSON.stringify(report, null, 1)).toBe(0);
    const sales = target.apps.get(result.created["app:a-1"]!)!;
    expect(sales.objects.get("s2")).toMatchObject({ ownerSubject: "auth0|dev", approved: false, published: false });
    expect(sales.summary.ownerId).toBe("t-ben");
    expect(target.assignments[result.created["space:sp-dev"]!]?.[0]).toMatchObject({ assigneeId: result.created["user:u-dev"], roles: ["producer"] });
    // The created space goes to its owner in the snapshot (Ben), after every app step.
    expect(target.spaces.find((s) => s.id === result.created["space:sp-dev"])?.ownerId).toBe("t-ben");
    const writes = target.calls.filter((c) => c !== "save");
    expect(writes.at(-1)).toBe("updateSpaceOwner");
    expect(writes.filter((c) => c === "updateSpaceOwner").length).toBe(1);

    // Same plan, same journal: nothing is created again.
    target.calls = [];
    const again = await executeRestore({ plan, source, repository: repo, target, journal });
    expect(again.status).toBe("complete");
    expect(target.calls.filter((c) => /^(create|import|copy|upsert|updateObjectOwner)/.test(c))).toEqual([]);
    expect(target.apps.size).toBe(2);

    // After a complete run, the same restore later checks everything again: a sheet deleted
    // since comes back, into the app this restore created (no second import).
    target.apps.get(result.created["app:a-1"]!)!.objects.delete("s2");
    const previous = journalState(await journal.load());
    expect(previous.done.size).toBe(0);
    const later = planRestore(source, await readTargetState(target), { all: true, createMissingUsers: true }, previous);
    expect(later.blockers).toEqual([]);
    const third = await executeRestore({ plan: later, source, repository: repo, target, journal, safetyBackup: async () => ({ id: "s" }) });
    expect(third.status).toBe("complete");
    expect(target.apps.size).toBe(2);
    expect(target.apps.get(result.created["app:a-1"]!)!.objects.get("s2")).toMatchObject({ ownerSubject: "auth0|dev" });
  });

  it("verification expects the role Qlik gives an app's new owner in its space, and still flags other role differences", async () => {
    // Sales is Dev's app of u-dev, who holds Can view (consumer) there.
    const sales = source.apps.find((a) => a.id === "a-1")!;
    sales.doc = { ...sales.doc, owner: { id: "u-dev", subject: "auth0|dev" }, summary: { ...sales.doc.summary, ownerId: "u-dev" } };
    source.spaces[0]!.assignments[0]!.roles = ["consumer"];
    // As Qlik does (help.qlik.com migration › Update Application Owners): a new owner without
    // Can edit in the app's shared space gets it.
    const setOwner = target.updateAppOwner.bind(target);
    target.updateAppOwner = async (appId, ownerId) => {
      await setOwner(appId, ownerId);
      const spaceId = target.apps.get(appId)!.summary.spaceId;
      const space = target.spaces.find((s) => s.id === spaceId);
      if (!space || space.type !== "shared" || space.ownerId === ownerId) return;
      const mine = (target.assignments[space.id] ??= []).find((a) => a.assigneeId === ownerId);
      if (mine && !mine.roles.includes("producer")) mine.roles = [...mine.roles, "producer"];
      else if (!mine) target.assignments[space.id]!.push({ id: `as-owner-${ownerId}`, type: "user", assigneeId: ownerId, roles: ["producer"] });
    };
    const plan = planRestore(source, await readTargetState(target), { all: true, createMissingUsers: true });
    const result = await executeRestore({ plan, source, repository: repo, target, journal: new MemoryJournal() });
    expect(result.status).toBe("complete");
    const dev = result.created["user:u-dev"]!;
    const spaceId = result.created["space:sp-dev"]!;
    expect(target.assignments[spaceId]!.find((a) => a.assigneeId === dev)!.roles.sort()).toEqual(["consumer", "producer"]);
    const report = await verifyRestore({ plan, source, target, created: result.created, repository: repo });
    expect(report.status, JSON.stringify(report.other)).toBe("match");
    // A difference the owner change does not explain is still one.
    target.assignments[spaceId]!.find((a) => a.assigneeId === dev)!.roles = ["consumer", "facilitator"];
    const changed = await verifyRestore({ plan, source, target, created: result.created, repository: repo });
    expect(changed.other).toEqual([expect.objectContaining({ field: "roles", expected: "consumer, producer", actual: "consumer, facilitator" })]);
  });

  it("Qlik refusing change-owner for one object is reported on that object; the others and the app's other steps go on", async () => {
    const change = target.updateObjectOwner.bind(target);
    target.updateObjectOwner = async (appId, objectId, ownerId) => {
      if (objectId === "s1" && target.apps.get(appId)?.summary.name === "Sales")
        throw Object.assign(new Error("403 Forbidden: change-owner is not allowed for this object"), { status: 403, kind: "forbidden" });
      return change(appId, objectId, ownerId);
    };
    const plan = planRestore(source, await readTargetState(target), { all: true, createMissingUsers: true });
    const events: { type: string; message?: string }[] = [];
    const result = await executeRestore({ plan, source, repository: repo, target, journal: new MemoryJournal(), onEvent: (e) => events.push(e as { type: string; message?: string }) });
    expect(result.status).toBe("complete");
    const step = (id: string) => result.steps.find((s) => s.id === id);
    expect(step("app:a-1:object-owners")).toMatchObject({ outcome: "done", note: expect.stringMatching(/1 owner\(s\) changed, 1 refused by Qlik: object 's1' \(sheet 's1'\)/) });
    expect(step("app:a-1:app-owner")?.outcome).toBe("done");
    expect(events.some((e) => e.type === "warning" && /app 'Sales': Qlik refused to hand object 's1' \(sheet 's1'\) to auth0\|ben.*403/.test(e.message ?? ""))).toBe(true);
    const sales = target.apps.get(result.created["app:a-1"]!)!;
    expect(sales.objects.get("s2")?.ownerSubject).toBe("auth0|dev");
    // The verification names that object, and only it.
    const report = await verifyRestore({ plan, source, target, created: result.created, repository: repo });
    expect(report.apps.flatMap((a) => a.mismatches)).toEqual([expect.objectContaining({ where: "app 'Sales' object 's1' (sheet 's1')", field: "owner" })]);
    expect(step("app:a-2:object-owners")?.outcome).toBe("done");
    // A failure that is not a refusal (what retries did not cure) still fails the step, after the others.
    const other = await sourceIn(repo);
    const t2 = new FakeTarget();
    t2.users.push({ id: "t-ben", subject: "auth0|ben", status: "active", assignedRoles: [], assignedGroups: [] });
    const change2 = t2.updateObjectOwner.bind(t2);
    t2.updateObjectOwner = async (appId, objectId, ownerId) => {
      if (objectId === "s1" && t2.apps.get(appId)?.summary.name === "Sales") throw Object.assign(new Error("503 Service Unavailable"), { status: 503, kind: "transient" });
      return change2(appId, objectId, ownerId);
    };
    const plan2 = planRestore(other, await readTargetState(t2), { all: true, createMissingUsers: true });
    const r2 = await executeRestore({ plan: plan2, source: other, repository: repo, target: t2, journal: new MemoryJournal() });
    expect(r2.steps.find((s) => s.id === "app:a-1:object-owners")?.outcome).toBe("failed");
    expect(t2.apps.get(r2.created["app:a-1"]!)!.objects.get("s2")?.ownerSubject).toBe("auth0|dev");
  });

  it("an app's object owner changes run several at a time (one Tier-2 call each), at most 4", async () => {
    const plan = planRestore(source, await readTargetState(target), { all: true, createMissingUsers: true });
    let inFlight = 0;
    let peak = 0;
    let changes = 0;
    const change = target.updateObjectOwner.bind(target);
    target.updateObjectOwner = async (appId, objectId, ownerId) => {
      peak = Math.max(peak, ++inFlight);
      changes++;
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return change(appId, objectId, ownerId);
    };
    const result = await executeRestore({ plan, source, repository: repo, target, journal: new MemoryJournal(), concurrency: 1 });
    expect(result.status).toBe("complete");
    expect(changes).toBeGreaterThan(1);
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(4);
  });

  it("runs steps in the order their 'after' lists say, app chains in parallel; a circle is refused before anything runs", async () => {
    const plan = planRestore(source, await readTargetState(target), { all: true, createMissingUsers: true });
    const ids = plan.steps.map((s) => s.id);
    // Each app's chain waits for the tenant-level steps; the space owner waits for both chains.
    expect(plan.steps.find((s) => s.id === "app:a-1:import")!.after).toEqual(["space:sp-dev:assign:u-dev"]);
    expect(plan.steps.find((s) => s.id === "app:a-2:import")!.after).toEqual(["space:sp-dev:assign:u-dev"]);
    expect(plan.steps.find((s) => s.id === "space:sp-dev:owner")!.after.sort()).toEqual(["app:a-1:app-owner", "app:a-2:app-owner"]);
    // Make the Scratch chain wait for the Sales chain (nothing in the step ids says so): it runs after it, even with room for both.
    const a2 = plan.steps.find((s) => s.id === "app:a-2:import")!;
    const chained = { ...plan, steps: plan.steps.map((s) => (s === a2 ? { ...s, after: [...s.after, "app:a-1:app-owner"] } : s)) };
    const order: string[] = [];
    const result = await executeRestore({ plan: chained, source, repository: repo, target, journal: new MemoryJournal(), concurrency: 8, onEvent: (e) => e.type === "step" && order.push(e.step.id) });
    expect(result.status).toBe("complete");
    expect(order.indexOf("app:a-2:import")).toBeGreaterThan(order.indexOf("app:a-1:app-owner"));
    expect(order.at(-1)).toBe("space:sp-dev:owner");
    expect(new Set(order)).toEqual(new Set(ids));

    const circle = { ...plan, steps: plan.steps.map((s) => (s.id === ids[0] ? { ...s, after: [ids.at(-1)!] } : s)) };
    const t2 = new FakeTarget();
    await expect(executeRestore({ plan: circle, source, repository: repo, target: t2, journal: new MemoryJournal() })).rejects.toThrow(/wait for each other in a circle/);
    expect(t2.calls).toEqual([]);
  });

  it("a signal cancels between steps: steps running finish, the journal records the attempt as aborted, a re-run continues", async () => {
    const plan = planRestore(source, await readTargetState(target), { all: true, createMissingUsers: true });
    const journal = new MemoryJournal();
    const stop = new AbortController();
    const ran: string[] = [];
    const cancelled = executeRestore({ plan, source, repository: repo, target, journal, signal: stop.signal, afterStep: (id) => {
      ran.push(id);
      if (id === "app:a-1:import") stop.abort(new Error("cancelled by the test"));
    } });
    await expect(cancelled).rejects.toThrow("cancelled by the test");
    expect(ran.length).toBeLessThan(plan.steps.length);
    expect(journal.records.at(-1)).toMatchObject({ type: "finished", status: "aborted" });
    const again = await executeRestore({ plan, source, repository: repo, target, journal });
    expect(again.status).toBe("complete");
    expect(target.calls.filter((c) => c === "importApp").length).toBe(2);
  });

  it("a failing step fails its dependants only; the result is partial and a re-run completes it", async () => {
    target.failOn.add("createSpace");
    const plan = planRestore(source, await readTargetState(target), { all: true, createMissingUsers: true });
    const journal = new MemoryJournal();
    const result = await executeRestore({ plan, source, repository: repo, target, journal });
    expect(result.status).toBe("partial");
    const outcome = (id: string) => result.steps.find((s) => s.id === id)?.outcome;
    expect(outcome("space:sp-dev:create")).toBe("failed");
    expect(outcome("app:a-1:import")).toBe("skipped");
    expect(result.steps.find((s) => s.id === "app:a-1:import")?.note).toMatch(/not created/);
    expect(outcome("app:a-2:import")).toBe("done");
    target.failOn.clear();
    const again = await executeRestore({ plan, source, repository: repo, target, journal });
    expect(again.status).toBe("complete");
    expect(target.apps.size).toBe(2);
    expect((await verifyRestore({ plan, source, target, created: again.created, repository: repo })).status).toBe("match");
  });

  it("a step that cannot read the snapshot's data (damaged repository) is marked damaged; a tenant failure is not", async () => {
    target.failOn.add("createSpace");
    // The same repository, with the .qvf reads failing as a damaged pack fails them.
    const damaged = Object.assign(Object.create(repo) as Repository, {
      async *readBlob(): AsyncIterable<Uint8Array> {
        throw new DamageError("chunk c0 in pack p0 is damaged: authentication failed (modified, truncated or moved)", "data/p0/p0");
      },
    });
    const plan = planRestore(source, await readTargetState(target), { all: true, createMissingUsers: true });
    const result = await executeRestore({ plan, source, repository: damaged, target, journal: new MemoryJournal() });
    expect(result.status).toBe("partial");
    const byStep = new Map(result.failed.map((f) => [f.step, f]));
    expect(byStep.get("app:a-2:import")).toMatchObject({ damaged: true, error: expect.stringMatching(/^chunk c0 in pack p0 is damaged/) });
    expect(byStep.get("space:sp-dev:create")?.damaged).toBeUndefined();
  });

  it("an owner that failed to be created holds back the owner steps instead of leaving objects to the importer", async () => {
    target.failOn.add("createUser");
    const plan = planRestore(source, await readTargetState(target), { all: true, createMissingUsers: true });
    const journal = new MemoryJournal();
    const result = await executeRestore({ plan, source, repository: repo, target, journal });
    expect(result.steps.find((s) => s.id === "app:a-1:object-owners")).toMatchObject({ outcome: "skipped", note: expect.stringMatching(/owner auth0\|dev was not created/) });
    target.failOn.clear();
    const again = await executeRestore({ plan, source, repository: repo, target, journal });
    expect(again.status).toBe("complete");
    const report = await verifyRestore({ plan, source, target, created: again.created, repository: repo });
    expect(report.status, JSON.stringify(report.apps.flatMap((a) => a.mismatches))).toBe("match");
  });

  it("an import that failed after Qlik did it is adopted on the re-run, not duplicated", async () => {
    target.failAfter.add("importApp");
    const plan = planRestore(source, await readTargetState(target), { apps: ["a-2"], createMissingUsers: true });
    const journal = new MemoryJournal();
    expect((await executeRestore({ plan, source, repository: repo, target, journal })).status).toBe("partial");
    expect(target.apps.size).toBe(1);
    target.failAfter.clear();
    // A fresh plan sees the half-done app: not a clash, because the journal knows what existed before.
    const previous = journalState(await journal.load());
    const replan = planRestore(source, await readTargetState(target), { apps: ["a-2"], createMissingUsers: true }, previous);
    expect(replan.blockers).toEqual([]);
    // The target has content now, so this run takes a safety backup first.
    const again = await executeRestore({ plan: replan, source, repository: repo, target, journal, safetyBackup: async () => ({ id: "safety-1" }) });
    expect(again.status).toBe("complete");
    expect(again.safetySnapshot).toBe("safety-1");
    expect(again.steps.find((s) => s.id === "app:a-2:import")?.note).toMatch(/interrupted attempt/);
    expect(target.apps.size).toBe(1);
  });

  it("a failing safety backup stops the restore before any change", async () => {
    target.spaces.push({ id: "existing", name: "Other", type: "shared", ownerId: "t-ben" });
    const plan = planRestore(source, await readTargetState(target), { all: true, createMissingUsers: true });
    expect(plan.steps[0]?.kind).toBe("safety-backup");
    await expect(
      executeRestore({ plan, source, repository: repo, target, journal: new MemoryJournal(), safetyBackup: async () => Promise.reject(new Error("disk full")) }),
    ).rejects.toThrow(SafetyBackupError);
    expect(target.calls).toEqual([]);
  });

  it("a space whose owner is not in the target stays with the restoring user, and the verification says so", async () => {
    target.users = target.users.filter((u) => u.subject !== "auth0|ben");
    const plan = planRestore(source, await readTargetState(target), { spaces: ["Dev"], ownerFallback: "bot" });
    expect(plan.steps.some((s) => s.kind === "space-owner")).toBe(true); // the fallback takes Ben's space
    const noFallback = planRestore(source, await readTargetState(target), { spaces: ["Dev"] });
    expect(noFallback.steps.some((s) => s.kind === "space-owner")).toBe(false);
    const result = await executeRestore({ plan: noFallback, source, repository: repo, target, journal: new MemoryJournal() });
    const report = await verifyRestore({ plan: noFallback, source, target, created: result.created, repository: repo });
    expect(report.other).toContainEqual({ where: "space 'Dev'", field: "owner", expected: "auth0|ben", actual: "unresolved in the target (see the plan)" });
    expect(report.status).toBe("mismatch");
  });

  it("verification notices a duplicate of a restored app that the plan did not make (a second restore at the same time)", async () => {
    const state = await readTargetState(target);
    const plan = planRestore(source, state, { all: true, createMissingUsers: true });
    const result = await executeRestore({ plan, source, repository: repo, target, journal: new MemoryJournal() });
    const appsBefore = state.apps.map((a) => a.appId);
    const clean = await verifyRestore({ plan, source, target, created: result.created, repository: repo, appsBefore });
    expect(clean.status, JSON.stringify(clean.apps.flatMap((a) => a.mismatches))).toBe("match");
    // Another restore, running beside this one, imported Sales into the same space again.
    const spaceId = target.apps.get(result.created["app:a-1"]!)!.summary.spaceId;
    const { appId: dup } = await target.importApp({ name: "Sales", ...(spaceId ? { spaceId } : {}), body: async function* () {} });
    const report = await verifyRestore({ plan, source, target, created: result.created, repository: repo, appsBefore });
    expect(report.status).toBe("mismatch");
    expect(report.apps.find((a) => a.name === "Sales")!.mismatches).toEqual([
      {
        where: "app 'Sales'",
        field: "duplicates",
        expected: `one app named 'Sales' in space ${spaceId} from this restore`,
        actual: `2: also ${dup} (made since the plan, not by it — another restore running at the same time?)`,
      },
    ]);
    // An app of that name that was there before the plan is not this restore's duplicate.
    const beforeToo = await verifyRestore({ plan, source, target, created: result.created, repository: repo, appsBefore: [...appsBefore, dup] });
    expect(beforeToo.status).toBe("match");
  });

  it("verification reports what differs", async () => {
    const plan = planRestore(source, await readTargetState(target), { all: true, createMissingUsers: true });
    const result = await executeRestore({ plan, source, repository: repo, target, journal: new MemoryJournal() });
    const sales = target.apps.get(result.created["app:a-1"]!)!;
    target.spaces.find((s) => s.id === result.created["space:sp-dev"])!.ownerId = "t-bot";
    sales.objects.get("s1")!.approved = false;
    sales.objects.delete("s2");
    sales.objects.set("x9", obj("x9", "t-bot", "bot", "private"));
    const report = await verifyRestore({ plan, source, target, created: result.created, repository: repo });
    expect(report.status).toBe("mismatch");
    expect(report.apps[0]!.mismatches.map((m) => `${m.field}:${m.where}`).sort()).toEqual([
      "approved:app 'Sales' object 's1' (sheet 's1')",
      "exists:app 'Sales' object 's2' (sheet 's2')",
      "extra:app 'Sales' object 'x9' (sheet 'x9')",
    ]);
    expect(report.other).toEqual([{ where: "space 'Dev'", field: "owner", expected: "t-ben (auth0|ben)", actual: "t-bot" }]);
  });
});

describe("verification of names", () => {
  it("an app that came back under another name is a mismatch (a name mangled on its way to Qlik)", async () => {
    const repo = await createTestRepository();
    try {
      const target = new FakeTarget();
      target.users.push({ id: "t-ben", subject: "auth0|ben", status: "active", assignedRoles: [], assignedGroups: [] });
      const source = await sourceIn(repo);
      const plan = planRestore(source, await readTargetState(target), { all: true, createMissingUsers: true });
      const result = await executeRestore({ plan, source, repository: repo, target, journal: new MemoryJournal() });
      expect((await verifyRestore({ plan, source, target, created: result.created, repository: repo })).status).toBe("match");
      // What @qlik/api once did to "Q1%20Report": decoded on the way.
      target.apps.get(result.created["app:a-1"]!)!.summary.name = "Sales ";
      const report = await verifyRestore({ plan, source, target, created: result.created, repository: repo });
      expect(report.status).toBe("mismatch");
      expect(report.apps.find((a) => a.sourceId === "a-1")!.mismatches).toContainEqual({ where: "app 'Sales'", field: "name", expected: "Sales", actual: "Sales " });
    } finally {
      await repo.close();
    }
  });
});

describe("restoring in place, Qlik's restore first, section access", () => {
  let repo: Repository;
  let target: FakeTarget;
  let source: RestoreSource;
  /** The same tenant as the snapshot's, with its users, its space and the app 'Sales' (a-1) as the snapshot has it. */
  beforeEach(async () => {
    repo = await createTestRepository();
    target = new FakeTarget();
    source = await sourceIn(repo);
    source.tenant = { ...source.tenant, host: target.host };
    target.users.push(
      { id: "u-ben", subject: "auth0|ben", status: "active", assignedRoles: [], assignedGroups: [] },
      { id: "u-dev", subject: "auth0|dev", status: "active", assignedRoles: [], assignedGroups: [] },
    );
    target.spaces.push({ id: "sp-dev", name: "Dev", type: "shared", ownerId: "u-ben" });
    target.assignments["sp-dev"] = [{ id: "a", type: "user", assigneeId: "u-dev", roles: ["producer"] }];
    const sales = source.apps.find((a) => a.id === "a-1")!;
    target.apps.set("a-1", {
      summary: { ...sales.doc.summary },
      objects: new Map(source.loadedObjects("a-1")!.map((o) => [o.id, structuredClone(o)])),
    });
  });
  afterEach(async () => repo.close());
  const newSheet = (id: string) => obj(id, "u-dev", "auth0|dev", "private");

  it("keeps an object the snapshot does not have by default, and says so in the plan", async () => {
    target.apps.get("a-1")!.objects.set("new1", newSheet("new1"));
    // Even when the planner knows the target's objects, the default keeps them.
    const plan = planRestore(source, await readTargetState(target, { objectsOf: ["a-1"] }), { apps: ["Sales"] });
    const step = plan.steps.find((s) => s.kind === "objects")!;
    expect(step.kind === "objects" && step.remove).toEqual([]);
    expect(plan.apps[0]).toMatchObject({ action: "reconcile", extraObjects: { kept: 1, deleted: 0, known: true } });
    expect(step.reason).toMatch(/1 object\(s\) the snapshot does not have are kept/);
    const result = await executeRestore({ plan, source, repository: repo, target, journal: new MemoryJournal(), safetyBackup: async () => ({ id: "safe" }) });
    expect(result.status).toBe("complete");
    expect(target.apps.get("a-1")!.objects.has("new1")).toBe(true);
    expect(target.calls).not.toContain("destroyObject");
    const report = await verifyRestore({ plan, source, target, created: result.created, repository: repo });
    expect(report.status).toBe("match");
    expect(report.apps[0]!.kept).toBe(1);
  });

  it("--delete-extra-objects lists each deletion in the plan and deletes only those (an object made after the plan stays)", async () => {
    target.apps.get("a-1")!.objects.set("new1", newSheet("new1"));
    const options = { apps: ["Sales"], deleteExtraObjects: true };
    const plan = planRestore(source, await readTargetState(target, { objectsOf: objectsNeededFor(source, options) }), options);
    const step = plan.steps.find((s) => s.kind === "objects")!;
    expect(step.kind === "objects" && step.remove).toEqual([{ id: "new1", type: "sheet", genericType: "genericObject", title: "new1" }]);
    expect(plan.apps[0]!.extraObjects).toEqual({ kept: 0, deleted: 1, known: true });
    // Nothing changed by planning.
    expect(target.apps.get("a-1")!.objects.has("new1")).toBe(true);
    target.apps.get("a-1")!.objects.set("new2", newSheet("new2"));
    const result = await executeRestore({ plan, source, repository: repo, target, journal: new MemoryJournal(), safetyBackup: async () => ({ id: "safe" }) });
    expect(result.status).toBe("complete");
    expect([...target.apps.get("a-1")!.objects.keys()].sort()).toEqual(["new2", "s1", "s2"]);
    const report = await verifyRestore({ plan, source, target, created: result.created, repository: repo });
    expect(report.status).toBe("match");
    // A planned deletion that did not happen is a mismatch.
    target.apps.get("a-1")!.objects.set("new1", newSheet("new1"));
    const again = await verifyRestore({ plan, source, target, created: result.created, repository: repo });
    expect(again.apps[0]!.mismatches.map((m) => m.field)).toEqual(["extra"]);
  });

  it("an app soft-deleted in the target comes back with Qlik's restore under its own id, then its objects are reconciled", async () => {
    target.apps.get("a-1")!.objects.delete("s2");
    target.softDelete("a-1");
    const plan = planRestore(source, await readTargetState(target), { apps: ["Sales"] });
    expect(plan.apps[0]).toMatchObject({ action: "qlik-restore", targetAppId: "a-1" });
    expect(plan.apps[0]!.qlik).toMatch(/Qlik's restore brings it back with the same id into the same space/);
    expect(plan.steps.map((s) => s.kind)).toEqual(["safety-backup", "qlik-restore", "objects", "object-owners", "app-owner"]);
    const result = await executeRestore({ plan, source, repository: repo, target, journal: new MemoryJournal(), safetyBackup: async () => ({ id: "safe" }) });
    expect(result.status).toBe("complete");
    expect(target.calls).toContain("restoreDeletedApp");
    expect(target.calls).not.toContain("importApp");
    expect([...target.apps.get("a-1")!.objects.keys()].sort()).toEqual(["s1", "s2"]);
    const report = await verifyRestore({ plan, source, target, created: result.created, repository: repo });
    expect(report.status).toBe("match");
    expect(report.apps[0]!.targetAppId).toBe("a-1");
  });

  it("a plan file that uses Qlik's restore no longer fits once Qlik purged the app", async () => {
    target.softDelete("a-1");
    const plan = planRestore(source, await readTargetState(target), { apps: ["Sales"] });
    const none = { done: new Set<string>(), interrupted: new Set<string>(), created: {} };
    expect(stalePlanReasons(plan, await readTargetState(target), none)).toEqual([]);
    target.deleted!.clear();
    expect(stalePlanReasons(plan, await readTargetState(target), none)).toEqual([
      `app a-1, which the plan brings back with Qlik's restore, is no longer restorable by Qlik (purged or hard-deleted)`,
    ]);
  });

  it("an app Qlik can no longer restore is imported, and the plan says why (window passed, or unknown)", async () => {
    target.apps.delete("a-1");
    const passed = planRestore(source, await readTargetState(target), { apps: ["Sales"] });
    expect(passed.apps[0]).toMatchObject({ action: "import" });
    expect(passed.apps[0]!.qlik).toMatch(/Qlik cannot restore it \(not soft-deleted, or its 14-day window passed\): imported/);
    target.deleted = undefined;
    const unknown = planRestore(source, await readTargetState(target), { apps: ["Sales"] });
    expect(unknown.apps[0]!.qlik).toMatch(/whether Qlik could restore it is unknown/);
    const result = await executeRestore({ plan: unknown, source, repository: repo, target, journal: new MemoryJournal(), safetyBackup: async () => ({ id: "safe" }) });
    expect(target.calls).toContain("importApp");
    expect(result.created["app:a-1"]).not.toBe("a-1");
  });

  it("an imported section-access app gets the snapshot's script, the plan says so, and verification compares it", async () => {
    target.apps.delete("a-1");
    const sales = source.apps.find((a) => a.id === "a-1")!;
    sales.doc.attributes.hasSectionAccess = true;
    const script = "Section Access;\nLOAD * INLINE [ACCESS, USERID\nUSER, auth0|ben];\nSection Application;\n";
    sales.script = await repo.saveBlob(new TextEncoder().encode(script));
    const plan = planRestore(source, await readTargetState(target), { apps: ["Sales"] });
    expect(plan.apps[0]).toMatchObject({ action: "import", sectionAccess: true });
    expect(plan.steps.find((s) => s.kind === "app-script")?.reason).toMatch(/section-access app by someone other than its owner has no accessible script/);
    const result = await executeRestore({ plan, source, repository: repo, target, journal: new MemoryJournal(), safetyBackup: async () => ({ id: "safe" }) });
    const appId = result.created["app:a-1"]!;
    expect(target.apps.get(appId)!.script).toBe(script);
    expect((await verifyRestore({ plan, source, target, created: result.created, repository: repo })).status).toBe("match");
    target.apps.get(appId)!.script = "";
    const report = await verifyRestore({ plan, source, target, created: result.created, repository: repo });
    expect(report.apps[0]!.mismatches.map((m) => m.field)).toEqual(["script"]);
  });
});

/** A source app of `memoryRestoreSource` with the objects its `objectsOf` returns (tests change them). */
const inMemory = (source: RestoreSource, id: string) => source.apps.find((a) => a.id === id) as SourceApp & { objects: ObjectRecord[] };

describe("single-object restore, the complete object plan and the optimistic check", () => {
  let repo: Repository;
  let target: FakeTarget;
  let source: RestoreSource;
  const withChild = (o: ObjectRecord, childId: string): ObjectRecord => ({
    ...o,
    propertyTree: { ...(o.propertyTree as object), qChildren: [{ qProperty: { qInfo: { qId: childId, qType: "barchart" }, title: "chart" }, qChildren: [] }] },
  });
  const bookmark: ObjectRecord = {
    id: "bm1",
    type: "bookmark",
    genericType: "genericBookmark",
    title: "Q3 North",
    ownerId: "u-ben",
    ownerSubject: "auth0|ben",
    approved: false,
    published: false,
    propertyTree: { qProperty: { qInfo: { qId: "bm1", qType: "bookmark" }, qMetaDef: { title: "Q3 North" } }, qChildren: [], qEmbeddedSnapshotRef: null },
  };
  beforeEach(async () => {
    repo = await createTestRepository();
    target = new FakeTarget();
    source = await sourceIn(repo);
    source.tenant = { ...source.tenant, host: target.host };
    target.users.push(
      { id: "u-ben", subject: "auth0|ben", status: "active", assignedRoles: [], assignedGroups: [] },
      { id: "u-dev", subject: "auth0|dev", status: "active", assignedRoles: [], assignedGroups: [] },
    );
    target.spaces.push({ id: "sp-dev", name: "Dev", type: "shared", ownerId: "u-ben" });
    target.assignments["sp-dev"] = [{ id: "a", type: "user", assigneeId: "u-dev", roles: ["producer"] }];
    const sales = inMemory(source, "a-1");
    // s2: u-dev's private sheet with a chart; bm1: u-ben's bookmark; s3: a third sheet.
    sales.objects = [sales.objects[0]!, withChild(sales.objects[1]!, "ch-1"), obj("s3", "u-ben", "auth0|ben", "base"), bookmark];
    target.apps.set("a-1", { summary: { ...sales.doc.summary }, objects: new Map(sales.objects.map((o) => [o.id, structuredClone(o)])) });
  });
  afterEach(async () => repo.close());
  const app = () => target.apps.get("a-1")!;
  const plan = async (objects: string[], extra: Partial<Parameters<typeof planRestore>[2]> = {}) =>
    planRestore(source, await readTargetState(target, { objectsOf: objectsNeededFor(source, { apps: ["a-1"], objects }) }), { apps: ["a-1"], objects, ...extra });
  const edit = (id: string, title: string) => {
    const o = app().objects.get(id)!;
    o.propertyTree = { ...(o.propertyTree as object), qProperty: { qInfo: { qId: id, qType: o.type }, qMetaDef: { title } } };
    target.touch("a-1", id);
  };

  it("brings back a deleted private sheet (with its chart) and a bookmark by id or title, with owners and states, touching nothing else", async () => {
    app().objects.delete("s2");
    app().objects.delete("bm1");
    edit("s3", "edited after the snapshot");
    const p = await plan(["s2", "Q3 North"]);
    expect(p.blockers).toEqual([]);
    // The plan lists exactly these changes: two creates and their owners, nothing for s1 or s3, no app owner.
    const objectsStep = p.steps.find((s) => s.kind === "objects")!;
    const ownersStep = p.steps.find((s) => s.kind === "object-owners")!;
    expect(objectsStep.kind === "objects" && objectsStep.changes!.map((c) => `${c.action} ${c.id}`)).toEqual(["create s2", "create bm1"]);
    expect(objectsStep.kind === "objects" && objectsStep.only).toEqual(["bm1", "s2"]);
    expect(ownersStep.kind === "object-owners" && ownersStep.changes!.map((c) => `${c.id} ${refKey(c.owner)}`).sort()).toEqual(["bm1 id:u-ben", "s2 id:u-dev"]);
    expect(p.steps.map((s) => s.kind)).toEqual(["safety-backup", "objects", "object-owners"]);
    expect(p.users.map((u) => u.sourceId).sort()).toEqual(["u-ben", "u-dev"]);
    expect(p.spaces).toEqual([]);

    const before = structuredClone([...app().objects.values()].filter((o) => o.id === "s1" || o.id === "s3"));
    const result = await executeRestore({ plan: p, source, repository: repo, target, journal: new MemoryJournal(), safetyBackup: async () => ({ id: "safe" }) });
    expect(result.status, JSON.stringify(result.failed)).toBe("complete");
    expect(app().objects.get("s2")).toMatchObject({ ownerId: "u-dev", approved: false, published: false });
    expect((app().objects.get("s2")!.propertyTree as { qChildren: unknown[] }).qChildren).toHaveLength(1);
    expect(app().objects.get("bm1")).toMatchObject({ ownerId: "u-ben", genericType: "genericBookmark" });
    // The edited object keeps its edit; the others are as they were.
    expect([...app().objects.values()].filter((o) => o.id === "s1" || o.id === "s3")).toEqual(before);
    expect(target.calls.filter((c) => c === "upsertObject")).toHaveLength(2);
    expect(target.calls).not.toContain("updateAppOwner");

    // The verification covers exactly the selected objects (s3's edit is not a mismatch).
    const report = await verifyRestore({ plan: p, source, target, created: result.created, repository: repo });
    expect(report.status, JSON.stringify(report.apps)).toBe("match");
    expect(report.apps[0]!.objects).toBe(2);
  });

  it("a title must be unique and known; a child names its parent; --object needs exactly one --app", async () => {
    const objects = inMemory(source, "a-1").objects;
    objects.push({ ...obj("s4", "u-ben", "auth0|ben", "base"), title: "Twin" });
    objects.find((o) => o.id === "s3")!.title = "Twin";
    await expect(plan(["Twin"])).rejects.toThrow(/'Twin' is the title of 2 objects of app 'Sales' .*sheet s3, sheet s4.*select one by id/);
    await expect(plan(["nope"])).rejects.toThrow(/no object 'nope' \(id or title\) in app 'Sales' of snapshot snap-exec-00.*lifeboat ls snap-exec-00\S* apps\/a-1\/objects/);
    await expect(plan(["ch-1"])).rejects.toThrow(/'ch-1' is a child of sheet 's2' \(s2\).*--object s2/);
    await expect(plan(["s2"], { apps: ["a-1", "a-2"] })).rejects.toThrow(/exactly one --app/);
    await expect(plan(["s2"], { asNew: true })).rejects.toThrow(/no --all, --space, --space-map, --as-new/);
  });

  it("the restore key includes the object selection; a restore without --object keeps the key older versions gave it", async () => {
    const { canonicalJson, sha256Hex } = await import("../internal/canonical.ts");
    const old = sha256Hex(canonicalJson({ snapshotId: "snap", target: "dst.example.com", options: { apps: ["a-1"] } })).slice(0, 24);
    expect(restoreKeyOf("snap", target.host, { apps: ["a-1"] })).toBe(old);
    expect(restoreKeyOf("snap", target.host, { apps: ["a-1"], objects: ["s2"] })).not.toBe(old);
    expect(restoreKeyOf("snap", target.host, { apps: ["a-1"], objects: ["s2", "bm1"] })).toBe(restoreKeyOf("snap", target.host, { apps: ["a-1"], objects: ["bm1", "s2"] }));
  });

  it("a full in-place restore plans every object change: update, state, owner, delete (listed)", async () => {
    edit("s3", "edited");
    app().objects.get("s1")!.approved = false;
    app().objects.get("bm1")!.ownerId = "u-dev";
    app().objects.set("x1", obj("x1", "u-dev", "auth0|dev", "private"));
    app().objects.delete("s2");
    const p = planRestore(source, await readTargetState(target, { objectsOf: ["a-1"] }), { apps: ["a-1"], deleteExtraObjects: true });
    const step = p.steps.find((s) => s.kind === "objects")!;
    expect(step.kind === "objects" && step.changes!.map((c) => `${c.action} ${c.id}`)).toEqual(["create s2", "update s3", "state s1", "delete x1"]);
    expect(step.kind === "objects" && step.remove.map((r) => r.id)).toEqual(["x1"]);
    const owners = p.steps.find((s) => s.kind === "object-owners")!;
    expect(owners.kind === "object-owners" && owners.changes!.map((c) => c.id).sort()).toEqual(["bm1", "s2"]);
    const result = await executeRestore({ plan: p, source, repository: repo, target, journal: new MemoryJournal(), safetyBackup: async () => ({ id: "safe" }) });
    expect(result.status, JSON.stringify(result.failed)).toBe("complete");
    const report = await verifyRestore({ plan: p, source, target, created: result.created, repository: repo });
    expect(report.status, JSON.stringify(report.apps)).toBe("match");
  });

  for (const objectDates of [true, false])
    it(`objectDates=${objectDates}: a change between plan and apply stops the app's object steps, naming the object; a new plan goes on`, async () => {
      target.objectDates = objectDates;
      app().objects.delete("s2");
      edit("s3", "edited once");
      const p = await plan(["s2", "s3"]);
      // Someone edits s3 again after the plan was made (a date moves, or only the content without dates).
      const o = app().objects.get("s3")!;
      o.propertyTree = { ...(o.propertyTree as object), qProperty: { qInfo: { qId: "s3", qType: "sheet" }, qMetaDef: { title: "edited twice" } } };
      if (objectDates) target.modified.set("a-1 s3", "2026-12-05T10:00:00.000Z");
      target.calls = [];
      const result = await executeRestore({ plan: p, source, repository: repo, target, journal: new MemoryJournal(), safetyBackup: async () => ({ id: "safe" }) });
      expect(result.status).toBe("partial");
      const failed = result.steps.find((s) => s.id === "app:a-1:objects")!;
      expect(failed.outcome).toBe("failed");
      expect(failed.note).toMatch(/app 'Sales' \(a-1\) changed since the plan was made: object 's3' \(sheet 's3'\)/);
      if (objectDates) expect(failed.note).toMatch(/modified at 2026-12-05T10:00:00.000Z \(read at planning: modified 2026-12-01T00:00:01.000Z\)/);
      else expect(failed.note).toMatch(/its content differs from what planning read/);
      expect(result.steps.find((s) => s.id === "app:a-1:object-owners")!.outcome).toBe("skipped");
      expect(target.calls.filter((c) => c !== "save")).toEqual([]);
      expect(app().objects.has("s2")).toBe(false);
      expect((app().objects.get("s3")!.propertyTree as { qProperty: { qMetaDef: { title: string } } }).qProperty.qMetaDef.title).toBe("edited twice");
      // Running it again plans anew from what is there now.
      const again = await executeRestore({ plan: await plan(["s2", "s3"]), source, repository: repo, target, journal: new MemoryJournal(), safetyBackup: async () => ({ id: "safe" }) });
      expect(again.status, JSON.stringify(again.failed)).toBe("complete");
      expect(app().objects.get("s2")).toMatchObject({ ownerId: "u-dev" });
    });
});
