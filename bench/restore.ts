/**
 * P6: whole-tenant restore into an empty tenant, timed against its rate-limit floor.
 *
 * Setup (not measured): a generated source tenant (no latency, no limits) is backed up
 * into a fresh repository. Measured: `runRestore` (@lifeboat/jobs) of that snapshot — plan, execute and the
 * read-back verification — into an `empty` tenant served with Qlik's limits and the
 * latency model, in a child process. Floor: the same formula as P1 over the calls per
 * tier the connector reports for the restore.
 */
import { join } from "node:path";
import { startEmulator, type EmulatorOptions } from "@lifeboat/emulator";
import { runChild } from "./child.ts";
import { floorRatio, limitedCalls, rateLimitFloor } from "./floor.ts";
import type { LifeboatJob, LifeboatResult, RestoreJob, RestoreResultSummary } from "./worker.ts";

export interface RestoreBench {
  measured: boolean;
  reason?: string;
  apps?: number;
  objectsPerApp?: number;
  wallMs?: number;
  floorEmulatedMs?: number;
  ratio?: number;
  [k: string]: unknown;
}

export interface RestoreBenchContext {
  mode: { timeScale: number; p6Apps: number; p6ObjectsPerApp: number; restoreHeadroom?: number };
  work: string;
  password: string;
  log: (msg: string) => void;
  emulatorOptions: (over: Partial<EmulatorOptions>) => EmulatorOptions;
}

export async function runRestoreBench(ctx: RestoreBenchContext): Promise<RestoreBench> {
  const jobs = (await import("@lifeboat/jobs")) as Record<string, unknown>;
  if (typeof jobs.runRestore !== "function") return { measured: false, reason: "@lifeboat/jobs exports no runRestore() in this tree" };
  const { mode, work, password, log } = ctx;
  const repo = join(work, "repo-p6");
  const source = await startEmulator(ctx.emulatorOptions({ apps: mode.p6Apps, objectsPerApp: mode.p6ObjectsPerApp, rateLimits: "off", latency: "none", timeScale: 1 }));
  try {
    log(`P6: backing up the source tenant (${mode.p6Apps} apps × ${mode.p6ObjectsPerApp} objects; setup, not measured) …`);
    const job: LifeboatJob = { kind: "lifeboat", host: source.host, clientId: source.clientId, clientSecret: source.clientSecret, repo, password, init: true, timeScale: 1 };
    const b = await runChild<LifeboatResult>(job);
    if (b.result.partial) throw new Error(`P6 setup: the source backup is partial: ${b.result.failures.join(" | ")}`);
  } finally {
    await source.close();
  }
  const target = await startEmulator(ctx.emulatorOptions({ fixture: "empty" }));
  try {
    log(`P6: restore into an empty tenant (timeScale ${mode.timeScale}) …`);
    const job: RestoreJob = { kind: "restore", host: target.host, clientId: target.clientId, clientSecret: target.clientSecret, repo, password, timeScale: mode.timeScale };
    if (mode.restoreHeadroom !== undefined) job.headroom = mode.restoreHeadroom;
    const r = await runChild<RestoreResultSummary>(job);
    const floor = rateLimitFloor(limitedCalls(r.result.stats.callsPerTier, r.result.stats.callsPerOperation));
    const ratio = floorRatio(r.result.wallMs, floor.floorMs, mode.timeScale);
    log(
      `P6: ${(r.result.wallMs / 1000).toFixed(1)} s (execute ${(r.result.executeMs / 1000).toFixed(1)} s), status ${r.result.status}, verification ${r.result.verification} ` +
        `(${r.result.mismatches} mismatches), calls ${JSON.stringify(r.result.stats.callsPerTier)}, 429s ${r.result.stats.rateLimited}, floor ${(floor.floorMs / mode.timeScale / 1000).toFixed(1)} s` +
        (r.result.failed.length ? `, FAILED: ${r.result.failed.join(" | ")}` : ""),
    );
    return {
      measured: true,
      apps: mode.p6Apps,
      objectsPerApp: mode.p6ObjectsPerApp,
      headroom: mode.restoreHeadroom ?? "connector default (1)",
      wallMs: Math.round(r.result.wallMs),
      floorEmulatedMs: floor.floorMs,
      floor,
      ratio,
      restore: { ...r.result, maxRssMB: Math.round(r.maxRssBytes / (1024 * 1024)), cpuMs: r.cpuMs, emulatorCpuMs: r.parentCpuMs },
    };
  } finally {
    await target.close();
  }
}
