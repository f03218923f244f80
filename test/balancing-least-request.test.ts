// least_request: the choice rule with an injected clock and randomness, then the policy on real replicas.
import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { status as Status } from '@grpc/grpc-js';
import { DECAY_MS, EndpointLoad, FAILURE_PENALTY_MS } from '../src/balancing/endpoint-load.ts';
import { chooseOfTwo, FORCE_PICK_AFTER_MS } from '../src/balancing/p2c.ts';
import { init, type ServiceConfigInput } from '../src/index.ts';
import { BookService } from './helpers/protos.ts';
import { startBookServer, type RunningServer } from './helpers/servers.ts';
import { getBook, TELEMETRY_OFF } from './helpers/calls.ts';
import type { BookClient } from './helpers/calls.ts';

/** A clock the test moves by hand. */
function manualClock(start = 10_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

/** Randomness that draws the given values in turn: with 2 candidates, 0 then 0 draws [0] and [1]. */
function draws(...values: number[]) {
  let index = 0;
  return () => values[index++ % values.length]!;
}

/** An endpoint whose average latency is `latencyMs`, with `inFlight` calls running. */
function endpoint(clock: ReturnType<typeof manualClock>, latencyMs: number | undefined, inFlight = 0) {
  const load = new EndpointLoad(clock.now);
  if (latencyMs !== undefined) load.record(latencyMs);
  load.inFlight = inFlight;
  return { load };
}

test('of two candidates the one with the lower latency x (in-flight + 1) is chosen', (t) => {
  const clock = manualClock();
  const slow = endpoint(clock, 100);
  const fast = endpoint(clock, 10);
  t.is(chooseOfTwo([slow, fast], draws(0, 0), clock.now), fast);
  t.is(chooseOfTwo([fast, slow], draws(0, 0), clock.now), fast);
});

test('calls in flight count: a fast endpoint with a long queue loses to a slower idle one', (t) => {
  const clock = manualClock();
  const busyFast = endpoint(clock, 10, 19); // 10 ms x 20 = 200
  const idleSlower = endpoint(clock, 50, 0); // 50 ms x 1 = 50
  t.is(chooseOfTwo([busyFast, idleSlower], draws(0, 0), clock.now), idleSlower);
});

test('the two candidates are distinct and drawn by the injected randomness', (t) => {
  const clock = manualClock();
  const [a, b, c] = [endpoint(clock, 30), endpoint(clock, 20), endpoint(clock, 10)];
  // 0.99 draws index 2 (c); 0.0 then draws index 0 of the remaining two (a).
  t.is(chooseOfTwo([a, b, c], draws(0.99, 0), clock.now), c);
  // 0.0 draws a; 0.0 would draw a again, so the second candidate is b.
  t.is(chooseOfTwo([a, b, c], draws(0, 0), clock.now), b);
});

test('an endpoint that lost every comparison for FORCE_PICK_AFTER_MS is picked once, then loses again', (t) => {
  const clock = manualClock();
  const slow = endpoint(clock, 300);
  const fast = endpoint(clock, 1);
  const pick = () => chooseOfTwo([slow, fast], draws(0, 0), clock.now);
  t.is(pick(), fast);
  clock.advance(FORCE_PICK_AFTER_MS - 1);
  fast.load.lastPickedAt = clock.now(); // the fast one keeps being picked
  t.is(pick(), fast, 'not stale yet');
  clock.advance(1);
  t.is(pick(), slow, 're-measured once it has been left alone for the whole interval');
  t.is(pick(), fast, 'the forced pick resets its staleness');
});

test('a new endpoint with no measurement is treated as fast as its rival, so in-flight calls decide', (t) => {
  const clock = manualClock();
  const measured = endpoint(clock, 50, 3);
  const fresh = endpoint(clock, undefined, 0);
  t.is(chooseOfTwo([measured, fresh], draws(0, 0), clock.now), fresh);
  const freshBusy = endpoint(clock, undefined, 5);
  t.is(chooseOfTwo([measured, freshBusy], draws(0, 0), clock.now), measured);
});

test('the latency average decays with time: after DECAY_MS a new sample has weight 1 - 1/e', (t) => {
  const clock = manualClock();
  const load = new EndpointLoad(clock.now);
  load.record(300);
  t.is(load.latencyMs, 300, 'the first sample is taken as it is');
  clock.advance(DECAY_MS);
  load.record(0);
  t.is(load.latencyMs!.toFixed(3), (300 / Math.E).toFixed(3));
  // Samples close together barely move a busy endpoint's average.
  clock.advance(1);
  load.record(0);
  t.true(load.latencyMs! > (300 / Math.E) * 0.99);
});

test('a recovered endpoint is back to its new latency after a few forced re-measurements', (t) => {
  const clock = manualClock();
  const load = new EndpointLoad(clock.now);
  load.record(300);
  for (let pick = 0; pick < 4; pick += 1) {
    clock.advance(FORCE_PICK_AFTER_MS);
    load.record(1);
  }
  t.true(load.latencyMs! < 10, `average ${load.latencyMs}ms after four re-measurements one second apart`);
});

test('a call failing UNAVAILABLE counts at least FAILURE_PENALTY_MS; a cancelled call counts as a lower bound', (t) => {
  const clock = manualClock();
  const load = new EndpointLoad(clock.now);
  const started = load.callStarted();
  t.is(load.inFlight, 1);
  clock.advance(2);
  load.callEnded(started, Status.UNAVAILABLE);
  t.is(load.inFlight, 0);
  t.is(load.latencyMs, FAILURE_PENALTY_MS, 'failing fast must not look fast');

  const other = new EndpointLoad(clock.now);
  const begun = other.callStarted();
  clock.advance(5);
  other.callEnded(begun, Status.CANCELLED);
  t.is(other.latencyMs, 5, 'a first cancelled call is a lower bound: better than no measurement');
  t.is(other.inFlight, 0);
  const answered = other.callStarted();
  clock.advance(5);
  other.callEnded(answered, Status.NOT_FOUND);
  t.is(other.latencyMs, 5, 'an application answer is a normal sample');
});

/** Three replicas behind one ipv4: target; replica 0 answers after `slowMs()`, the others at once. */
async function replicas(t: { teardown(fn: () => unknown): void }, slowMs: () => number) {
  const servers: RunningServer[] = [];
  for (let index = 0; index < 3; index += 1) {
    const server = await startBookServer({ onGetBook: () => (index === 0 && slowMs() > 0 ? sleep(slowMs()) : undefined) });
    t.teardown(() => server.stop());
    servers.push(server);
  }
  return { servers, target: `ipv4:${servers.map((server) => server.address).join(',')}` };
}

async function initBooks(target: string, load_balancing: ServiceConfigInput['load_balancing'], t: { teardown(fn: () => unknown): void }) {
  const { clients, shutdown } = await init({
    config: { grpc_clients: { services: [{ name: 'book-service', address: target, load_balancing, connect: 'eager' }] } },
    clients: { 'book-service': BookService },
    env: TELEMETRY_OFF,
  });
  t.teardown(shutdown);
  return clients['book-service'];
}

/** Makes `total` calls, `concurrency` at a time; returns the share and the calls per replica. */
async function run(client: BookClient, servers: RunningServer[], total: number, concurrency: number) {
  const before = servers.map((server) => server.received.length);
  let next = 0;
  const worker = async () => {
    while (next < total) {
      next += 1;
      await getBook(client, 'b1');
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const counts = servers.map((server, index) => server.received.length - before[index]!);
  return { share: counts[0]! / total, counts };
}

async function slowShare(load_balancing: ServiceConfigInput['load_balancing'], slowMs: number, total: number, concurrency: number, t: { teardown(fn: () => unknown): void }) {
  const { servers, target } = await replicas(t, () => slowMs);
  return run(await initBooks(target, load_balancing, t), servers, total, concurrency);
}

test.serial('least_request sends a replica that answers in 300 ms under 10% of the calls (round_robin: a third)', async (t) => {
  const leastRequest = await slowShare('least_request', 300, 600, 8, t);
  t.log(`least_request: slow replica got ${(leastRequest.share * 100).toFixed(1)}% (calls per replica ${leastRequest.counts.join('/')})`);
  t.true(leastRequest.share < 0.1, `slow share ${leastRequest.share}`);

  const roundRobin = await slowShare('round_robin', 300, 120, 8, t);
  t.log(`round_robin: slow replica got ${(roundRobin.share * 100).toFixed(1)}% (calls per replica ${roundRobin.counts.join('/')})`);
  t.true(roundRobin.share > 0.25, 'round_robin does not look at latency');
});

test.serial('least_request gives a replica that was slow and recovered its share back', async (t) => {
  let slowMs = 300;
  const { servers, target } = await replicas(t, () => slowMs);
  const client = await initBooks(target, 'least_request', t);
  const slow = await run(client, servers, 300, 8);
  t.true(slow.share < 0.1, `while slow: ${slow.share}`);

  slowMs = 0;
  const recovering = Date.now();
  let window = await run(client, servers, 200, 8);
  while (window.share < 0.15) {
    if (Date.now() - recovering > 30_000) throw new Error(`still ${window.share} of the calls 30s after recovering`);
    window = await run(client, servers, 200, 8);
  }
  t.log(`recovered replica back to ${(window.share * 100).toFixed(1)}% of 200 calls ${Date.now() - recovering}ms after it became fast`);
  t.pass();
});

test('a cancelled call (a hedge won elsewhere) counts only as a lower bound: it raises the average when it waited longer, never lowers it', (t) => {
  const clock = manualClock();
  const load = new EndpointLoad(clock.now);
  const first = load.callStarted();
  clock.advance(10);
  load.callEnded(first, Status.OK);
  t.is(load.latencyMs, 10);
  // A copy that waited 300 ms here before another replica answered: this replica is slower than 10 ms.
  const hedged = load.callStarted();
  clock.advance(300);
  load.callEnded(hedged, Status.CANCELLED);
  t.true(load.latencyMs! > 50, `average ${load.latencyMs} (was 10)`);
  // A copy cancelled after 1 ms says nothing new: the average stays.
  const before = load.latencyMs;
  const quick = load.callStarted();
  clock.advance(1);
  load.callEnded(quick, Status.CANCELLED);
  t.is(load.latencyMs, before);
});
