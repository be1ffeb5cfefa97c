import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { DEFAULT_TIMEOUTS } from "@lifeboat/qlik";
import { describe, expect, it } from "vitest";
import { parseConfig, resolveTenant } from "./config.ts";
import { createBackupRenderer } from "./render/progress.ts";
import { DEFAULT_SECONDS, parseTimeoutSpecs, resolveCliTimeouts, TIMEOUT_KEYS, type TimeoutKey } from "./timeouts.ts";

describe("timeouts from flags, environment and lifeboat.yaml", () => {
  it("parses KIND=SECONDS and refuses anything else, naming the kinds", () => {
    expect(parseTimeoutSpecs(["request=20", "idle=2.5", "notice=0"], "--timeout")).toEqual({ requestMs: 20_000, idleMs: 2_500, noticeMs: 0 });
    expect(() => parseTimeoutSpecs(["request"], "--timeout")).toThrow(/--timeout 'request': expected KIND=SECONDS with KIND one of request, appJob, idle, qixOpen, qixCall, notice/);
    expect(() => parseTimeoutSpecs(["request=0"], "--timeout")).toThrow(/request must be more than 0 seconds/);
    expect(() => parseTimeoutSpecs(["ever=3"], "LIFEBOAT_TIMEOUTS")).toThrow(/^LIFEBOAT_TIMEOUTS 'ever=3'/);
  });

  it("the help's defaults are the connector's", () => {
    for (const [k, s] of Object.entries(DEFAULT_SECONDS)) expect(s * 1000).toBe(DEFAULT_TIMEOUTS[TIMEOUT_KEYS[k as TimeoutKey]]);
  });

  it("later sources win: config, then LIFEBOAT_TIMEOUTS, then --timeout", () => {
    expect(resolveCliTimeouts({ requestMs: 1000, idleMs: 2000, qixCallMs: 3000 }, { LIFEBOAT_TIMEOUTS: "idle=5,qixOpen=6" }, ["qixCall=7"])).toEqual({
      requestMs: 1000,
      idleMs: 5000,
      qixOpenMs: 6000,
      qixCallMs: 7000,
    });
  });

  it("lifeboat.yaml: top-level timeouts, a tenant's own win; bad values are config errors", () => {
    const dir = mkdtempSync(join(tmpdir(), "lifeboat-timeouts-"));
    try {
      const file = join(dir, "lifeboat.yaml");
      writeFileSync(
        file,
        "timeouts: { request: 30, idle: 600 }\ntenants:\n  prod:\n    host: https://acme.eu.qlikcloud.com\n    auth: { type: apikey, apiKeyEnv: K }\n    timeouts: { request: 10 }\n",
      );
      const c = resolveTenant({ tenant: "prod", config: file }, { K: "key" }, dir);
      expect(c.timeouts).toEqual({ requestMs: 10_000, idleMs: 600_000 });
      // A host from the environment still gets the file's top-level timeouts.
      const fromEnv = resolveTenant({ config: file }, { QLIK_HOST: "https://other.eu.qlikcloud.com", QLIK_API_KEY: "k" }, dir);
      expect(fromEnv.timeouts).toEqual({ requestMs: 30_000, idleMs: 600_000 });
      const bad = parseConfig("timeouts: { request: 0, forever: 3 }\ntenants: {}\n");
      expect(bad.issues.map((i) => i.path).sort()).toEqual(["timeouts", "timeouts.request"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a waiting notice shows at once on a TTY too (above the bars), not after the run", () => {
    const err = new PassThrough();
    let text = "";
    err.on("data", (c: Buffer) => (text += c.toString("utf8")));
    const r = createBackupRenderer("tty", new PassThrough(), err);
    r({ type: "layer-start", layer: "apps", total: 2 });
    r({ type: "warning", code: "waiting", message: "waiting 30 s for GET /api/v1/items on https://x (attempt 1; gives up after 60 s)" });
    expect(text).toContain("warning: waiting 30 s for GET /api/v1/items on https://x (attempt 1; gives up after 60 s)\n");
    r.stop();
  });
});
