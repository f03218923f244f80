// A call scheduler a test drives: timers fire only when the test fires them, the clock moves only when
// the test moves it (on top of real time, which grpc-js and the servers still use), and the jitter is fixed.
import type { CallScheduler } from '../../src/call/scheduler.ts';

export interface ManualTimer {
  readonly ms: number;
  readonly callback: () => void;
  cancelled: boolean;
}

export class ManualScheduler implements CallScheduler {
  /** Milliseconds added to real time, by advance() and by firing timers. */
  private offset = 0;
  private readonly pending: ManualTimer[] = [];
  private readonly waiting: ((timer: ManualTimer) => void)[] = [];
  /** Every timer ever set, in order. */
  readonly scheduled: ManualTimer[] = [];
  randomValue: number;
  /** While set, every timer fires on the next turn of the event loop, as if its delay had passed. */
  autoFire = false;

  constructor(randomValue = 0) {
    this.randomValue = randomValue;
  }

  now(): number {
    return performance.now() + this.offset;
  }
  wallNow(): number {
    return Date.now() + this.offset;
  }
  random(): number {
    return this.randomValue;
  }
  immediate(callback: () => void): void {
    setImmediate(callback);
  }

  setTimeout(callback: () => void, ms: number): ManualTimer {
    const timer: ManualTimer = { ms, callback, cancelled: false };
    this.scheduled.push(timer);
    if (this.autoFire) {
      setImmediate(() => this.fire(timer));
      return timer;
    }
    const waiter = this.waiting.shift();
    if (waiter) waiter(timer);
    else this.pending.push(timer);
    return timer;
  }

  clearTimeout(handle: unknown): void {
    if (handle) (handle as ManualTimer).cancelled = true;
  }

  /** The next timer set (already set, or the next one to be). */
  nextTimer(): Promise<ManualTimer> {
    const timer = this.pending.shift();
    if (timer) return Promise.resolve(timer);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Moves the clock by the timer's delay (plus `late` ms) and runs it, unless it was cleared. */
  fire(timer: ManualTimer, late = 0): void {
    this.offset += timer.ms + late;
    if (!timer.cancelled) timer.callback();
  }

  advance(ms: number): void {
    this.offset += ms;
  }

  /** Fires every timer as it is set until `done` settles; returns the delays they were set with. */
  async fireAllUntil(done: Promise<unknown>): Promise<number[]> {
    const first = this.scheduled.length;
    this.autoFire = true;
    for (const timer of this.pending.splice(0)) setImmediate(() => this.fire(timer));
    try {
      await done;
    } catch {
      // The caller looks at the outcome itself.
    } finally {
      this.autoFire = false;
    }
    return this.scheduled.slice(first).map((timer) => timer.ms);
  }
}
