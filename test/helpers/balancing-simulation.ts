// least_request's choice without grpc-js or sockets: endpoints that answer after a latency the test picks,
// calls started on a clock the simulation moves (open loop at a rate, or closed loops), seeded draws.
import { status as Status } from '@grpc/grpc-js';
import { EndpointLoad } from '../../src/balancing/endpoint-load.ts';
import { chooseOfTwo } from '../../src/balancing/p2c.ts';

/** A deterministic [0, 1) sequence for a seed (mulberry32): the same draws on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), state | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A call as the simulated replica sees it: where it went, when, how many calls that endpoint was already serving. */
export interface SimulatedCall {
  readonly endpoint: number;
  readonly now: number;
  readonly inFlight: number;
  /** The simulation's own seeded draws. */
  readonly random: () => number;
}

/** How long a call takes (ms). */
export type LatencyOf = (call: SimulatedCall) => number;

interface PendingEnd {
  readonly at: number;
  readonly end: () => void;
}

export class BalancingSimulation {
  now = 10_000;
  readonly endpoints: { readonly load: EndpointLoad }[];
  /** Every pick: when, and which endpoint. */
  readonly picks: { at: number; endpoint: number }[] = [];
  private readonly random: () => number;
  private readonly latencyOf: LatencyOf;
  /** Calls in flight by the time they end, earliest first. */
  private readonly ends: PendingEnd[] = [];

  constructor(count: number, latencyOf: LatencyOf, seed = 1) {
    this.endpoints = Array.from({ length: count }, () => ({ load: new EndpointLoad(() => this.now) }));
    this.latencyOf = latencyOf;
    this.random = seededRandom(seed);
  }

  /** Starts a call every 1000/perSecond ms for `ms`, then lets the calls in flight end. */
  openLoop(perSecond: number, ms: number): void {
    const until = this.now + ms;
    for (let at = this.now; at < until; at += 1_000 / perSecond) {
      this.runUntil(at);
      this.startCall();
    }
    this.runUntil(until);
  }

  /** `loops` loops each starting its next call when the last ended, for `ms`. */
  closedLoops(loops: number, ms: number): void {
    const until = this.now + ms;
    const loop = () => {
      if (this.now < until) this.startCall(loop);
    };
    for (let index = 0; index < loops; index++) loop();
    this.runUntil(until);
  }

  /** Each endpoint's share of the picks made in [from, to). */
  shares(from = Number.NEGATIVE_INFINITY, to = Number.POSITIVE_INFINITY): number[] {
    const counted = this.picks.filter((pick) => pick.at >= from && pick.at < to);
    return this.endpoints.map((_, index) => counted.filter((pick) => pick.endpoint === index).length / Math.max(1, counted.length));
  }

  private startCall(then?: () => void): void {
    const chosen = chooseOfTwo(this.endpoints, this.random, this.now);
    const endpoint = this.endpoints.indexOf(chosen);
    this.picks.push({ at: this.now, endpoint });
    const startedAt = chosen.load.callStarted();
    const at = this.now + this.latencyOf({ endpoint, now: this.now, inFlight: chosen.load.inFlight - 1, random: this.random });
    const index = this.ends.findIndex((pending) => pending.at > at);
    const pending = {
      at,
      end: () => {
        chosen.load.callEnded(startedAt, Status.OK);
        then?.();
      },
    };
    this.ends.splice(index === -1 ? this.ends.length : index, 0, pending);
  }

  /** Ends the calls due by `time` in order, moving the clock to each, then to `time`. */
  private runUntil(time: number): void {
    while (this.ends.length > 0 && this.ends[0]!.at <= time) {
      const pending = this.ends.shift()!;
      this.now = pending.at;
      pending.end();
    }
    this.now = time;
  }
}
