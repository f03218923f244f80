// Replicas behind one DNS name coming and going under steady traffic, through init() and real servers.
import test from 'ava';
import { once } from 'node:events';
import { init } from '../src/index.ts';
import { endpointStates } from '../src/channels/endpoint-states.ts';
import { BookService } from './helpers/protos.ts';
import { TELEMETRY_OFF } from './helpers/calls.ts';
import { startDnsServer, type TestDnsServer } from './helpers/dns-server.ts';
import { servedAtLeast, startReplica, startReplicas, steadyTraffic, type Replica } from './helpers/replicas.ts';

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
