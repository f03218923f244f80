// An average that forgets with time, for samples that come at irregular moments: what least_request keeps
// of each endpoint's log-latency.

/**
 * Time constant of the forgetting: what was learnt `age` ms ago keeps the weight e^(-age / DECAY_MS), so it
 * halves every ~350 ms. Short, so that an endpoint the policy stopped sending calls to is tried again
 * within a second or two; a busy endpoint still averages its last few dozen calls (at 50 calls/s, ~25).
 */
export const DECAY_MS = 500;

/**
 * An exponentially weighted moving average over time rather than over samples (Eckner, "Algorithms for
 * unevenly spaced time series"; Finagle's peak EWMA weighs the same way): a sample after a gap of Δt ms
 * gets the weight 1 - e^(-Δt / DECAY_MS), so a sample after a long silence replaces most of an old value,
 * and a burst of samples at one instant counts little more than one.
 */
export class DecayingAverage {
  private current: number | undefined;
  private lastSampleAt = Number.NEGATIVE_INFINITY;

  record(sample: number, now: number): void {
    const kept = Math.exp(-Math.max(0, now - this.lastSampleAt) / DECAY_MS);
    this.current = (this.current ?? 0) * kept + sample * (1 - kept);
    this.lastSampleAt = now;
  }

  /** The average; undefined before the first sample. */
  get value(): number | undefined {
    return this.current;
  }

  /** When the last sample came; -Infinity before the first. */
  get updatedAt(): number {
    return this.lastSampleAt;
  }
}
