// What least_request knows about one endpoint: calls in flight and a time-decaying average of their latency.
import { status as Status } from '@grpc/grpc-js';

/** Milliseconds from some fixed origin; injected so tests can move time by hand. */
export type Clock = () => number;

/**
 * Time constant of the latency average: a sample's weight halves every DECAY_MS × ln 2 (about 0.7 s).
 * Short enough that a replica that became slow (or recovered) is seen within a second or two of samples,
 * long enough that one outlier call does not swing the average of a busy replica.
 */
export const DECAY_MS = 1_000;

/**
 * Latency recorded for a call that failed with a code that says the replica is in trouble: a replica
 * that fails fast must not look fast (the "black hole" that least-loaded balancers fall into).
 */
export const FAILURE_PENALTY_MS = 250;

/** Latencies below this count as this, so calls in flight still weigh between replicas that answer in ~0 ms. */
const LATENCY_FLOOR_MS = 0.05;

/** Codes that say something about the replica; application answers (NOT_FOUND, ...) count as normal samples. */
const TROUBLE_CODES = new Set<Status>([Status.UNAVAILABLE, Status.INTERNAL, Status.UNKNOWN, Status.RESOURCE_EXHAUSTED, Status.DEADLINE_EXCEEDED]);

export class EndpointLoad {
  /** Calls started on this endpoint and not yet ended. */
  inFlight = 0;
  /** Time-decayed average call latency in ms; undefined until the first call ends. */
  latencyMs: number | undefined;
  /** When this endpoint was last picked (or created): a long-unpicked endpoint is re-measured. */
  lastPickedAt: number;
  private lastSampleAt = 0;
  private readonly now: Clock;

  constructor(now: Clock) {
    this.now = now;
    this.lastPickedAt = now();
  }

  /** Marks a pick and returns the call's start time, to pass to callEnded(). */
  callStarted(): number {
    this.inFlight += 1;
    return this.now();
  }

  callEnded(startedAt: number, code: Status): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    const now = this.now();
    const latency = Math.max(0, now - startedAt);
    // A cancelled call (the caller gave up, or another hedge won) did not finish here, but it did wait this
    // long without an answer: a lower bound. Counted only when it says the replica is slower than thought,
    // or hedging would hide a slow replica from this policy (its every call is won elsewhere and cancelled).
    if (code === Status.CANCELLED) {
      if (this.latencyMs === undefined || latency > this.latencyMs) this.record(latency, now);
      return;
    }
    this.record(TROUBLE_CODES.has(code) ? Math.max(latency, FAILURE_PENALTY_MS) : latency, now);
  }

  /**
   * Folds one sample into the average, weighted by the time since the previous sample: an endpoint
   * sampled rarely (a stale one re-measured after a while) moves most of the way to the new value.
   */
  record(latencyMs: number, now = this.now()): void {
    if (this.latencyMs === undefined) {
      this.latencyMs = latencyMs;
    } else {
      const keep = Math.exp(-Math.max(0, now - this.lastSampleAt) / DECAY_MS);
      this.latencyMs = this.latencyMs * keep + latencyMs * (1 - keep);
    }
    this.lastSampleAt = now;
  }

  /** The cost of sending one more call here: expected latency times the queue it would join. */
  cost(unmeasuredLatencyMs: number): number {
    return Math.max(this.latencyMs ?? unmeasuredLatencyMs, LATENCY_FLOOR_MS) * (this.inFlight + 1);
  }
}
