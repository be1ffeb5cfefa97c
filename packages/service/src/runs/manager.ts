/**
 * Runs: every backup, verify, prune and restore the service starts goes through here, so that
 * one tenant has one run at a time, every run is in the history (with its log, counts and
 * manifest link), its events reach live subscribers (the API's server-sent events) and the
 * metrics, and a failed, partial or alarming run raises its alert.
 *
 * Backups and restores are the run layer's (`runBackup` / `runRestore` of @lifeboat/jobs); this
 * module never re-implements them, it wires them: the tenant's connection and repository
 * password come from the settings (secrets opened only here), events are forwarded, and what
 * a run leaves (snapshot, verification report) is recorded.
 *
 * After a backup: mass-deletion check against the previous snapshot, then the tenant's
 * retention (`forget`: the newest complete snapshot is always kept); `prune` runs on its own
 * schedule (or on demand) as a run of kind prune.
 */
import { randomUUID } from "node:crypto";
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LocalJournalStore, loadManifest, loadSnapshotIndex, type Manifest, type RestoreOptions, type RestorePlan, type VerificationReport } from "@lifeboat/engine";
import { runBackup, runRestore, type JobDeps, type JobEnvelope, type RepositoryRef } from "@lifeboat/jobs";
import { errorCodeOf, LifeboatError } from "@lifeboat/model";
import { snapshotTenantKey } from "@lifeboat/kit";
import { forget, openRepository, prune, verifyRepository, type Repository, type RetentionPolicy, type Snapshot } from "@lifeboat/repository";
import type { AlertDispatcher } from "../alerts/dispatcher.ts";
import { eventForMassDeletion, eventForRun, massDeletion, type SnapshotSummary } from "../alerts/events.ts";
import { messageOf } from "../errors.ts";
import type { HistoryStore, RunCounts, RunKind, RunRecord, RunStatus, RunTrigger } from "../history/store.ts";
import type { ServiceMetrics } from "../metrics.ts";
import type { TenantSettings } from "../settings/tenants.ts";

/** One line of a run's live stream and log. */
export interface RunEvent {
  seq: number;
  at: string;
  /** backup, restore, safety-backup, connector, job, or service (what this module says) */
  source: string;
  event: Record<string, unknown>;
}

interface LiveRun {
  id: string;
  tenant: string;
  kind: RunKind;
  events: RunEvent[];
  listeners: Set<(e: RunEvent | null) => void>;
  log: WriteStream;
  abort: AbortController;
  done: Promise<RunRecord>;
}

/** A restore plan waiting for its confirmation (kept in memory for `planTtlMs`). */
export interface PendingPlan {
  id: string;
  sourceTenant: string;
  targetTenant: string;
  snapshot: string;
  options: RestoreOptions;
  planFile: string;
  plan: RestorePlan;
  createdBy: string;
  createdAt: Date;
}

export interface RunManagerOptions {
  history: HistoryStore;
  settings: TenantSettings;
  alerts: AlertDispatcher;
  metrics: ServiceMetrics;
  /** where run logs, run results and restore journals go */
  dataDir: string;
  now?: () => Date;
  /** the run layer's connect (tests and the demo use the default) */
  connect?: JobDeps["connect"];
  /** how long a restore plan waits for its confirmation (default 30 min) */
  planTtlMs?: number;
  /** keep this many events of a running run for late subscribers (default 5000) */
  bufferEvents?: number;
}

/** What a finished run leaves besides its history record: a restore's report, a verify's or prune's. */
export interface RunResult {
  restore?: {
    status: string;
    plan?: RestorePlan;
    result?: unknown;
    report?: VerificationReport;
    verifyError?: string;
    checklist: { layer: string; reenter: string[]; note: string }[];
  };
  verify?: unknown;
  prune?: unknown;
  retention?: { removed: string[]; kept: number };
  massDeletion?: { triggered: boolean; reasons: string[] };
  /** what the backup could not capture (the manifest's coverage gaps), for the dashboard */
  coverageGaps?: { layer: string; description: string }[];
}

export class TenantBusyError extends LifeboatError {
  constructor(tenant: string, runId: string) {
    super("conflict", `a run of tenant '${tenant}' is already going (run ${runId}); wait for it to end, then start again`, { object: `tenant '${tenant}'`, next: "wait for the running run to end, then start again" });
    this.name = "TenantBusyError";
  }
}

export class RunManager {
  private readonly live = new Map<string, LiveRun>();
  private readonly byTenant = new Map<string, LiveRun>();
  private readonly plans = new Map<string, PendingPlan>();
  private readonly readers = new Map<string, Promise<Repository>>();
  private readonly retired = new Set<Promise<Repository>>();
  private readonly now: () => Date;
  readonly journals: LocalJournalStore;

  constructor(private readonly o: RunManagerOptions) {
    this.now = o.now ?? (() => new Date());
    mkdirSync(join(o.dataDir, "logs"), { recursive: true });
    mkdirSync(join(o.dataDir, "runs"), { recursive: true });
    this.journals = new LocalJournalStore(join(o.dataDir, "restore-state"));
  }

  /** How long a restore plan waits for its confirmation. */
  get planTtlMs(): number {
    return this.o.planTtlMs ?? 30 * 60_000;
  }

  running(tenant: string): string | undefined {
    return this.byTenant.get(tenant)?.id;
  }

  /** Resolves when the tenant has no run going. */
  async idleTenant(tenant: string): Promise<void> {
    for (let r = this.byTenant.get(tenant); r; r = this.byTenant.get(tenant)) await r.done.catch(() => undefined);
  }

  /** Resolves when no run is going. */
  async idle(): Promise<void> {
    while (this.live.size > 0) await Promise.all([...this.live.values()].map((r) => r.done.catch(() => undefined)));
  }

  /** Cancel every run and wait for them; close cached repositories. */
  async close(): Promise<void> {
    for (const r of this.live.values()) r.abort.abort(new Error("the service is stopping"));
    await this.idle();
    for (const p of [...this.readers.values(), ...this.retired]) await (await p.catch(() => undefined))?.close().catch(() => undefined);
    this.readers.clear();
    this.retired.clear();
  }

  /** Subscribe to a run's events: first those so far, then live ones; `null` when it ended. Returns the unsubscribe. */
  subscribe(runId: string, fn: (e: RunEvent | null) => void): (() => void) | undefined {
    const r = this.live.get(runId);
    if (!r) return undefined;
    for (const e of r.events) fn(e);
    r.listeners.add(fn);
    return () => r.listeners.delete(fn);
  }

  logFile(runId: string): string {
    return join(this.o.dataDir, "logs", `${runId}.ndjson`);
  }

  async result(runId: string): Promise<RunResult | undefined> {
    try {
      return JSON.parse(await readFile(join(this.o.dataDir, "runs", `${runId}.json`), "utf8")) as RunResult;
    } catch {
      return undefined;
    }
  }

  /** The repository of a tenant opened for reading (cached until the tenant's next run ends). */
  reader(tenant: string): Promise<Repository> {
    let p = this.readers.get(tenant);
    if (!p) {
      const t = this.o.settings.must(tenant).stored;
      const password = this.o.settings.repositoryPassword(tenant);
      p = openRepository({ url: t.repository.url, ...(password ? { password } : {}), ...(t.repository.insecureNoPassword ? { insecureNoPassword: true } : {}), autoLock: "none", noLock: true });
      p.catch(() => this.readers.delete(tenant));
      this.readers.set(tenant, p);
    }
    return p;
  }

  /**
   * Retire the cached readers of `tenant`'s repository (every tenant sharing it): the next read
   * opens it again and sees what a run wrote. A retired reader is closed a minute later, so a
   * download or browse still reading through it finishes.
   */
  private async dropReader(tenant: string): Promise<void> {
    const url = this.o.settings.get(tenant)?.stored.repository.url;
    for (const name of [...this.readers.keys()]) {
      if (name !== tenant && this.o.settings.get(name)?.stored.repository.url !== url) continue;
      const p = this.readers.get(name)!;
      this.readers.delete(name);
      this.retired.add(p);
      const timer = setTimeout(() => {
        this.retired.delete(p);
        void p.then((r) => r.close()).catch(() => undefined);
      }, 60_000);
      timer.unref?.();
    }
  }

  /** Cancel a running run (its signal aborts; the run ends as cancelled). False when it is not running. */
  cancel(runId: string, why: string): boolean {
    const r = this.live.get(runId);
    if (!r) return false;
    r.abort.abort(new Error(why));
    return true;
  }

  private repositoryRef(tenant: string): RepositoryRef {
    const t = this.o.settings.must(tenant).stored;
    return { url: t.repository.url, ...(t.repository.password ? { password: `tenant:${tenant}` } : {}), ...(t.repository.insecureNoPassword ? { insecureNoPassword: true } : {}) };
  }

  private deps(run: LiveRun, emit: (e: JobEnvelope) => void): JobDeps {
    return {
      runId: run.id,
      signal: run.abort.signal,
      now: this.now,
      onEvent: emit,
      resolveTenant: (ref) => {
        const name = ref.credentials.startsWith("tenant:") ? ref.credentials.slice("tenant:".length) : run.tenant;
        return this.o.settings.connection(name);
      },
      resolveSecret: (ref) => {
        const name = ref.startsWith("tenant:") ? ref.slice("tenant:".length) : run.tenant;
        const pw = this.o.settings.repositoryPassword(name);
        if (pw === undefined) throw new LifeboatError("config", `tenant '${name}' has no repository password stored; set it in the tenant's settings`, { object: `tenant '${name}'` });
        return pw;
      },
      ...(this.o.connect ? { connect: this.o.connect } : {}),
    };
  }

  /**
   * Start a run of `kind` for `tenant`; refused (TenantBusyError) while another runs. The
   * returned `done` settles with the finished record (never rejects: failures are recorded).
   */
  async start(
    tenant: string,
    kind: RunKind,
    how: { trigger: RunTrigger; by: string; scheduledFor?: Date; restorePlanId?: string },
  ): Promise<{ id: string; done: Promise<RunRecord> }> {
    this.o.settings.must(tenant);
    const busy = this.byTenant.get(tenant);
    if (busy) throw new TenantBusyError(tenant, busy.id);
    let plan: PendingPlan | undefined;
    if (kind === "restore") {
      plan = this.takePlan(how.restorePlanId ?? "");
      if (plan.targetTenant !== tenant) throw new LifeboatError("usage", `restore plan ${plan.id} restores into '${plan.targetTenant}', not '${tenant}'`);
    }
    const id = randomUUID();
    // reserve the tenant before the first await: two starts at once cannot both pass
    const run = { id, tenant, kind, events: [], listeners: new Set(), abort: new AbortController() } as unknown as LiveRun;
    this.byTenant.set(tenant, run);
    this.live.set(id, run);
    try {
      run.log = createWriteStream(this.logFile(id), { flags: "a", mode: 0o600 });
      // a full disk must not end the service: the run goes on, its log is incomplete
      run.log.on("error", () => undefined);
      await this.o.history.startRun({ id, tenant, kind, trigger: how.trigger, startedAt: this.now(), startedBy: how.by, scheduledFor: how.scheduledFor ?? null, logLocation: `/api/runs/${id}/log` });
    } catch (e) {
      this.byTenant.delete(tenant);
      this.live.delete(id);
      run.log?.end();
      throw e;
    }
    this.o.metrics.inProgress.inc({ tenant });
    run.done = this.execute(run, plan).finally(() => {
      this.o.metrics.inProgress.dec({ tenant });
      this.byTenant.delete(tenant);
      this.live.delete(id);
      for (const l of run.listeners) l(null);
      run.listeners.clear();
    });
    return { id, done: run.done };
  }

  private emit(run: LiveRun, source: string, event: Record<string, unknown>): void {
    const e: RunEvent = { seq: run.events.length === 0 ? 1 : run.events.at(-1)!.seq + 1, at: this.now().toISOString(), source, event };
    run.events.push(e);
    if (run.events.length > (this.o.bufferEvents ?? 5000)) run.events.shift();
    // a connector event can arrive after the run ended (a socket closing late): it is not logged
    if (!run.log.writableEnded) run.log.write(JSON.stringify(e) + "\n");
    for (const l of run.listeners) l(e);
  }

  /** A job envelope as a run event: large payloads (manifest, plan) reduced to what a viewer follows. */
  private forward(run: LiveRun, env: JobEnvelope): void {
    const { source, event } = env.event;
    const e = event as unknown as Record<string, unknown>;
    if (source === "connector" && e.type === "rate-limited") this.o.metrics.rateLimited.inc({ tenant: run.tenant });
    if ((source === "backup" || source === "safety-backup") && e.type === "done") {
      const s = e.snapshot as Snapshot;
      return this.emit(run, source, { type: "done", snapshot: s.id, partial: s.partial });
    }
    if (source === "job" && e.type === "plan") return this.emit(run, source, { type: "plan", steps: (e.plan as RestorePlan).steps.length });
    this.emit(run, source, e);
  }

  private async execute(run: LiveRun, plan: PendingPlan | undefined): Promise<RunRecord> {
    const started = this.now();
    let status: Exclude<RunStatus, "running" | "missed"> = "failed";
    let message: string | null = null;
    let counts: RunCounts = {};
    let snapshotId: string | null = null;
    let result: RunResult = {};
    this.emit(run, "service", { type: "run-start", kind: run.kind, tenant: run.tenant });
    try {
      if (run.kind === "backup") ({ status, message, counts, snapshotId, result } = await this.backup(run));
      else if (run.kind === "verify") ({ status, message, result } = await this.verify(run));
      else if (run.kind === "prune") ({ status, message, result } = await this.prune(run));
      else ({ status, message, counts, result } = await this.restore(run, plan!));
    } catch (e) {
      status = errorCodeOf(e) === "cancelled" ? "cancelled" : "failed";
      message = messageOf(e).split("\n")[0]!.slice(0, 1000);
      this.emit(run, "service", { type: "error", code: errorCodeOf(e), message });
    }
    await writeFile(join(this.o.dataDir, "runs", `${run.id}.json`), JSON.stringify(result), { mode: 0o600 }).catch(() => undefined);
    await this.dropReader(run.tenant);
    const record = await this.o.history.finishRun(run.id, {
      status,
      endedAt: this.now(),
      counts,
      snapshotId,
      manifestLink: snapshotId ? `/api/tenants/${encodeURIComponent(run.tenant)}/snapshots/${snapshotId}/manifest` : null,
      message,
    });
    this.emit(run, "service", { type: "run-end", status, message, counts });
    await new Promise<void>((r) => run.log.end(() => r()));
    const seconds = (this.now().getTime() - started.getTime()) / 1000;
    this.o.metrics.duration.observe({ tenant: run.tenant, kind: run.kind, status }, seconds);
    this.o.metrics.runs.inc({ tenant: run.tenant, kind: run.kind, status });
    if (status === "failed" || status === "partial") this.o.metrics.failures.inc({ tenant: run.tenant, kind: run.kind });
    if (run.kind === "backup" && status === "succeeded") this.o.metrics.lastSuccess.set({ tenant: run.tenant }, this.now().getTime() / 1000);
    void this.measureRepository(run.tenant);
    const alert = eventForRun(record);
    if (alert) this.o.alerts.notify(alert);
    return record;
  }

  /** Stored size of the tenant's repository (all files but locks) into the metrics. */
  async measureRepository(tenant: string): Promise<number | undefined> {
    try {
      const repo = await this.reader(tenant);
      let size = 0;
      for (const type of ["config", "key", "data", "index", "snapshot"] as const) for (const f of await repo.backend.list(type)) size += f.size;
      this.o.metrics.repositorySize.set({ tenant }, size);
      return size;
    } catch {
      return undefined;
    }
  }

  private async backup(run: LiveRun) {
    const t = this.o.settings.must(run.tenant).stored;
    const out = await runBackup(
      { kind: "backup", tenant: { host: t.host, credentials: `tenant:${run.tenant}` }, repository: this.repositoryRef(run.tenant) },
      this.deps(run, (e) => this.forward(run, e)),
    );
    const { snapshot, manifest } = out;
    const counts = countsOf(manifest);
    for (const [layer, c] of Object.entries(manifest.counts)) for (const [st, n] of Object.entries(c)) this.o.metrics.items.set({ tenant: run.tenant, layer, status: st }, n);
    this.o.metrics.bytes.set({ tenant: run.tenant }, manifest.exports.bytes);
    const result: RunResult = { coverageGaps: manifest.coverageGaps.map((g) => ({ layer: g.layer, description: g.description })) };
    // mass deletion: compare with the snapshot this one was made against
    const settings = this.o.settings.alertSettings(run.tenant);
    if (manifest.previousSnapshot) {
      try {
        const repo = await openRepository({ url: t.repository.url, ...this.passwordOpt(run.tenant), autoLock: "none", noLock: true });
        try {
          const prev = await summary(repo, await repo.loadSnapshot(manifest.previousSnapshot));
          const cur = await summary(repo, snapshot);
          const m = massDeletion(prev, cur, settings?.massDeletion);
          result.massDeletion = { triggered: m.triggered, reasons: m.reasons };
          if (m.triggered) {
            this.emit(run, "service", { type: "mass-deletion", reasons: m.reasons });
            this.o.alerts.notify(eventForMassDeletion(run.tenant, prev, cur, m, this.now(), run.id));
          }
        } finally {
          await repo.close();
        }
      } catch (e) {
        this.emit(run, "service", { type: "warning", message: `the mass-deletion check could not compare with snapshot ${manifest.previousSnapshot}: ${messageOf(e)}` });
      }
    }
    // retention after each backup
    if (t.retention) {
      try {
        const repo = await openRepository({ url: t.repository.url, ...this.passwordOpt(run.tenant), autoLock: "none" });
        try {
          result.retention = await forgetTenant(repo, t.retention, t.host);
          this.emit(run, "service", { type: "retention", removed: result.retention.removed.length, kept: result.retention.kept });
        } finally {
          await repo.close();
        }
      } catch (e) {
        this.emit(run, "service", { type: "warning", message: `retention was not applied: ${messageOf(e)}; the next run tries again` });
      }
    }
    const failed = manifest.items.filter((i) => i.status === "failed" || i.status === "skipped").length;
    return {
      status: (snapshot.partial ? "partial" : "succeeded") as "partial" | "succeeded",
      message: snapshot.partial ? `${failed} item(s) failed or were skipped; the manifest lists them with reasons` : null,
      counts,
      snapshotId: snapshot.id,
      result,
    };
  }

  private passwordOpt(tenant: string): { password?: string; insecureNoPassword?: boolean } {
    const pw = this.o.settings.repositoryPassword(tenant);
    return pw ? { password: pw } : { insecureNoPassword: true };
  }

  private async verify(run: LiveRun) {
    const t = this.o.settings.must(run.tenant).stored;
    const repo = await openRepository({ url: t.repository.url, ...this.passwordOpt(run.tenant), autoLock: "shared" });
    try {
      const report = await verifyRepository(repo, {});
      const ok = report.ok;
      this.emit(run, "service", { type: "verify", ok });
      return { status: (ok ? "succeeded" : "failed") as "succeeded" | "failed", message: ok ? null : "the repository check found damage; run 'lifeboat verify --read-data' on it and 'lifeboat repair'", result: { verify: report } as RunResult };
    } finally {
      await repo.close();
    }
  }

  private async prune(run: LiveRun) {
    const t = this.o.settings.must(run.tenant).stored;
    await this.dropReader(run.tenant);
    const repo = await openRepository({ url: t.repository.url, ...this.passwordOpt(run.tenant), autoLock: "none" });
    try {
      const result: RunResult = {};
      if (t.retention) result.retention = await forgetTenant(repo, t.retention, t.host);
      result.prune = await prune(repo);
      this.emit(run, "service", { type: "prune", removedSnapshots: result.retention?.removed.length ?? 0 });
      return { status: "succeeded" as const, message: null, result };
    } finally {
      await repo.close();
    }
  }

  // ---- restore: plan (no run), then a run from the signed plan ----

  /** Plan a restore from `sourceTenant`'s repository into `targetTenant` (nothing is changed). */
  async planRestore(input: { sourceTenant: string; targetTenant: string; snapshot: string; options: RestoreOptions; by: string }): Promise<PendingPlan> {
    this.o.settings.must(input.sourceTenant);
    const target = this.o.settings.must(input.targetTenant).stored;
    const pseudo = { id: `plan-${randomUUID()}`, tenant: input.targetTenant, abort: new AbortController() } as unknown as LiveRun;
    const out = await runRestore(
      { kind: "restore", repository: this.repositoryRef(input.sourceTenant), snapshot: input.snapshot, options: input.options, target: { host: target.host, credentials: `tenant:${input.targetTenant}` }, planOnly: true },
      { ...this.deps(pseudo, () => undefined), journals: this.journals },
    );
    if (out.status !== "planned" && out.status !== "blocked" && out.status !== "nothing-to-do") throw new LifeboatError("internal", `a plan-only restore ended as '${out.status}'`);
    const plan: PendingPlan = {
      id: randomUUID(),
      sourceTenant: input.sourceTenant,
      targetTenant: input.targetTenant,
      snapshot: input.snapshot,
      options: input.options,
      planFile: out.status === "planned" ? out.planFile : "",
      plan: out.plan,
      createdBy: input.by,
      createdAt: this.now(),
    };
    this.sweepPlans();
    if (out.status === "planned") this.plans.set(plan.id, plan);
    return plan;
  }

  getPlan(id: string): PendingPlan | undefined {
    this.sweepPlans();
    return this.plans.get(id);
  }

  private takePlan(id: string): PendingPlan {
    const p = this.getPlan(id);
    if (!p) throw new LifeboatError("not-found", `no restore plan ${id} is waiting (plans expire after ${Math.round(this.planTtlMs / 60_000)} minutes and run once); make the plan again`, { object: `restore plan ${id}`, next: "make the plan again" });
    this.plans.delete(id);
    return p;
  }

  private sweepPlans(): void {
    const cutoff = this.now().getTime() - this.planTtlMs;
    for (const [id, p] of this.plans) if (p.createdAt.getTime() < cutoff) this.plans.delete(id);
  }

  private async restore(run: LiveRun, plan: PendingPlan) {
    const target = this.o.settings.must(plan.targetTenant).stored;
    this.emit(run, "service", { type: "restore-plan", plan: plan.id, source: plan.sourceTenant, snapshot: plan.snapshot });
    const out = await runRestore(
      { kind: "restore", repository: this.repositoryRef(plan.sourceTenant), fromPlan: { name: `plan ${plan.id}`, text: plan.planFile }, target: { host: target.host, credentials: `tenant:${plan.targetTenant}` } },
      { ...this.deps(run, (e) => this.forward(run, e)), journals: this.journals, confirm: async () => true },
    );
    let checklist: NonNullable<RunResult["restore"]>["checklist"] = [];
    try {
      const repo = await this.reader(plan.sourceTenant);
      const m: Manifest | undefined = await loadManifest(repo, await repo.loadSnapshot(out.plan.snapshot.id));
      checklist = (m?.restoreNeeds ?? []).map((n) => ({ layer: n.layer, reenter: [...n.reenter], note: n.note }));
    } catch {
      /* the checklist is a help, not part of the restore */
    }
    if (out.status !== "executed") {
      return { status: (out.status === "blocked" ? "failed" : "succeeded") as "failed" | "succeeded", message: out.status === "blocked" ? "the plan has blockers: nothing was changed" : null, counts: {} as RunCounts, result: { restore: { status: out.status, plan: out.plan, checklist } } as RunResult };
    }
    const verified = out.report?.status === "match";
    const status = out.result.status === "complete" && verified ? "succeeded" : out.result.status === "complete" || out.result.steps.some((s) => s.outcome === "done") ? "partial" : "failed";
    return {
      status: status as "succeeded" | "partial" | "failed",
      message: status === "succeeded" ? null : out.verifyError ? `restored, but the read-back failed: ${out.verifyError}` : `${out.result.failed.length} step(s) failed; ${out.report?.mismatches ?? "?"} mismatch(es) in the read-back`,
      counts: { steps: out.result.steps.length, failed: out.result.failed.length, mismatches: out.report?.mismatches ?? 0 } as RunCounts,
      result: { restore: { status: out.result.status, plan: out.plan, result: out.result, ...(out.report ? { report: out.report } : {}), ...(out.verifyError ? { verifyError: out.verifyError } : {}), checklist } } as RunResult,
    };
  }
}

/**
 * The tenant's retention on its own snapshots only: a repository may hold several tenants'
 * snapshots (one `repository:` for all), and one tenant's policy must not remove another's.
 * `forget` plans per tenant group (the newest complete snapshot of a group is always kept); this
 * applies the plan of the tenant's group, under the exclusive lock `forget` itself takes.
 */
export async function forgetTenant(repo: Repository, policy: RetentionPolicy, host: string): Promise<{ removed: string[]; kept: number }> {
  await repo.acquireLock("exclusive", "forget");
  const { plan } = await forget(repo, policy, { dryRun: true });
  const group = plan.groups.find((g) => g.tenant === snapshotTenantKey(host));
  const removed: string[] = [];
  for (const d of group?.decisions ?? []) {
    if (d.keep) continue;
    await repo.removeSnapshot(d.snapshot.id);
    removed.push(d.snapshot.id);
  }
  return { removed, kept: group?.decisions.filter((d) => d.keep).length ?? 0 };
}

function countsOf(m: Manifest): RunCounts {
  const c: RunCounts = { bytes: m.exports.bytes, exports: m.exports.count, failed: 0, skipped: 0, items: 0 };
  for (const [layer, lc] of Object.entries(m.counts)) {
    c[layer] = lc.captured + lc.unchanged;
    c.items! += lc.captured + lc.unchanged;
    c.failed! += lc.failed;
    c.skipped! += lc.skipped;
  }
  return c;
}

/** App ids and object ids (`app/object`) of a snapshot, for the mass-deletion check. */
async function summary(repo: Repository, snapshot: Snapshot): Promise<SnapshotSummary> {
  const index = await loadSnapshotIndex(repo, snapshot);
  const appIds: string[] = [];
  const objectIds: string[] = [];
  for (const [id, app] of index.apps) {
    appIds.push(id);
    for (const oid of app.objects.keys()) objectIds.push(`${id}/${oid}`);
  }
  return { snapshotId: snapshot.id, appIds, objectIds };
}
