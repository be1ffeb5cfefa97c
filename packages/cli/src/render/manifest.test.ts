import { backup, type Manifest } from "@lifeboat/engine";
import { createFakeTenant, sampleTenantState } from "@lifeboat/engine/testing";
import { createTestRepository } from "@lifeboat/repository/testing";
import { describe, expect, it } from "vitest";
import { reentrySummary, renderManifest } from "./manifest.ts";

async function sampleManifest(): Promise<Manifest> {
  const repo = await createTestRepository();
  try {
    return (await backup({ tenant: createFakeTenant(sampleTenantState()), repository: repo })).manifest;
  } finally {
    await repo.close();
  }
}

describe("manifest rendering of resource kinds", () => {
  it("sums up per kind which secrets a restore will need re-entered, items needing the same counted together", async () => {
    const base = await sampleManifest();
    const item = (id: string, reenter: string[], status: "captured" | "unchanged" | "failed" = "captured") => ({ layer: "dataConnections" as const, id, name: id, status, reenter });
    const manifest: Manifest = {
      ...base,
      items: [...base.items, item("a", ["user name", "password"]), item("b", ["user name", "password"], "unchanged"), item("c", ["password"]), item("d", ["password"], "failed")],
      counts: { ...base.counts, dataConnections: { captured: 2, unchanged: 1, failed: 1, skipped: 0 } },
    };
    expect(reentrySummary(manifest)).toEqual(["2 data connections need their user name and password re-entered at restore", "1 data connection needs its password re-entered at restore"]);
    const text = renderManifest(manifest);
    expect(text).toContain("2 data connections need their user name and password re-entered at restore\n");
    // Every declared kind is counted once the run captured resource kinds (0: none found) …
    expect(text).toMatch(/dataConnections +2 +1 +1 +0/);
    expect(text).toMatch(/reloadTasks +0 +0 +0 +0/);
    // … and none of them for a snapshot taken before there were any.
    expect(renderManifest(base)).not.toMatch(/reloadTasks/);
  });
});
