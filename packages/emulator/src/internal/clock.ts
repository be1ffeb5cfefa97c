/**
 * Emulated time. `timeScale` K means one real second is K emulated seconds: every rate-limit
 * window, Retry-After and latency shrinks by K. Timestamps the emulator reports stay real.
 */
export interface Clock {
  readonly timeScale: number;
  /** Real milliseconds now (monotonic enough for windows). */
  nowMs(): number;
  /** Converts emulated milliseconds into real milliseconds. */
  real(emulatedMs: number): number;
  /** Waits `emulatedMs` emulated milliseconds. */
  sleep(emulatedMs: number): Promise<void>;
}

export function createClock(timeScale = 1): Clock {
  if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new Error(`timeScale must be a positive number, got ${timeScale}`);
  return {
    timeScale,
    nowMs: () => performance.timeOrigin + performance.now(),
    real: (ms) => ms / timeScale,
    sleep: (ms) => {
      const real = ms / timeScale;
      if (real < 1) return Promise.resolve();
      return new Promise((resolve) => setTimeout(resolve, real));
    },
  };
}
