// What least_request knows about one endpoint: calls in flight, when it was last picked, and the average of
// its calls' log-latency, whose difference from another endpoint's fades with the age of the older one.
import { status as Status } from '@grpc/grpc-js';
import { DECAY_MS, DecayingAverage } from './decaying-average.ts';

/** Milliseconds from some fixed origin (the call scheduler's monotonic now()); injected so tests move time by hand. */
export type Clock = () => number;

/** Latencies below this count as this: the logarithm needs a floor, and sub-50 µs differences are noise. */
export const LATENCY_FLOOR_MS = 0.05;

/**
 * Latency recorded for a call that failed with a code that says the replica is in trouble: a replica
 * that fails fast must not look fast (the "black hole" that least-loaded balancers fall into).
 */
export const FAILURE_PENALTY_MS = 250;

/** Codes that say something about the replica; application answers (NOT_FOUND, ...) count as normal samples. */
const TROUBLE_CODES = new Set<Status>([Status.UNAVAILABLE, Status.INTERNAL, Status.UNKNOWN, Status.RESOURCE_EXHAUSTED, Status.DEADLINE_EXCEEDED]);

export class EndpointLoad {
  /** Calls started on this endpoint and not yet ended. */
  inFlight = 0;
  /** When this endpoint was last picked; -Infinity until then, so a new endpoint wins its first tie. */
  lastPickedAt = Number.NEGATIVE_INFINITY;
  /**
   * ln(latency in ms) of its calls. Logarithmic: one stalled call (a GC pause, a busy CPU) among dozens
   * moves a busy endpoint's average by a few percent, not by its size, and a replica slow on every call
   * still averages as many times slower as it is.
   */
  private readonly logLatency = new DecayingAverage();
  private readonly now: Clock;

  constructor(now: Clock) {
    this.now = now;
  }

  /** Counts a call in and returns its start time, to pass to callEnded(). */
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
      const average = this.latencyMs;
      if (average === undefined || latency > average) this.record(latency, now);
      return;
    }
    this.record(TROUBLE_CODES.has(code) ? Math.max(latency, FAILURE_PENALTY_MS) : latency, now);
  }

  record(latencyMs: number, now = this.now()): void {
    this.logLatency.record(Math.log(Math.max(latencyMs, LATENCY_FLOOR_MS)), now);
  }

  /** The average latency of its calls (geometric, time-weighted); undefined before the first ended. */
  get latencyMs(): number | undefined {
    const log = this.logLatency.value;
    return log === undefined ? undefined : Math.exp(log);
  }

  /** A call is running here and none has ended yet: nothing is known of this endpoint, and news is on the way. */
  get awaitingFirstAnswer(): boolean {
    return this.inFlight > 0 && this.logLatency.value === undefined;
  }

  /**
   * ln(expected latency here / expected latency there): 0 for alike, ln 10 for ten times slower. The two
   * averages were learnt at different times, so their difference counts only as much as the older one still
   * says about now: an endpoint the policy stopped calling drifts back to "as fast as the others" with time
   * alone, and is tried again, instead of being avoided forever on old numbers. An endpoint not measured
   * yet counts as alike to any other: neutral, neither 0 (a burst of calls would go to it) nor infinitely
   * slow (it would be starved).
   */
  slownessAgainst(other: EndpointLoad, now = this.now()): number {
    const here = this.logLatency.value;
    const there = other.logLatency.value;
    if (here === undefined || there === undefined) return 0;
    return (here - there) * Math.min(this.trustAt(now), other.trustAt(now));
  }

  /**
   * How much its average still says about `now`: e^(-age / DECAY_MS), by the age of its last sample or of
   * its last pick if that came later. A pick sends a call that will tell: until it answers, the old
   * average stands, so a slow replica tried again gets that one call, not every call while it answers.
   */
  private trustAt(now: number): number {
    const since = Math.max(this.logLatency.updatedAt, this.lastPickedAt);
    return Math.exp(-Math.max(0, now - since) / DECAY_MS);
  }
}
