import { PassThrough } from "node:stream";
import { createFakeTenant, sampleTenantState } from "@lifeboat/engine/testing";
import { createTestRepository } from "@lifeboat/repository/testing";
import { describe, expect, it } from "vitest";
import { LifeboatError } from "@lifeboat/model";
import { EXIT, exitCodeFor } from "../errors.ts";
import { QlikApiError } from "@lifeboat/qlik";
import { main } from "../main.ts";
import { describeConnectionError, runBackup } from "./backup.ts";

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
      expect(error).toBeInstanceOf(LifeboatError);
      expect((error as LifeboatError).code).toBe("partial");
      expect(exitCodeFor(error)).toBe(EXIT.partial);
      expect((error as LifeboatError).message).toMatch(/snapshot [0-9a-f]{12} was saved PARTIAL: 1 item\(s\) failed .*lifeboat show/);
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

  it("--trust-item-dates reaches the engine: a second run reuses the REST reads of apps whose dates did not move", async () => {
    const repo = await createTestRepository();
    const tenant = createFakeTenant(sampleTenantState());
    for (const a of tenant.state.apps) Object.assign(a.summary, { updatedAt: "2026-11-01T00:00:00.000Z", resourceUpdatedAt: "2026-11-01T00:00:00.000Z" });
    const restReads = () => (tenant.calls.getAppInfo ?? 0) + (tenant.calls.getAppScript ?? 0) + (tenant.calls.getAppScriptHistory ?? 0);
    const run = (opts: { trustItemDates?: boolean }) => runBackup({ connection, repo, tenant, opts, stdout: sink().stream, stderr: sink().stream });
    try {
      await run({});
      let before = restReads();
      await run({});
      expect(restReads() - before).toBe(3 * tenant.state.apps.length);
      before = restReads();
      await run({ trustItemDates: true });
      expect(restReads() - before).toBe(0);
    } finally {
      await repo.close();
    }
  });
});

describe("lifeboat backup --deep-check-days", () => {
  it("refuses anything but a whole number of days from 0 to 30, naming the option, before touching a tenant", async () => {
    const write = process.stderr.write.bind(process.stderr);
    for (const bad of ["31", "-1", "7.5", "week"]) {
      let stderr = "";
      process.stderr.write = ((c: string | Uint8Array) => ((stderr += Buffer.from(c).toString()), true)) as typeof process.stderr.write;
      let code: number;
      try {
        code = await main(["node", "lifeboat", "backup", "--host", "http://127.0.0.1:9", "--deep-check-days", bad]);
      } finally {
        process.stderr.write = write;
      }
      expect(code, bad).not.toBe(0);
      expect(stderr, bad).toContain("--deep-check-days");
      expect(stderr, bad).toContain("from 0 to 30");
    }
  });
});

describe("describeConnectionError", () => {
  const host = "http://127.0.0.1:39999";
  const net = (detail: string) => new QlikApiError({ kind: "transient", status: 0, operation: "whoAmI", host, detail });
  const text = (e: unknown) => (e as Error).message;
  it("says in plain words why the host could not be reached, names it and the next step, once", () => {
    const refused = text(describeConnectionError(net("fetch failed - connect ECONNREFUSED 127.0.0.1:39999"), { ...connection, host, name: "demo" }));
    expect(refused).toBe(
      "cannot reach http://127.0.0.1:39999 (tenant 'demo'): connection refused: nothing listens at that address and port (fetch failed - connect ECONNREFUSED 127.0.0.1:39999); " +
        "check the host URL (scheme, name and port) and the network, then run the backup again",
    );
    const unknown = text(describeConnectionError(net("host not found (getaddrinfo ENOTFOUND nope); check the tenant URL"), { ...connection, host: "https://nope" }));
    expect(unknown).toMatch(/^cannot reach https:\/\/nope: the host name does not resolve \(getaddrinfo ENOTFOUND nope\); check the host URL/);
    expect(unknown.match(/check the/g)).toHaveLength(1);
  });
  it("names the rejected credential without showing it", () => {
    const e = new QlikApiError({ kind: "unauthorized", status: 401, operation: "whoAmI", host, detail: "Invalid API key" });
    const msg = text(describeConnectionError(e, { ...connection, host }));
    expect(msg).toBe("http://127.0.0.1:39999 rejected the credentials (401 Invalid API key); check the API key");
    expect(msg).not.toContain("secret-key");
  });
  it("goes by the connector's code, not by the text: it keeps the code (exit 1) and matches no strings itself", () => {
    const refused = describeConnectionError(net("fetch failed - connect ECONNREFUSED 127.0.0.1:39999"), { ...connection, host });
    expect((refused as LifeboatError).code).toBe("unreachable");
    expect(exitCodeFor(refused)).toBe(EXIT.error);
    const late = new QlikApiError({ kind: "transient", status: 0, code: "timeout", operation: "whoAmI", host, detail: "no answer for 1 s on GET /api/v1/users/me (timeout 'request'; …)" });
    expect(text(describeConnectionError(late, { ...connection, host }))).toMatch(/^cannot reach http:\/\/127\.0\.0\.1:39999: the connection timed out \(no answer for 1 s/);
    // Not classified as "no answer" by the connector: left as it is, whatever its text says.
    const busy = new QlikApiError({ kind: "transient", status: 503, operation: "whoAmI", host, detail: "upstream said ECONNREFUSED" });
    expect(describeConnectionError(busy, { ...connection, host })).toBe(busy);
    const foreign = new Error("fetch failed - connect ECONNREFUSED 10.0.0.1:9000 (the S3 endpoint)");
    expect(describeConnectionError(foreign, { ...connection, host })).toBe(foreign);
  });
});
