// The least_request choice: power of two random choices over READY endpoints, by latency × calls in flight.
import type { EndpointLoad } from './endpoint-load.ts';

/** Returns a number in [0, 1), like Math.random; injected so tests choose the candidates. */
export type Random = () => number;

/**
 * Latency estimates within this factor of each other count as equal, and then calls in flight decide.
 * Equal replicas never measure exactly alike (caches, scheduling, stalled calls; on a busy machine their
 * averages of a few dozen calls differ by a third and more): if the smaller estimate always won, the one
 * that happened to measure slowest would lose every comparison and get no calls, and an idle replica's
 * first calls, slower than a busy one's, would keep it idle. Within a factor of two, calls in flight still
 * favour the faster one as soon as calls overlap (a slower replica holds each call longer); a replica
 * slower than that loses on latency alone.
 */
export const EQUAL_LATENCY_RATIO = 2;
const EQUAL_SLOWNESS = Math.log(EQUAL_LATENCY_RATIO);

export interface Candidate {
  readonly load: EndpointLoad;
}

/**
 * Draws two distinct candidates at random and returns the one whose next call is expected to cost
 * less; with one candidate, that one. Comparing two random candidates instead of scanning for the
 * global minimum keeps every pick O(1) and stops all clients from stampeding onto the same replica.
 */
export function chooseOfTwo<C extends Candidate>(candidates: readonly C[], random: Random, now: number): C {
  const count = candidates.length;
  if (count === 0) throw new Error('chooseOfTwo needs at least one candidate');
  let chosen = candidates[0]!;
  if (count > 1) {
    const first = Math.floor(random() * count);
    let second = Math.floor(random() * (count - 1));
    if (second >= first) second += 1;
    chosen = cheaper(candidates[first]!, candidates[second]!, now);
  }
  chosen.load.lastPickedAt = now;
  return chosen;
}

/**
 * The cost of one more call is its expected latency × (calls in flight + 1), Finagle's p2c cost: the
 * queue it would join. Latencies within EQUAL_LATENCY_RATIO are taken as equal, so the
 * fewer calls in flight win; on a tie the candidate picked longer ago gets the call, which spreads calls
 * among equal replicas evenly instead of by the luck of the draw.
 */
function cheaper<C extends Candidate>(a: C, b: C, now: number): C {
  // An endpoint that has not answered its first call yet gets no second one while the other has answered:
  // Finagle's first-probe penalty, so a new replica is not sent a burst before anything is known of it.
  const waitingA = a.load.awaitingFirstAnswer;
  if (waitingA !== b.load.awaitingFirstAnswer) return waitingA ? b : a;
  const slowness = a.load.slownessAgainst(b.load, now);
  const equalLatency = Math.abs(slowness) <= EQUAL_SLOWNESS;
  const costA = equalLatency ? a.load.inFlight : Math.exp(slowness) * (a.load.inFlight + 1);
  const costB = equalLatency ? b.load.inFlight : b.load.inFlight + 1;
  if (costA !== costB) return costA < costB ? a : b;
  return a.load.lastPickedAt <= b.load.lastPickedAt ? a : b;
}
