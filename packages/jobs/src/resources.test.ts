/**
 * The run layer and resource kinds (issue 12): the restore job takes the operator's secrets
 * through its deps (never the serialisable spec), passes `options.layers` through, and its
 * outcome carries the re-entry checklist — from the plan alone for a plan-only run, from the
 * result once it ran. No secret reaches the plan file, the journal or the log.
 *
 * The tenants are the engine's in-memory fakes (`connect`); the kinds are declared here, since
 * none is declared on main yet (the verticals declare them).
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { backup, LocalJournalStore, type RestoreSecrets } from "@lifeboat/engine";
import { createFakeTenant, FakeTarget, sampleTenantState } from "@lifeboat/engine/testing";
import type { Repository } from "@lifeboat/repository";
import { createTestRepository } from "@lifeboat/repository/testing";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { runRestore } from "./restore.ts";
import type { RestoreDeps, RestoreJobSpec, TenantConnection } from "./spec.ts";

vi.mock("../../engine/src/kinds/resources/defs/index.ts", async () => {
  const { resourceKind } = await import("../../engine/src/kinds/resources/kind.ts");
  return {
    DECLARED: [
      resourceKind({
        layer: "webhooks",
        noun: "webhook",
        path: "webhooks",
        group: "integration",
        phase: "after-apps",
        match: "name",
        where: "Management Console › Webhooks",
        restoreNote: "signing secrets are re-entered",
        secrets: [{ field: "secret", label: "signing secret" }],
        classify: (r) => (r.secrets?.length ? { class: "input", reason: "its signing secret is never returned" } : { class: "direct", reason: "no secret" }),
      }),
    ],
  };
});

const SECRET = "SECRET-jobs-webhook-signing-key-0123456789";

describe("restore job: resource kinds", () => {
  let repo: Repository;
  let dir: string;
  let target: FakeTarget;
  beforeEach(async () => {
    repo = await createTestRepository();
    dir = await mkdtemp(join(tmpdir(), "lifeboat-jobs-resources-"));
    const state = sampleTenantState();
    state.resources = [
      { record: { kind: "webhooks", id: "wh-1", name: "Reload alerts", stamp: "1", body: { name: "Reload alerts", url: "https://hooks.example.com/1", enabled: false } }, secretValues: { secret: "SECRET-source-never-stored" } },
      { record: { kind: "webhooks", id: "wh-2", name: "Audit", stamp: "1", body: { name: "Audit", url: "https://hooks.example.com/2", enabled: true } }, secretValues: { secret: "SECRET-source-never-stored-2" } },
    ];
    await backup({ tenant: createFakeTenant(state), repository: repo, tags: [] });
    target = new FakeTarget();
  });
  afterEach(async () => {
    await repo.close();
    await rm(dir, { recursive: true, force: true });
  });

  const spec = (over: Partial<RestoreJobSpec> = {}): RestoreJobSpec => ({
    kind: "restore",
    repository: { url: "memory" },
    snapshot: "latest",
    options: { layers: ["webhooks"], safetyBackup: false },
    target: { host: target.host, credentials: "target" },
    ...over,
  });
  const secrets: RestoreSecrets = {
    has: (layer, name, field) => layer === "webhooks" && name === "Reload alerts" && field === "secret",
    values: (layer, name): Record<string, string> => (layer === "webhooks" && name === "Reload alerts" ? { secret: SECRET } : {}),
  };
  const deps = (journals: LocalJournalStore): RestoreDeps => ({
    journals,
    resolveTenant: (): TenantConnection => ({ host: target.host, auth: { type: "apikey", apiKey: "unused" }, tags: [] }),
    openRepository: async () => ({ repository: repo, close: async () => undefined }),
    connect: () => ({ reader: createFakeTenant({ ...sampleTenantState(), host: target.host, apps: [], spaces: [] }), target: () => target, close: async () => undefined }),
    confirm: async () => true,
    secrets,
  });

  it("plan only: the checklist names the webhook whose secret is not given; the plan file holds no secret", async () => {
    const out = await runRestore(spec({ planOnly: true }), deps(new LocalJournalStore(join(dir, "state"))));
    expect(out.status).toBe("planned");
    if (out.status !== "planned") return;
    expect(out.plan.options.layers).toEqual(["webhooks"]);
    expect(out.checklist.map((c) => [c.name, c.todo, c.where])).toEqual([["Audit", "enter its signing secret", "Management Console › Webhooks"]]);
    expect(out.planFile).not.toContain(SECRET);
    expect(JSON.stringify(spec())).not.toContain(SECRET);
  });

  it("executed: the given secret reaches the target only; the outcome's checklist names the other; journal and log hold no secret", async () => {
    const state = join(dir, "state");
    const out = await runRestore(spec(), deps(new LocalJournalStore(state)));
    expect(out.status).toBe("executed");
    if (out.status !== "executed") return;
    expect(out.result.failed).toEqual([]);
    // (The items of one kind are written side by side: in no particular order.)
    expect(target.resourcesOf("webhooks").map((r) => [r.record.name, r.secretValues]).sort()).toEqual([
      ["Audit", {}],
      ["Reload alerts", { secret: SECRET }],
    ]);
    expect(out.checklist.map((c) => [c.name, c.todo])).toEqual([["Audit", "enter its signing secret"]]);
    expect(out.report?.other).toEqual([]);
    // Every file the journal store wrote (journal, log, verification report): no secret.
    const files: string[] = [];
    const walk = async (d: string): Promise<void> => {
      for (const e of await readdir(d, { withFileTypes: true })) e.isDirectory() ? await walk(join(d, e.name)) : files.push(join(d, e.name));
    };
    await walk(state);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(await readFile(f, "utf8"), f).not.toContain(SECRET);
  });
});
