// Replicas behind one DNS name coming and going under steady traffic, and one refusing connections,
// through init() and real servers: what the client asks of DNS and what it costs.
import test from 'ava';
import { once } from 'node:events';
import { init } from '../src/index.ts';
import { endpointStates } from '../src/channels/endpoint-states.ts';
import { BookService } from './helpers/protos.ts';
import { TELEMETRY_OFF } from './helpers/calls.ts';
import { startDnsServer, type TestDnsServer } from './helpers/dns-server.ts';
import { call, servedAtLeast, startReplica, startReplicas, steadyTraffic, type Replica } from './helpers/replicas.ts';

const NAME = 'books.test';
const RESOLVE_INTERVAL_MS = 200;

async function clientsFor(dns: TestDnsServer, port: number) {
  return init({
    config: {
      grpc_clients: {
        services: [
          {
            name: 'book-service',
            address: `dns://${dns.address}/${NAME}:${port}`,
            load_balancing: 'round_robin',
            resolve_interval: `${RESOLVE_INTERVAL_MS}ms`,
            min_resolve_interval: `${RESOLVE_INTERVAL_MS}ms`,
            connect: 'eager',
            retry: { max: 3, backoff: '10ms', max_backoff: '50ms' },
          },
        ],
      },
    },
    clients: { 'book-service': BookService },
    env: TELEMETRY_OFF,
  });
}

/** Fails the test with a message instead of hanging when `promise` does not settle in `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms}ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const stopAll = (replicas: Replica[]) => Promise.all(replicas.map((replica) => replica.stop()));

test('scale up 2 -> 3: the added replica serves calls within resolve_interval + 1s, and no call fails', async (t) => {
  const dns = await startDnsServer();
  t.teardown(() => dns.close());
  const [one, two] = await startReplicas(['127.0.0.1', '127.0.0.2']);
  const three = await startReplica('127.0.0.3', one!.port);
  t.teardown(() => stopAll([one!, two!, three]));
  dns.setA(NAME, [one!.host, two!.host]);
  const { clients, shutdown } = await clientsFor(dns, one!.port);
  t.teardown(shutdown);
  const traffic = steadyTraffic(clients['book-service']);
  t.teardown(() => traffic.stop());
  await within(Promise.all([servedAtLeast(one!, 5), servedAtLeast(two!, 5)]), 10_000, 'both first replicas serving');
  t.is(three.served, 0, 'the third replica is not in DNS yet');

  dns.setA(NAME, [one!.host, two!.host, three.host]);
  const added = Date.now();
  await within(servedAtLeast(three, 1), 10_000, 'the added replica serving');
  const seenAfterMs = Date.now() - added;
  await servedAtLeast(three, 20);
  await traffic.stop();

  t.true(seenAfterMs <= RESOLVE_INTERVAL_MS + 1_000, `first call on the new replica after ${seenAfterMs}ms`);
  t.deepEqual(traffic.failures.map((error) => error.message), []);
  t.log(`new replica served after ${seenAfterMs}ms; ${traffic.ok} calls ok`);
});

test('scale down 3 -> 2: a replica dropped from DNS and shut down gracefully under steady traffic fails no call', async (t) => {
  const dns = await startDnsServer();
  t.teardown(() => dns.close());
  // Calls take 20ms, so the removed replica has calls in flight when it is told to shut down.
  const replicas = await startReplicas(['127.0.0.1', '127.0.0.2', '127.0.0.3'], 20);
  const [one, two, three] = replicas as [Replica, Replica, Replica];
  t.teardown(() => stopAll(replicas));
  dns.setA(NAME, replicas.map((replica) => replica.host));
  const { clients, manager, shutdown } = await clientsFor(dns, one.port);
  t.teardown(shutdown);
  const traffic = steadyTraffic(clients['book-service'], 8);
  t.teardown(() => traffic.stop());
  await within(Promise.all(replicas.map((replica) => servedAtLeast(replica, 5))), 10_000, 'all three replicas serving');

  // As an orchestrator does it: the endpoint leaves DNS and the process is told to stop at the same time,
  // here just as a call has reached it (it takes 20ms), so a call is in flight on the replica being drained.
  await once(three.events, 'call');
  dns.setA(NAME, [one.host, two.host]);
  await three.drain();
  await within(Promise.all([servedAtLeast(one, one.served + 50), servedAtLeast(two, two.served + 50)]), 10_000, 'the remaining replicas serving on');
  await traffic.stop();

  t.deepEqual(traffic.failures.map((error) => error.message), []);
  const endpoints = endpointStates(manager.getChannel('book-service')).map((entry) => entry.endpoint);
  t.deepEqual(endpoints, [one.address, two.address], 'the channel no longer holds the removed replica');
  t.log(`${traffic.ok} calls ok; the removed replica served ${three.served}`);
});

/** One call every `everyMs` until stop(): light traffic, so the client's CPU is what the resolver costs. */
function pacedCalls(client: Parameters<typeof steadyTraffic>[0], everyMs: number) {
  let running = true;
  const result = { ok: 0, failures: [] as Error[] };
  const loop = (async () => {
    while (running) {
      await call(client).then(() => (result.ok += 1), (error: Error) => result.failures.push(error));
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return Object.assign(result, { stop: async () => ((running = false), await loop) });
}

const WINDOW_MS = 4_000;

for (const load_balancing of ['round_robin', 'least_request'] as const) {
  // Serial: the CPU measured is the whole process's, so no other test may run meanwhile.
  test.serial(`${load_balancing}, one of two replicas refusing connections: DNS is asked once per min_resolve_interval, the client stays calm, calls succeed`, async (t) => {
    const dns = await startDnsServer();
    t.teardown(() => dns.close());
    // Nothing listens on 127.0.0.2 at the healthy replica's port: every connect there is refused.
    const healthy = await startReplica('127.0.0.1', 0);
    t.teardown(() => healthy.stop());
    dns.setA(NAME, [healthy.host, '127.0.0.2']);
    const { clients, shutdown } = await init({
      config: { grpc_clients: { services: [{ name: 'book-service', address: `dns://${dns.address}/${NAME}:${healthy.port}`, load_balancing, min_resolve_interval: '1s', connect: 'eager' }] } },
      clients: { 'book-service': BookService },
      env: TELEMETRY_OFF,
    });
    t.teardown(shutdown);

    const lookupsBefore = dns.queries(NAME, 'A');
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const calls = pacedCalls(clients['book-service'], 50);
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    await calls.stop();
    const windowMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = (cpu.user + cpu.system) / 1_000;
    const lookups = dns.queries(NAME, 'A') - lookupsBefore;

    t.log(`${lookups} lookups (A queries) in ${Math.round(windowMs)}ms, client CPU ${Math.round(cpuMs)}ms (${((100 * cpuMs) / windowMs).toFixed(1)}%), ${calls.ok} calls ok`);
    // One per second at most (plus one that may straddle the window's start); at least one, as a
    // refusing replica may have moved and only DNS can say where.
    t.true(lookups >= 1 && lookups <= Math.ceil(windowMs / 1_000) + 1, `${lookups} lookups in ${Math.round(windowMs)}ms`);
    t.true(cpuMs < 0.2 * windowMs, `client CPU ${Math.round(cpuMs)}ms in ${Math.round(windowMs)}ms`);
    t.deepEqual(calls.failures.map((error) => error.message), []);
    t.true(calls.ok > 10 && healthy.served === calls.ok, `${calls.ok} calls ok, ${healthy.served} served by the healthy replica`);
  });
}

test('two healthy replicas behind the name: one lookup at connect, none while calls flow', async (t) => {
  const dns = await startDnsServer();
  t.teardown(() => dns.close());
  const replicas = await startReplicas(['127.0.0.1', '127.0.0.2']);
  t.teardown(() => stopAll(replicas));
  dns.setA(NAME, replicas.map((replica) => replica.host));
  const { clients, shutdown } = await init({
    config: { grpc_clients: { services: [{ name: 'book-service', address: `dns://${dns.address}/${NAME}:${replicas[0]!.port}`, load_balancing: 'round_robin', connect: 'eager' }] } },
    clients: { 'book-service': BookService },
    env: TELEMETRY_OFF,
  });
  t.teardown(shutdown);
  const calls = pacedCalls(clients['book-service'], 20);
  await within(Promise.all(replicas.map((replica) => servedAtLeast(replica, 20))), 10_000, 'both replicas serving');
  await calls.stop();
  t.is(dns.queries(NAME, 'A'), 1);
  t.deepEqual(calls.failures.map((error) => error.message), []);
});
