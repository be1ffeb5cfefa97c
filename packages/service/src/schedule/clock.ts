/**
 * The scheduler's view of time. The service uses `systemClock`; tests use
 * `ManualClock`, which moves only when told and fires due timers in order, so
 * schedule tests never sleep.
 */
export interface Clock {
  now(): Date;
  /** Call `fn` once at (or after) `at`. */
  setTimer(at: Date, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

export interface TimerHandle {
  readonly id: number;
}

/** setTimeout cannot wait longer than 2^31-1 ms (24.8 days); longer waits are chained. */
const MAX_TIMEOUT_MS = 2_147_483_647;

export function systemClock(): Clock {
  let next = 1;
  const live = new Map<number, NodeJS.Timeout>();
  const arm = (id: number, at: Date, fn: () => void) => {
    const delay = Math.max(0, at.getTime() - Date.now());
    const t = setTimeout(() => {
      if (at.getTime() > Date.now()) return arm(id, at, fn); // a chained long wait
      live.delete(id);
      fn();
    }, Math.min(delay, MAX_TIMEOUT_MS));
    t.unref?.();
    live.set(id, t);
  };
  return {
    now: () => new Date(),
    setTimer(at, fn) {
      const id = next++;
      arm(id, at, fn);
      return { id };
    },
    clearTimer(h) {
      const t = live.get(h.id);
      if (t) clearTimeout(t);
      live.delete(h.id);
    },
  };
}

/** A clock for tests: time stands still until `advanceTo`/`advanceBy`. */
export class ManualClock implements Clock {
  private current: number;
  private seq = 1;
  private readonly timers = new Map<number, { at: number; fn: () => void; order: number }>();

  constructor(start: Date | string) {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  setTimer(at: Date, fn: () => void): TimerHandle {
    const id = this.seq++;
    this.timers.set(id, { at: at.getTime(), fn, order: id });
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle.id);
  }

  /** Timers still waiting, earliest first (for assertions). */
  pending(): Date[] {
    return [...this.timers.values()].sort((a, b) => a.at - b.at).map((t) => new Date(t.at));
  }

  /**
   * Move to `target`, firing every timer due on the way in time order (the clock
   * reads each timer's time while it fires) and letting promise callbacks run after each.
   */
  async advanceTo(target: Date | string): Promise<void> {
    const end = new Date(target).getTime();
    if (end < this.current) throw new Error(`ManualClock cannot go back from ${this.now().toISOString()} to ${new Date(end).toISOString()}`);
    for (;;) {
      await settle();
      let due: [number, { at: number; fn: () => void; order: number }] | undefined;
      for (const e of this.timers) if (e[1].at <= end && (!due || e[1].at < due[1].at || (e[1].at === due[1].at && e[1].order < due[1].order))) due = e;
      if (!due) break;
      this.timers.delete(due[0]);
      this.current = Math.max(this.current, due[1].at);
      due[1].fn();
    }
    this.current = end;
    await settle();
  }

  advanceBy(ms: number): Promise<void> {
    return this.advanceTo(new Date(this.current + ms));
  }
}

/** Let pending promise callbacks (and what they chain) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
}
