// The least_request choice: power of two random choices over READY endpoints, by latency × in-flight.
import type { Clock, EndpointLoad } from './endpoint-load.ts';

/** Returns a number in [0, 1), like Math.random; injected so tests choose the candidates. */
export type Random = () => number;

/**
 * An endpoint that lost every comparison for this long gets the next pick it is drawn for, so a replica
 * that was slow and has recovered is measured again instead of being avoided forever on old numbers.
 * One call per second is a negligible cost for a replica that is still slow.
 */
export const FORCE_PICK_AFTER_MS = 1_000;

export interface Candidate {
  readonly load: EndpointLoad;
}

/**
 * Draws two distinct candidates at random and returns the one whose next call is expected to cost
 * less; with one candidate, that one. Comparing two random candidates instead of scanning for the
 * global minimum keeps every pick O(1) and stops all clients from stampeding onto the same replica.
 */
export function chooseOfTwo<C extends Candidate>(candidates: readonly C[], random: Random, now: Clock): C {
  const count = candidates.length;
  if (count === 0) throw new Error('chooseOfTwo needs at least one candidate');
  const time = now();
  let chosen: C;
  if (count === 1) {
    chosen = candidates[0]!;
  } else {
    const first = Math.floor(random() * count);
    let second = Math.floor(random() * (count - 1));
    if (second >= first) second += 1;
    const a = candidates[first]!;
    const b = candidates[second]!;
    // A candidate not measured yet is assumed as fast as the other one: in-flight calls then decide,
    // so a new replica neither gets a burst of calls nor is starved.
    const unmeasured = a.load.latencyMs ?? b.load.latencyMs ?? 0;
    const [winner, loser] = a.load.cost(unmeasured) <= b.load.cost(unmeasured) ? [a, b] : [b, a];
    chosen = time - loser.load.lastPickedAt >= FORCE_PICK_AFTER_MS ? loser : winner;
  }
  chosen.load.lastPickedAt = time;
  return chosen;
}
