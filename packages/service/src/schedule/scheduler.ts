/**
 * The scheduler: starts one run per tenant at a time when its schedules are due.
 *
 * - It owns no run logic: `startRun(tenant, reason)` is injected (the service wires
 *   it to the run layer) and returns a promise that settles when the run ends.
 * - One run per tenant at a time. A run that falls due while the tenant's previous
 *   run is still going is **deferred and coalesced**: however many due times pass
 *   during that run, exactly one run starts as soon as it ends, with
 *   `reason.dueAt` = the first deferred due time, `reason.lastDueAt` = the last, and
 *   `reason.coalesced` = how many more due times it stands for. A manual `runNow` while a run is going is refused.
 * - On `start()` it reports runs that should have started while the service was
 *   down as **missed**: the due times after the tenant's last scheduled run (read
 *   from the history store through `lastScheduledRun`) and before now. Missed runs
 *   are reported, not run; the next due time runs as scheduled.
 * - Time comes from the injected `Clock`, so tests move time without sleeping.
 */
import type { Clock, TimerHandle } from "./clock.ts";
import { nextRunOf, runsBetween, type Schedule } from "./spec.ts";

export type RunReason =
  | {
      trigger: "schedule";
      /** the due time this run is for (the first one, when several were coalesced) */
      dueAt: Date;
      /** the last due time this run stands for (= dueAt unless coalesced); record it as the run's due time, so a restart does not report the coalesced ones as missed */
      lastDueAt: Date;
      /** how many further due times passed while the previous run was going and are covered by this run */
      coalesced: number;
    }
  | { trigger: "manual"; by: string };

export interface MissedRuns {
  tenant: string;
  /** the tenant's last scheduled run (its due time) before the service stopped */
  since: Date;
  /** the missed due times, oldest first (at most 1000) */
  dueTimes: Date[];
}

export interface SchedulerOptions {
  clock: Clock;
  /** tenant name → its validated schedules */
  schedules: ReadonlyMap<string, readonly Schedule[]>;
  /** Start a run; the promise settles when the run has ended (its outcome is the run layer's business). */
  startRun(tenant: string, reason: RunReason): Promise<unknown>;
  /** Due time of the tenant's last scheduled run (executed or reported missed), from the history store; null if none. */
  lastScheduledRun(tenant: string): Promise<Date | null>;
  /** Called once per tenant with missed runs at `start()`. */
  onMissed?(missed: MissedRuns): void | Promise<void>;
  /** `startRun` threw or rejected; the scheduler keeps going. */
  onRunError?(tenant: string, error: unknown): void;
}

export interface TenantState {
  tenant: string;
  running: boolean;
  /** due times waiting for the running run to end (coalesced into one run) */
  deferred: number;
  nextRun: Date | null;
}

interface Slot {
  schedules: readonly Schedule[];
  running: Promise<void> | undefined;
  deferred: Date[];
  timer: TimerHandle | undefined;
  next: Date | null;
}

export class Scheduler {
  private readonly slots = new Map<string, Slot>();
  private started = false;

  constructor(private readonly opts: SchedulerOptions) {
    for (const [tenant, schedules] of opts.schedules) {
      this.slots.set(tenant, { schedules, running: undefined, deferred: [], timer: undefined, next: null });
    }
  }

  /** Report missed runs, then arm one timer per tenant. Returns what was missed. */
  async start(): Promise<MissedRuns[]> {
    if (this.started) throw new Error("Scheduler.start() was called twice");
    this.started = true;
    const now = this.opts.clock.now();
    const missed: MissedRuns[] = [];
    for (const [tenant, slot] of this.slots) {
      const since = await this.opts.lastScheduledRun(tenant);
      if (since) {
        const dueTimes = runsBetween(slot.schedules, since, now);
        if (dueTimes.length > 0) {
          const m = { tenant, since, dueTimes };
          missed.push(m);
          await this.opts.onMissed?.(m);
        }
      }
      // a due time exactly at `now` is run, not missed
      this.arm(tenant, slot, new Date(now.getTime() - 1));
    }
    return missed;
  }

  /** Disarm every timer. Runs already going finish; `idle()` waits for them. */
  stop(): void {
    for (const slot of this.slots.values()) {
      if (slot.timer) this.opts.clock.clearTimer(slot.timer);
      slot.timer = undefined;
      slot.deferred = [];
    }
    this.started = false;
  }

  /** Resolves when no run started by this scheduler is going. */
  async idle(): Promise<void> {
    for (;;) {
      const going = [...this.slots.values()].map((s) => s.running).filter((p): p is Promise<void> => !!p);
      if (going.length === 0) return;
      await Promise.all(going);
    }
  }

  /** Start a manual run now, unless one is going for this tenant. */
  runNow(tenant: string, by: string): { started: true } | { started: false; reason: string } {
    const slot = this.slot(tenant);
    if (slot.running) return { started: false, reason: `a run of tenant '${tenant}' is already going; wait for it to end, then start again` };
    this.launch(tenant, slot, { trigger: "manual", by });
    return { started: true };
  }

  state(): TenantState[] {
    return [...this.slots].map(([tenant, s]) => ({ tenant, running: !!s.running, deferred: s.deferred.length, nextRun: s.next }));
  }

  private slot(tenant: string): Slot {
    const slot = this.slots.get(tenant);
    if (!slot) throw new Error(`unknown tenant '${tenant}': it has no schedule in this scheduler; known: ${[...this.slots.keys()].join(", ") || "none"}`);
    return slot;
  }

  private arm(tenant: string, slot: Slot, after: Date): void {
    slot.next = nextRunOf(slot.schedules, after);
    if (!slot.next) return;
    const dueAt = slot.next;
    slot.timer = this.opts.clock.setTimer(dueAt, () => {
      slot.timer = undefined;
      this.due(tenant, slot, dueAt);
    });
  }

  private due(tenant: string, slot: Slot, dueAt: Date): void {
    if (slot.running) slot.deferred.push(dueAt);
    else this.launch(tenant, slot, { trigger: "schedule", dueAt, lastDueAt: dueAt, coalesced: 0 });
    // If the process was suspended past several due times, they are not replayed one by one.
    const now = this.opts.clock.now();
    this.arm(tenant, slot, now > dueAt ? now : dueAt);
  }

  private launch(tenant: string, slot: Slot, reason: RunReason): void {
    let run: Promise<unknown>;
    try {
      run = Promise.resolve(this.opts.startRun(tenant, reason));
    } catch (e) {
      run = Promise.reject(e);
    }
    const done = run
      .then(
        () => undefined,
        (e: unknown) => {
          try {
            this.opts.onRunError?.(tenant, e);
          } catch {
            /* a failing error hook must not stop the scheduler */
          }
        },
      )
      .finally(() => {
        slot.running = undefined;
        if (slot.deferred.length > 0 && this.started) {
          const [first, ...rest] = slot.deferred;
          slot.deferred = [];
          this.launch(tenant, slot, { trigger: "schedule", dueAt: first!, lastDueAt: rest.at(-1) ?? first!, coalesced: rest.length });
        }
      });
    slot.running = done;
  }
}
