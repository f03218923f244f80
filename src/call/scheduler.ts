// Time and chance as a call sees them: clocks, timers and the jitter source, in one object so tests can
// hand a call a clock they move and timers they fire (a late timer, a backoff of exactly the cap). Background
// work (the DNS resolver's lookups, the OTLP transport's retries) uses the same seam, with unref'd timers.

export interface CallScheduler {
  /** Monotonic milliseconds, for durations (performance.now()). */
  now(): number;
  /** Epoch milliseconds, for deadlines (Date.now()). */
  wallNow(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Runs `callback` after the current I/O callbacks (setImmediate). */
  immediate(callback: () => void): void;
  /** Uniform in [0, 1): the retry backoff jitter (gRFC A6). */
  random(): number;
}

export const realScheduler: CallScheduler = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout | undefined),
  immediate: (callback) => void setImmediate(callback),
  random: () => Math.random(),
};

/** What background work needs of time and chance: the DNS resolver's spacing, the OTLP transport's backoff. */
export type BackgroundScheduler = Pick<CallScheduler, 'now' | 'setTimeout' | 'clearTimeout' | 'random'>;

/** Real time for background work; unref'd timers, so a pending lookup or export retry never keeps the process alive. */
export const backgroundScheduler: BackgroundScheduler = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout | undefined),
  random: () => Math.random(),
};
