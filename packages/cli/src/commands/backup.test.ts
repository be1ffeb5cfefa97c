import { PassThrough } from "node:stream";
import { createFakeTenant, sampleTenantState } from "@lifeboat/engine/testing";
import { createTestRepository } from "@lifeboat/repository";
import { describe, expect, it } from "vitest";
import { EXIT, UserError } from "../errors.ts";
import { runBackup } from "./backup.ts";

function sink() {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (c: Buffer) => (text += c.toString("utf8")));
  return { stream, text: () => text };
}

const connection = { host: "https://acme.example.qlikcloud.com", auth: { type: "apikey" as const, apiKey: "secret-key" }, tags: [] };

describe("runBackup", () => {
  it("saves a partial snapshot and exits 3 when items fail, naming the snapshot and the next step", async () => {
    const repo = await createTestRepository();
    const tenant = createFakeTenant(sampleTenantState());
    tenant.fail("exportApp", "app-sales", new Error("503 Service Unavailable"));
    const out = sink();
    const err = sink();
    try {
      const error = await runBackup({ connection, repo, tenant, opts: {}, stdout: out.stream, stderr: err.stream }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).exitCode).toBe(EXIT.partial);
      expect((error as UserError).message).toMatch(/snapshot [0-9a-f]{12} was saved PARTIAL: 1 item\(s\) failed .*lifeboat show/);
      const [snapshot] = await repo.listSnapshots();
      expect(snapshot?.partial).toBe(true);
      expect(err.text()).toMatch(/failed: app 'Sales' \(app-sales\): could not export app 'Sales'.*503/);
      expect(out.text()).toMatch(/apps\s+2\s+0\s+1\s+0/);
    } finally {
      await repo.close();
    }
  });

  it("--json writes NDJSON events and the manifest last, and never a secret", async () => {
    const repo = await createTestRepository();
    const out = sink();
    const err = sink();
    try {
      await runBackup({ connection, repo, tenant: createFakeTenant(sampleTenantState()), opts: { json: true, tag: ["t1"] }, stdout: out.stream, stderr: err.stream });
      const lines = out.text().trim().split("\n").map((l) => JSON.parse(l) as { type: string; snapshot?: { tags: string[] } });
      expect(lines[0]!.type).toBe("layer-start");
      expect(lines.at(-2)!.type).toBe("done");
      expect(lines.at(-1)!.type).toBe("manifest");
      expect(lines.at(-1)!.snapshot!.tags).toEqual(["t1"]);
      expect(out.text() + err.text()).not.toContain("secret-key");
    } finally {
      await repo.close();
    }
  });
});
