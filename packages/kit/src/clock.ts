/**
 * Time as pools of retries, rate limiters and timeouts see it. Library code takes a `Clock`
 * and defaults to `systemClock`; tests inject `ManualClock` (`@lifeboat/kit/testing`), which
 * moves only when told, so no test waits on the wall clock.
 */
export interface Clock {
  /** Milliseconds, monotonic enough for windows. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  sleep: (ms) => (ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms))),
};
