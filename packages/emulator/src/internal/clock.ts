/**
 * Emulated time. `timeScale` K means one real second is K emulated seconds: every rate-limit
 * window, Retry-After and latency shrinks by K. Timestamps the emulator reports stay real.
 */
export interface Clock {
  readonly timeScale: number;
  /**
   * Changes the scale between measured runs (benchmarks). Rate-limit windows already open
   * are measured in real time and would shrink or stretch: reset them too.
   */
  setTimeScale(k: number): void;
  /** Real milliseconds now (monotonic enough for windows). */
  nowMs(): number;
  /** Converts emulated milliseconds into real milliseconds. */
  real(emulatedMs: number): number;
  /** Waits `emulatedMs` emulated milliseconds. */
  sleep(emulatedMs: number): Promise<void>;
}

function checkScale(timeScale: number): void {
  if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new Error(`timeScale must be a positive number, got ${timeScale}`);
}

/** `now` (real milliseconds) is injectable: tests move it instead of waiting out a window. */
export function createClock(initialScale = 1, now: () => number = () => performance.timeOrigin + performance.now()): Clock {
  checkScale(initialScale);
  let timeScale = initialScale;
  return {
    get timeScale() {
      return timeScale;
    },
    setTimeScale(k) {
      checkScale(k);
      timeScale = k;
    },
    nowMs: now,
    real: (ms) => ms / timeScale,
    sleep: (ms) => {
      const real = ms / timeScale;
      if (real < 1) return Promise.resolve();
      return new Promise((resolve) => setTimeout(resolve, real));
    },
  };
}
