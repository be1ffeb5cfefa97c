/**
 * The child side of `child.ts`: reads one job from `LIFEBOAT_BENCH_JOB`, runs it, and
 * prints one `BENCH-RESULT {…}` line with the result and the process's peak RSS.
 *
 * Jobs:
 * - `lifeboat`: one `runBackup` (@lifeboat/jobs) through `createTenantClient` into a local repository
 *   (created when `init`), timed from the first call to the saved snapshot (repository
 *   open/close and key derivation are outside the timed span);
 * - `peer`: the documented approach (`peer.ts`);
 * - `restore`: `runRestore` (@lifeboat/jobs) of the repository's latest snapshot into the (empty) tenant.
 */
import { LocalJournalStore, type Manifest } from "@lifeboat/engine";
import { connectTenant, runBackup as runBackupJob, runRestore as runRestoreJob } from "@lifeboat/jobs";
import { createRateLimiter, createTenantClient, type ClientStats, type ConcurrencyOptions, type TenantClient } from "@lifeboat/qlik";
import { initRepository, openRepository } from "@lifeboat/repository";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { RESULT_PREFIX } from "./child.ts";

export interface LifeboatJob {
  kind: "lifeboat";
  host: string;
  clientId: string;
  clientSecret: string;
  repo: string;
  password: string;
  init: boolean;
  /** The emulator's time scale, told to the client's limiter. */
  timeScale: number;
  full?: boolean;
  withData?: boolean;
  /** Engine pools (default: DEFAULT_SESSIONS 8 and DEFAULT_EXPORTS 16). */
  sessions?: number;
  exports?: number;
  /** Connector options (CLI default: none). */
  concurrency?: ConcurrencyOptions;
  headroom?: number;
  /** backup({ trustItemDates }) (default off). */
  trustItemDates?: boolean;
  /**
   * Run as if this many days after now (backup's clock), so that a "next day" run meets the
   * deep checks due that day (about a seventh of the apps with the default 7-day cycle).
   */
  dayOffset?: number;
  /**
   * Run the CLI's own backup code (`lifeboat backup`'s `runBackup`, after loading the CLI's
   * whole module graph as `bin/lifeboat.js` does) instead of calling `backup()` directly:
   * what a user's process holds in memory (P5). The repository is opened as the CLI opens it
   * (`openRepoFromOptions`); the only difference from the command line is the client, made
   * here with the emulator's time scale (the CLI's `createTenantClient` call has no limits).
   */
  cli?: boolean;
}

export interface LifeboatResult {
  wallMs: number;
  snapshotId: string;
  /** Plaintext size of the run's manifest. */
  manifestBytes: number;
  partial: boolean;
  stats: ClientStats;
  exports: { count: number; bytes: number };
  apps: { captured: number; unchanged: number; failed: number; skipped: number };
  objects: number;
  /** Apps whose objects were not read again (stamps unchanged) / read in full by a deep check. */
  objectsSkipped: number;
  deepChecked: number;
  failures: string[];
}

export interface PeerJob {
  kind: "peer";
  host: string;
  clientId: string;
  clientSecret: string;
  exportDir: string;
  withData?: boolean;
}

export interface RestoreJob {
  kind: "restore";
  host: string;
  clientId: string;
  clientSecret: string;
  repo: string;
  password: string;
  timeScale: number;
  /** Fraction of the published budget the connector uses (its default 0.9). */
  headroom?: number;
}

export interface RestoreResultSummary {
  /** plan + execute + read-back verification. */
  wallMs: number;
  executeMs: number;
  status: string;
  steps: number;
  failed: string[];
  blockers: string[];
  verification: string;
  mismatches: number;
  stats: ClientStats;
}

/** The restore through the run layer (`runRestore` of @lifeboat/jobs), as the CLI runs it, with the bench's limiter. */
async function runRestore(job: RestoreJob): Promise<RestoreResultSummary> {
  const connection = { host: job.host, auth: { type: "oauth2" as const, clientId: job.clientId, clientSecret: job.clientSecret }, tags: [] };
  let client: TenantClient | undefined;
  const stateDir = await mkdtemp(join(tmpdir(), "lifeboat-bench-state-"));
  try {
    const started = performance.now();
    let executeStarted = 0;
    let executeEnded = 0;
    const out = await runRestoreJob(
      {
        kind: "restore",
        repository: { url: job.repo, password: "bench" },
        snapshot: "latest",
        options: { all: true, createMissingUsers: true, safetyBackup: false },
        target: { host: job.host, credentials: "bench" },
      },
      {
        journals: new LocalJournalStore(stateDir),
        resolveTenant: () => connection,
        resolveSecret: () => job.password,
        // The emulator's time scale, told to the limiter the run layer hands the connection.
        limiter: createRateLimiter({ timeScale: job.timeScale, ...(job.headroom !== undefined ? { headroom: job.headroom } : {}) }),
        connect: (c, wiring) => {
          const handle = connectTenant(c, wiring);
          client = handle.reader as TenantClient;
          return handle;
        },
        confirm: async () => true,
        onEvent: ({ event }) => {
          if (event.source !== "restore") return;
          executeStarted ||= performance.now();
          executeEnded = performance.now();
        },
      },
    );
    const wallMs = performance.now() - started;
    const executed = out.status === "executed" ? out : undefined;
    return {
      wallMs,
      executeMs: executeEnded - executeStarted,
      status: executed?.result.status ?? "not executed",
      steps: executed?.result.steps.length ?? 0,
      failed: (executed?.result.failed ?? []).slice(0, 5).map((f) => `${f.label}: ${f.error}`),
      blockers: out.plan.blockers.slice(0, 5).map((b) => JSON.stringify(b)),
      verification: executed?.report?.status ?? "none",
      mismatches: executed?.report?.mismatches ?? 0,
      stats: client!.stats(),
    };
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

async function runLifeboatCli(job: LifeboatJob): Promise<LifeboatResult> {
  if (job.init) throw new Error("bench job lifeboat --cli: create the repository first (init: false)");
  // The CLI's entry module pulls in every command, as `bin/lifeboat.js` does.
  await import("lifeboat");
  const { runBackup, openRepoFromOptions } = await import("lifeboat/testing");
  process.env.LIFEBOAT_PASSWORD = job.password;
  const repo = await openRepoFromOptions({ repo: job.repo }, {});
  const skipped = new Map<string, { objectId: string; objectType: string; reason: string }[]>();
  const client = createTenantClient({
    host: job.host,
    auth: { type: "oauth2", clientId: job.clientId, clientSecret: job.clientSecret },
    limits: { timeScale: job.timeScale },
    onEvent: (e) => {
      if (e.type === "object-skipped") skipped.set(e.appId, [...(skipped.get(e.appId) ?? []), e]);
    },
  });
  const sink = new Writable({ write: (_chunk, _enc, done) => done() });
  try {
    const started = performance.now();
    const { snapshot, manifest } = await runBackup({
      connection: { host: job.host, auth: { type: "oauth2", clientId: job.clientId, clientSecret: job.clientSecret }, tags: [] },
      repo,
      tenant: client,
      opts: { withData: job.withData ?? false, full: job.full ?? false, json: true },
      stdout: sink,
      stderr: sink,
    });
    return resultOf(performance.now() - started, snapshot, manifest, 0, client.stats());
  } finally {
    await client.close();
    await repo.close();
  }
}

/** What a Lifeboat backup run reports (both the `backup()` and the CLI path). */
function resultOf(wallMs: number, snapshot: { id: string; partial: boolean }, manifest: Manifest, manifestBytes: number, stats: ClientStats): LifeboatResult {
  const failures = manifest.items.filter((i) => i.status === "failed" || i.status === "skipped").map((i) => `${i.layer} ${i.id}: ${i.reason ?? ""}`);
  const apps = manifest.items.filter((i) => i.layer === "apps");
  return {
    wallMs,
    snapshotId: snapshot.id,
    manifestBytes,
    partial: snapshot.partial,
    stats,
    exports: manifest.exports,
    apps: manifest.counts.apps,
    objects: manifest.counts.objects.captured + manifest.counts.objects.unchanged,
    // Apps whose objects were not read again / were read in full by a deep check (from their reasons).
    objectsSkipped: apps.filter((i) => i.reason?.includes("objects not read again")).length,
    deepChecked: apps.filter((i) => i.reason?.includes("(deep check)")).length,
    failures: failures.slice(0, 5),
  };
}

/** One backup through the run layer (`runBackup` of @lifeboat/jobs) with the bench's limiter and pools. */
async function runLifeboat(job: LifeboatJob): Promise<LifeboatResult> {
  if (job.cli) return runLifeboatCli(job);
  // Opened outside the timed span (key derivation is not the backup's work).
  const repo = job.init ? await initRepository({ url: job.repo, password: job.password }) : await openRepository({ url: job.repo, password: job.password });
  let client: TenantClient | undefined;
  try {
    const started = performance.now();
    const { snapshot, manifest, manifestRef } = await runBackupJob(
      {
        kind: "backup",
        tenant: { host: job.host, credentials: "bench" },
        repository: { url: job.repo },
        full: job.full ?? false,
        withData: job.withData ?? false,
        ...(job.sessions !== undefined ? { sessions: job.sessions } : {}),
        ...(job.exports !== undefined ? { exports: job.exports } : {}),
        ...(job.trustItemDates ? { trustItemDates: true } : {}),
      },
      {
        resolveTenant: () => ({ host: job.host, auth: { type: "oauth2", clientId: job.clientId, clientSecret: job.clientSecret }, tags: [] }),
        openRepository: async () => ({ repository: repo, close: async () => undefined }),
        // The emulator's time scale, told to the limiter the run layer hands the connection.
        limiter: createRateLimiter({ timeScale: job.timeScale, ...(job.headroom !== undefined ? { headroom: job.headroom } : {}) }),
        connect: (c, wiring) => {
          client = createTenantClient({ host: c.host, auth: c.auth, timeouts: wiring.timeouts, onEvent: wiring.onEvent, ...(wiring.limiter ? { limiter: wiring.limiter } : {}), ...(job.concurrency ? { concurrency: job.concurrency } : {}) });
          return { reader: client, close: () => client!.close() };
        },
        ...(job.dayOffset ? { now: () => new Date(Date.now() + (job.dayOffset ?? 0) * 86_400_000) } : {}),
      },
    );
    return resultOf(performance.now() - started, snapshot, manifest, manifestRef.size, client!.stats());
  } finally {
    await repo.close();
  }
}

async function main(): Promise<void> {
  const raw = process.env.LIFEBOAT_BENCH_JOB;
  if (!raw) throw new Error("LIFEBOAT_BENCH_JOB is not set; this module is started by bench/child.ts");
  const job = JSON.parse(raw) as LifeboatJob | PeerJob | RestoreJob;
  let result: unknown;
  if (job.kind === "lifeboat") result = await runLifeboat(job);
  else if (job.kind === "restore") result = await runRestore(job);
  // Loaded only for the peer's job: the measured Lifeboat process holds none of its modules.
  else if (job.kind === "peer") result = await (await import("./peer.ts")).runPeer(job);
  else throw new Error(`unknown bench job ${(job as { kind: string }).kind}`);
  const usage = process.resourceUsage();
  const maxRssBytes = usage.maxRSS * 1024;
  const cpuMs = Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000);
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify({ result, maxRssBytes, cpuMs })}\n`);
}

if (process.env.LIFEBOAT_BENCH_JOB) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
