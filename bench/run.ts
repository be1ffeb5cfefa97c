/**
 * `npm run bench` — Lifeboat against the documented approach (`peer.ts`) and against
 * Qlik's rate-limit floor (`floor.ts`), on the emulator with Qlik's published limits and
 * the latency model of issue 6, time-scaled. One run measures P1–P6 (see RESULTS.md).
 *
 *     npm run bench                 # full: 2,000 apps × 50 objects (~30 min; time scales in FULL)
 *     npm run bench -- --quick      # quick: 600 apps × 20 objects (~8 min)
 *     npm run bench -- --only P1,P5 # a subset (P1 P2 P3 share one tenant and run together)
 *     npm run bench -- --scale 10   # another time scale for Lifeboat's runs (--p3-scale for P3's; default 1)
 *     npm run bench -- --only P1,P3 --no-object-dates   # with the emulator's objectMetaDates switch off
 *     npm run bench -- --only P1T --tuned '{"exports":32,…}'   # P1 with other options only
 *     npm run bench -- --only P4 --churn 0 --days 10           # P4 variants (also --p4-apps N)
 *     npm run bench -- --only P6 --restore-headroom 1          # P6 with the whole budget
 *     (also --apps N, --big-app-bytes N, --keep to keep the work directory)
 *
 * Every measured client runs in a child process (`child.ts`), the emulator in this one.
 * Results go to stdout as a table and to `bench/results/<mode>.json`.
 */
import { cpus, freemem, loadavg, tmpdir, totalmem } from "node:os";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from "@lifeboat/emulator";
import { initRepository } from "@lifeboat/repository";
import { runChild, type ChildReport } from "./child.ts";
import { changeApps, pick, resetRateLimits } from "./churn.ts";
import { floorRatio, limitedCalls, rateLimitFloor, sequentialLatencyMs, type Floor } from "./floor.ts";
import type { PeerResult } from "./peer.ts";
import type { LifeboatJob, LifeboatResult, PeerJob } from "./worker.ts";
import { runRestoreBench, type RestoreBench } from "./restore.ts";

interface Mode {
  name: "quick" | "full";
  apps: number;
  objectsPerApp: number;
  users: number;
  /** Time scale of the Lifeboat runs (P1, P3, P5, P6). */
  timeScale: number;
  /** Time scale of the peer's emulator (P2). */
  peerTimeScale: number;
  /** Also run P1 with TUNED options (`--tuned '{…}'` replaces them). */
  tuned: boolean;
  /** Run the peer a second time after the churn (it has no changed-only mode, so its work is the same). */
  peerDaily: boolean;
  churn: number;
  p4Apps: number;
  p4ObjectsPerApp: number;
  p4Days: number;
  bigAppBytes: number;
  p6Apps: number;
  p6ObjectsPerApp: number;
  /** `--p3-trust`: also measure P3 with `backup({ trustItemDates: true })`. */
  p3Trust?: boolean;
  /** `--restore-headroom F`: the connector's budget fraction for P6 (default: its own, 1 since issue 6's fixes; 0.9 before). */
  restoreHeadroom?: number;
  /** P6 runs at a time scale of its own (restore makes one Tier-2 call per object). */
  p6TimeScale: number;
  /**
   * The P3 runs (no change, 2% changed) run at this scale — 1: real time. They are bound by
   * QIX latency and the client's CPU, which time-scaling does not shrink; at the P1 scale
   * their CPU would weigh K times more against the waits than on a real tenant.
   */
  p3TimeScale: number;
  /** `--no-object-dates`: the emulator's objectMetaDates switch off (no qMeta dates: every object read every run). */
  noObjectDates?: boolean;
}

const FULL: Mode = {
  name: "full",
  apps: 2000,
  objectsPerApp: 50,
  users: 20,
  timeScale: 4,
  peerTimeScale: 40,
  peerDaily: false,
  tuned: true,
  churn: 0.02,
  p4Apps: 100,
  p4ObjectsPerApp: 20,
  p4Days: 30,
  bigAppBytes: 2_000_000_000,
  p6Apps: 60,
  p6ObjectsPerApp: 20,
  p6TimeScale: 10,
  p3TimeScale: 1,
};

const QUICK: Mode = {
  name: "quick",
  apps: 600,
  objectsPerApp: 20,
  users: 20,
  timeScale: 10,
  peerTimeScale: 20,
  peerDaily: false,
  tuned: true,
  churn: 0.02,
  p4Apps: 50,
  p4ObjectsPerApp: 20,
  p4Days: 30,
  bigAppBytes: 256_000_000,
  p6Apps: 40,
  p6ObjectsPerApp: 12,
  p6TimeScale: 10,
  p3TimeScale: 1,
};

/** Options only (no code change): engine pools, connector concurrency, the whole published budget. */
let TUNED: Partial<LifeboatJob> = { sessions: 16, exports: 8, concurrency: { rest: 16, exports: 8, qixSessions: 8, qixCalls: 8 }, headroom: 1 };

const PASSWORD = "lifeboat-bench-password";
const SEED = "bench";

function parseArgs(argv: string[]): { mode: Mode; only: Set<string>; keep: boolean } {
  const mode: Mode = { ...(argv.includes("--quick") ? QUICK : FULL) };
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const scale = value("--scale");
  if (scale) mode.timeScale = Number(scale);
  const apps = value("--apps");
  if (apps) mode.apps = Number(apps);
  const tuned = value("--tuned");
  if (tuned) TUNED = JSON.parse(tuned) as Partial<LifeboatJob>;
  const churn = value("--churn");
  if (churn) mode.churn = Number(churn);
  const days = value("--days");
  if (days) mode.p4Days = Number(days);
  const p4apps = value("--p4-apps");
  if (p4apps) mode.p4Apps = Number(p4apps);
  const restoreHeadroom = value("--restore-headroom");
  if (restoreHeadroom) mode.restoreHeadroom = Number(restoreHeadroom);
  if (argv.includes("--no-tuned")) mode.tuned = false;
  if (argv.includes("--p3-trust")) mode.p3Trust = true;
  if (argv.includes("--no-object-dates")) mode.noObjectDates = true;
  const p3scale = value("--p3-scale");
  if (p3scale) mode.p3TimeScale = Number(p3scale);
  const big = value("--big-app-bytes");
  if (big) mode.bigAppBytes = Number(big);
  const only = new Set((value("--only") ?? "P1,P2,P3,P4,P5,P6").split(",").map((s) => s.trim().toUpperCase()));
  return { mode, only, keep: argv.includes("--keep") };
}

const log = (msg: string): void => void process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

function dirSize(path: string): number {
  let total = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const p = join(path, entry.name);
    if (entry.isDirectory()) total += dirSize(p);
    else if (entry.isFile()) total += statSync(p).size;
  }
  return total;
}

const MB = 1024 * 1024;
const fmtS = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const fmtX = (x: number | undefined): string => (x === undefined ? "n/a" : `${x.toFixed(2)}×`);

function emulatorOptions(mode: Mode, over: Partial<EmulatorOptions>): EmulatorOptions {
  return {
    fixture: "generated",
    apps: mode.apps,
    objectsPerApp: mode.objectsPerApp,
    users: mode.users,
    seed: SEED,
    rateLimits: "qlik",
    latency: "realistic",
    timeScale: mode.timeScale,
    admin: true,
    ...(mode.noObjectDates ? { quirks: { objectMetaDates: false } } : {}),
    ...over,
  };
}

function lifeboatJob(emu: EmulatorHandle, repo: string, timeScale: number, over: Partial<LifeboatJob>): LifeboatJob {
  return { kind: "lifeboat", host: emu.host, clientId: emu.clientId, clientSecret: emu.clientSecret, repo, password: PASSWORD, init: false, timeScale, ...over };
}

async function lifeboat(emu: EmulatorHandle, job: LifeboatJob, what: string): Promise<ChildReport<LifeboatResult>> {
  await resetRateLimits(emu.host);
  log(`${what}: Lifeboat backup${job.full ? " --full" : ""}${job.withData ? " --with-data" : ""} …`);
  const r = await runChild<LifeboatResult>({ ...job });
  const s = r.result.stats;
  log(
    `${what}: ${fmtS(r.result.wallMs)}, calls ${JSON.stringify(s.callsPerTier)}, exports ${r.result.exports.count}, ` +
      `apps ${JSON.stringify(r.result.apps)} (objects not read: ${r.result.objectsSkipped}, deep-checked: ${r.result.deepChecked}), 429s ${s.rateLimited}, retries ${s.retries}, throttled ${fmtS(s.throttledMs)}, RSS ${(r.maxRssBytes / MB).toFixed(0)} MB, CPU ${fmtS(r.cpuMs)} (emulator ${fmtS(r.parentCpuMs)})` +
      (r.result.failures.length ? `, FAILURES: ${r.result.failures.join(" | ")}` : ""),
  );
  return r;
}

async function peer(emu: EmulatorHandle, exportDir: string, what: string, withData = false): Promise<ChildReport<PeerResult>> {
  await resetRateLimits(emu.host);
  log(`${what}: peer (documented approach) …`);
  const job: PeerJob = { kind: "peer", host: emu.host, clientId: emu.clientId, clientSecret: emu.clientSecret, exportDir, withData };
  const r = await runChild<PeerResult>(job);
  rmSync(exportDir, { recursive: true, force: true });
  log(
    `${what}: peer ${fmtS(r.result.wallMs)}, apps ${r.result.apps} (failed ${r.result.failedApps}), objects ${r.result.objects}, ` +
      `calls ${JSON.stringify(r.result.callsPerTier)}, RSS ${(r.maxRssBytes / MB).toFixed(0)} MB, CPU ${fmtS(r.cpuMs)} (emulator ${fmtS(r.parentCpuMs)})${r.result.firstError ? `, first error: ${r.result.firstError}` : ""}`,
  );
  return r;
}

function summaryOf(r: ChildReport<LifeboatResult>) {
  return {
    wallMs: Math.round(r.result.wallMs),
    processMs: Math.round(r.processMs),
    callsPerTier: r.result.stats.callsPerTier,
    callsPerOperation: r.result.stats.callsPerOperation,
    rateLimited: r.result.stats.rateLimited,
    retries: r.result.stats.retries,
    throttledMs: Math.round(r.result.stats.throttledMs),
    qixSessions: r.result.stats.qixSessions,
    qixCalls: r.result.stats.qixCalls,
    exports: r.result.exports,
    apps: r.result.apps,
    objects: r.result.objects,
    partial: r.result.partial,
    failures: r.result.failures,
    maxRssMB: Math.round(r.maxRssBytes / MB),
    maxRssBytes: r.maxRssBytes,
    cpuMs: r.cpuMs,
    emulatorCpuMs: r.parentCpuMs,
  };
}

function peerSummary(r: ChildReport<PeerResult>) {
  const { wallMs, ...rest } = r.result;
  return { wallMs: Math.round(wallMs), processMs: Math.round(r.processMs), ...rest, maxRssMB: Math.round(r.maxRssBytes / MB), cpuMs: r.cpuMs, emulatorCpuMs: r.parentCpuMs };
}

function floorSummary(f: Floor, timeScale: number) {
  return {
    floorEmulatedMs: f.floorMs,
    floorRealMs: Math.round(f.floorMs / timeScale),
    binding: f.binding,
    buckets: f.buckets,
  };
}

async function main(): Promise<void> {
  const { mode, only, keep } = parseArgs(process.argv.slice(2));
  const work = mkdtempSync(join(tmpdir(), "lifeboat-bench-"));
  const machine = {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? "?",
    memoryGB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    freeMemoryGB: Math.round((freemem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverageAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
  };
  const out: Record<string, unknown> = { mode, machine, startedAt: new Date().toISOString(), command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}` };
  const lines: string[] = [];
  log(`mode ${mode.name}: ${JSON.stringify(mode)}; work dir ${work}`);
  const benchStarted = performance.now();
  try {
    // `--only P1T`: the tuned full backup alone (for trying options).
    const tunedP1 = async (emu: EmulatorHandle): Promise<void> => {
      // The same full backup with more parallelism and the whole published budget (options, not code).
      const tuned = await lifeboat(emu, lifeboatJob(emu, join(work, "repo-tuned"), mode.timeScale, { init: true, ...TUNED }), "P1 tuned");
      const tf = rateLimitFloor(limitedCalls(tuned.result.stats.callsPerTier, tuned.result.stats.callsPerOperation));
      const tr = floorRatio(tuned.result.wallMs, tf.floorMs, mode.timeScale);
      out.P1tuned = { options: TUNED, lifeboat: summaryOf(tuned), floor: floorSummary(tf, mode.timeScale), ratio: tr, cpuShare: tuned.cpuMs / tuned.result.wallMs };
      lines.push(`P1 tuned (${JSON.stringify(TUNED)}): ${fmtS(tuned.result.wallMs)} / floor ${fmtS(tf.floorMs / mode.timeScale)} = ${fmtX(tr)}`);
      rmSync(join(work, "repo-tuned"), { recursive: true, force: true });
    };
    if (only.has("P1T") && !only.has("P1")) {
      const emu = await startEmulator(emulatorOptions(mode, {}));
      try {
        await tunedP1(emu);
      } finally {
        await emu.close();
      }
    }

    // ---- P1, P3 (and Lifeboat's side of P2): one tenant, three Lifeboat runs ----
    const t2 = (r: ChildReport<LifeboatResult>) => r.result.stats.callsPerTier["2"] ?? 0;
    let lifeboatRuns: { full: ChildReport<LifeboatResult>; daily: ChildReport<LifeboatResult>; dailyScale: number } | undefined;
    if (only.has("P1") || only.has("P2") || only.has("P3")) {
      const emu = await startEmulator(emulatorOptions(mode, {}));
      try {
        const appIds = Object.keys(emu.state.tenants[0]?.apps ?? {}).sort();
        log(`tenant: ${appIds.length} apps × ${mode.objectsPerApp} objects at ${emu.host}, timeScale ${mode.timeScale}`);
        const repo = join(work, "repo-main");
        const full = await lifeboat(emu, lifeboatJob(emu, repo, mode.timeScale, { init: true }), "P1 full");
        const floor = rateLimitFloor(limitedCalls(full.result.stats.callsPerTier, full.result.stats.callsPerOperation));
        const p1 = floorRatio(full.result.wallMs, floor.floorMs, mode.timeScale);
        out.P1 = { lifeboat: summaryOf(full), floor: floorSummary(floor, mode.timeScale), ratio: p1, cpuShare: full.cpuMs / full.result.wallMs };
        lines.push(
          `P1 full backup ${fmtS(full.result.wallMs)} / floor ${fmtS(floor.floorMs / mode.timeScale)} (binding Tier ${floor.binding ?? "-"}: ${JSON.stringify(full.result.stats.callsPerTier)} calls) = ${fmtX(p1)}  [target ≤ 1.15×]`,
        );

        if (mode.tuned) await tunedP1(emu);

        // P3 in real time (see Mode.p3TimeScale); fractions compare emulated times.
        const K3 = mode.p3TimeScale;
        emu.setTimeScale(K3);
        const fraction = (r: ChildReport<LifeboatResult>) => ({
          wallFraction: (r.result.wallMs * K3) / (full.result.wallMs * mode.timeScale),
          ofFloor: floor.floorMs > 0 ? (r.result.wallMs * K3) / floor.floorMs : undefined,
        });
        const pct = (x: number | undefined) => (x === undefined ? "-" : `${(x * 100).toFixed(1)}%`);
        const unchanged = await lifeboat(emu, lifeboatJob(emu, repo, K3, { dayOffset: 1 }), "P3 unchanged (next day)");
        const changed = await changeApps(emu.host, pick(appIds, mode.churn, 1), "day 1");
        log(`changed ${changed} apps (${(mode.churn * 100).toFixed(0)}%) through the admin surface`);
        const daily = await lifeboat(emu, lifeboatJob(emu, repo, K3, { dayOffset: 2 }), "P3 daily (day 2)");
        lifeboatRuns = { full, daily, dailyScale: K3 };
        const p3 = {
          timeScale: K3,
          unchanged: { lifeboat: summaryOf(unchanged), tier2Fraction: t2(unchanged) / t2(full), ...fraction(unchanged) },
          daily: { changedApps: changed, lifeboat: summaryOf(daily), tier2Fraction: t2(daily) / t2(full), ...fraction(daily) },
        };
        out.P3 = p3;
        if (mode.p3Trust) {
          // The same two runs with trustItemDates: the unchanged run first (nothing moved since
          // "P3 daily"), then another 2% churn (other apps, seed 2) and a daily run.
          const tu = await lifeboat(emu, lifeboatJob(emu, repo, K3, { trustItemDates: true, dayOffset: 3 }), "P3 unchanged (trustItemDates, day 3)");
          const changed2 = await changeApps(emu.host, pick(appIds, mode.churn, 2), "day 2");
          const td = await lifeboat(emu, lifeboatJob(emu, repo, K3, { trustItemDates: true, dayOffset: 4 }), "P3 daily (trustItemDates, day 4)");
          out.P3trust = {
            unchanged: { lifeboat: summaryOf(tu), tier2Fraction: t2(tu) / t2(full), ...fraction(tu) },
            daily: { changedApps: changed2, lifeboat: summaryOf(td), tier2Fraction: t2(td) / t2(full), ...fraction(td) },
          };
          lines.push(
            `P3 unchanged, trustItemDates: Tier-2 ${t2(tu)}/${t2(full)}, wall ${fmtS(tu.result.wallMs)} at K=${K3} = ${pct(fraction(tu).wallFraction)} of full (${pct(fraction(tu).ofFloor)} of its floor); ` +
              `daily (${changed2} changed): Tier-2 ${t2(td)}, wall ${fmtS(td.result.wallMs)} = ${pct(fraction(td).wallFraction)} of full`,
          );
        }
        emu.setTimeScale(mode.timeScale);
        lines.push(
          `P3 unchanged: Tier-2 ${t2(unchanged)}/${t2(full)} = ${(p3.unchanged.tier2Fraction * 100).toFixed(1)}%, wall ${fmtS(unchanged.result.wallMs)} at K=${K3} = ${pct(p3.unchanged.wallFraction)} of the full run (${pct(p3.unchanged.ofFloor)} of its floor), emulated  [target ≤ 5%]`,
        );
        lines.push(
          `P3 daily (${changed} apps changed): Tier-2 ${t2(daily)}/${t2(full)} = ${(p3.daily.tier2Fraction * 100).toFixed(1)}%, wall ${fmtS(daily.result.wallMs)} at K=${K3} = ${pct(p3.daily.wallFraction)} of full (${pct(p3.daily.ofFloor)} of its floor)`,
        );
        out.P1P3repoBytes = dirSize(repo);
      } finally {
        await emu.close();
      }
    }

    // ---- P2: the peer on the same tenant (same fixture and seed), on an emulator of its own ----
    // The peer is strictly sequential and spends most of its time waiting, so it runs at a
    // larger time scale; times are compared in emulated seconds (see RESULTS.md).
    if (only.has("P2") && lifeboatRuns) {
      const emu = await startEmulator(emulatorOptions(mode, { timeScale: mode.peerTimeScale }));
      try {
        const appIds = Object.keys(emu.state.tenants[0]?.apps ?? {}).sort();
        const peerFull = await peer(emu, join(work, "peer-full"), "P2 full");
        let peerDaily: ChildReport<PeerResult> | undefined;
        if (mode.peerDaily) {
          const changed = await changeApps(emu.host, pick(appIds, mode.churn, 1), "day 1");
          log(`changed ${changed} apps on the peer's tenant`);
          peerDaily = await peer(emu, join(work, "peer-daily"), "P2 daily");
        }
        const K = mode.peerTimeScale;
        const peerTimes = (r: ChildReport<PeerResult>) => {
          const model = sequentialLatencyMs({
            tier1Calls: r.result.callsPerTier["1"] ?? 0,
            tier2Calls: r.result.callsPerTier["2"] ?? 0,
            exports: r.result.apps - r.result.failedApps,
            exportedBytes: r.result.bytes,
            appOpens: r.result.appOpens,
            qixCalls: r.result.qixCalls,
          });
          // Sequential: wall = waits + own CPU + the emulator's CPU; only the waits scale.
          const corrected = Math.max(0, r.result.wallMs - r.cpuMs - r.parentCpuMs) * K + r.cpuMs;
          return { measuredRealMs: Math.round(r.result.wallMs), latencyModelEmulatedMs: Math.round(model), correctedEmulatedMs: Math.round(corrected) };
        };
        const lbEmulated = (r: ChildReport<LifeboatResult>) => r.result.wallMs * (r === lifeboatRuns?.daily ? lifeboatRuns.dailyScale : mode.timeScale);
        const pf = peerTimes(peerFull);
        const pd = peerDaily ? peerTimes(peerDaily) : pf;
        const ratioOf = (p: ReturnType<typeof peerTimes>, r: ChildReport<LifeboatResult>) => ({
          lifeboatEmulatedMs: Math.round(lbEmulated(r)),
          conservative: p.latencyModelEmulatedMs / lbEmulated(r),
          corrected: p.correctedEmulatedMs / lbEmulated(r),
        });
        const p2 = {
          peerTimeScale: K,
          full: { peer: peerSummary(peerFull), peerTimes: pf, ...ratioOf(pf, lifeboatRuns.full) },
          daily: { peerMeasured: peerDaily !== undefined, ...(peerDaily ? { peer: peerSummary(peerDaily) } : {}), peerTimes: pd, ...ratioOf(pd, lifeboatRuns.daily) },
        };
        out.P2 = p2;
        const h = (ms: number) => `${(ms / 60_000).toFixed(1)} min`;
        lines.push(
          `P2 full: peer ${h(pf.latencyModelEmulatedMs)} (latency sum; measured ${h(pf.correctedEmulatedMs)}) / Lifeboat ${h(p2.full.lifeboatEmulatedMs)} emulated = ${fmtX(p2.full.conservative)} (${fmtX(p2.full.corrected)})  [target ≥ 5×]`,
        );
        lines.push(
          `P2 daily: peer ${h(pd.latencyModelEmulatedMs)}${peerDaily ? "" : " (its full run: no changed-only mode)"} / Lifeboat ${h(p2.daily.lifeboatEmulatedMs)} emulated = ${fmtX(p2.daily.conservative)} (${fmtX(p2.daily.corrected)})  [target ≥ 50×]`,
        );
      } finally {
        await emu.close();
      }
    }

    // ---- P4: 30 daily runs at 2% churn; sizes only, so no latency and no limits ----
    if (only.has("P4")) {
      const emu = await startEmulator(emulatorOptions(mode, { apps: mode.p4Apps, objectsPerApp: mode.p4ObjectsPerApp, rateLimits: "off", latency: "none", timeScale: 1 }));
      try {
        const appIds = Object.keys(emu.state.tenants[0]?.apps ?? {}).sort();
        const repo = join(work, "repo-p4");
        const day0 = await lifeboat(emu, lifeboatJob(emu, repo, 1, { init: true }), "P4 day 0");
        const oneFull = dirSize(repo);
        const sizes = [oneFull];
        const manifests = [day0.result.manifestBytes];
        let changedTotal = 0;
        for (let day = 1; day <= mode.p4Days; day++) {
          changedTotal += await changeApps(emu.host, pick(appIds, mode.churn, 100 + day), `day ${day}`);
          // Each run is a day later (backup's clock), so the deep checks due each day are in the figure.
          const r = await runChild<LifeboatResult>(lifeboatJob(emu, repo, 1, { dayOffset: day }));
          if (r.result.partial) throw new Error(`P4 day ${day}: partial snapshot: ${r.result.failures.join(" | ")}`);
          sizes.push(dirSize(repo));
          manifests.push(r.result.manifestBytes);
          if (day % 10 === 0) log(`P4 day ${day}: repository ${(sizes[day]! / MB).toFixed(1)} MB (exports ${r.result.exports.count})`);
        }
        const ratio = (sizes[sizes.length - 1] ?? 0) / oneFull;
        out.P4 = { apps: appIds.length, objectsPerApp: mode.p4ObjectsPerApp, days: mode.p4Days, changedTotal, oneFullBytes: oneFull, finalBytes: sizes[sizes.length - 1], ratio, sizes, manifestBytes: manifests, day0: summaryOf(day0) };
        lines.push(
          `P4 ${mode.p4Days} days × ${(mode.churn * 100).toFixed(0)}% of ${appIds.length} apps: repository ${((sizes[sizes.length - 1] ?? 0) / MB).toFixed(1)} MB / one full snapshot ${(oneFull / MB).toFixed(1)} MB = ${fmtX(ratio)}  [target ≤ 1.5×]`,
        );
      } finally {
        await emu.close();
      }
    }

    // ---- P5: a tenant with one big app, exported with data ----
    if (only.has("P5")) {
      const emu = await startEmulator(emulatorOptions(mode, { apps: 3, objectsPerApp: 10 }));
      try {
        const tenant = emu.state.tenants[0];
        const big = Object.values(tenant?.apps ?? {}).sort((a, b) => (a.id < b.id ? -1 : 1))[0];
        if (!big) throw new Error("P5: the generated tenant has no app");
        big.dataModelBytes = mode.bigAppBytes;
        log(`P5: app ${big.id} has a ${(mode.bigAppBytes / 1e9).toFixed(2)} GB data model`);
        // As users run it: a repository made beforehand (`lifeboat init`), then the CLI's backup
        // code with its whole module graph loaded (worker.ts, `cli`).
        await (await initRepository({ url: join(work, "repo-p5"), password: PASSWORD })).close();
        const lb = await lifeboat(emu, lifeboatJob(emu, join(work, "repo-p5"), mode.timeScale, { withData: true, cli: true }), "P5 with data");
        const pr = await peer(emu, join(work, "peer-p5"), "P5 with data", true);
        out.P5 = { bigAppBytes: mode.bigAppBytes, lifeboat: summaryOf(lb), peer: peerSummary(pr) };
        lines.push(
          `P5 ${(mode.bigAppBytes / 1e9).toFixed(2)} GB app: peak RSS Lifeboat ${(lb.maxRssBytes / MB).toFixed(0)} MB, peer ${(pr.maxRssBytes / MB).toFixed(0)} MB  [target Lifeboat ≤ 256 MB]`,
        );
      } finally {
        await emu.close();
      }
    }

    // ---- P6: whole-tenant restore into an empty tenant ----
    if (only.has("P6")) {
      const p6Mode = { ...mode, timeScale: mode.p6TimeScale };
      const r: RestoreBench = await runRestoreBench({ mode: p6Mode, work, password: PASSWORD, log, emulatorOptions: (over) => emulatorOptions(p6Mode, over) });
      out.P6 = r;
      lines.push(
        r.measured
          ? `P6 restore of ${mode.p6Apps} apps × ${mode.p6ObjectsPerApp} objects ${fmtS(r.wallMs ?? 0)} / floor ${fmtS((r.floorEmulatedMs ?? 0) / mode.p6TimeScale)} = ${fmtX(r.ratio)}  [target ≤ 1.2×]`
          : `P6 not measured: ${r.reason}`,
      );
    }
  } finally {
    if (!keep) rmSync(work, { recursive: true, force: true });
  }
  out.totalMs = Math.round(performance.now() - benchStarted);
  out.loadAverageAtEnd = loadavg().map((x) => Math.round(x * 100) / 100);
  out.lines = lines;
  const dir = fileURLToPath(new URL("./results/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${mode.name}${only.size < 6 ? `-${[...only].join("")}` : ""}.json`);
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`\nLifeboat benchmark (${mode.name}, timeScale ${mode.timeScale}, ${machine.nproc} CPUs, ${machine.memoryGB} GB, node ${machine.node}) — ${fmtS(Number(out.totalMs))}\n`);
  for (const l of lines) process.stdout.write(`  ${l}\n`);
  process.stdout.write(`details: ${file}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
