// The SDK resolver on an injected scheduler and a real loopback DNS server; target mapping; resolve_interval config.
import test from 'ava';
import { once, EventEmitter } from 'node:events';
import { experimental } from '@grpc/grpc-js';
import { PeriodicDnsResolver, RESOLVE_INTERVAL_OPTION, type Scheduler } from '../src/channels/resolver-dns.ts';
import { parseTarget } from '../src/channels/target.ts';
import { channelOptions } from '../src/channels/options.ts';
import { ConfigError, loadConfig, type ServiceConfigInput } from '../src/index.ts';
import { startDnsServer, type TestDnsServer } from './helpers/dns-server.ts';

/** Timers that fire only when the test says so. */
class FakeScheduler implements Scheduler {
  readonly timers = new Map<number, { callback: () => void; ms: number }>();
  private next = 0;
  setTimeout(callback: () => void, ms: number): unknown {
    this.next += 1;
    this.timers.set(this.next, { callback, ms });
    return this.next;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Runs every timer due now (each was set for the interval), as if that much time passed. */
  fire(): void {
    const due = [...this.timers.values()];
    this.timers.clear();
    for (const timer of due) timer.callback();
  }
}

type Result = { endpoints?: string[]; error?: string };

function start(dns: TestDnsServer, intervalMs: number) {
  const scheduler = new FakeScheduler();
  const results: Result[] = [];
  const events = new EventEmitter();
  const target = { scheme: 'grpcclient-dns', authority: dns.address, path: 'books.test:7000' };
  const resolver = new PeriodicDnsResolver(
    target,
    (endpoints) => {
      results.push(endpoints.ok ? { endpoints: endpoints.value.map((endpoint) => experimental.endpointToString(endpoint)).sort() } : { error: endpoints.error.details });
      events.emit('result');
      return true;
    },
    { [RESOLVE_INTERVAL_OPTION]: intervalMs },
    scheduler,
  );
  /** Resolves once the DNS server has answered `count` lookups of the name in all (A and AAAA each count). */
  const lookupsDone = async (lookups: number) => {
    await dns.waitForQueries('books.test', lookups * 2);
    // The answer reaches the resolver after the server saw the question: wait for the timer it sets next.
    while (scheduler.timers.size === 0 && intervalMs > 0) await new Promise((resolve) => setImmediate(resolve));
  };
  return { resolver, scheduler, results, events, lookupsDone };
}

test('the first resolution reports every address as one endpoint each, then schedules the next one resolve_interval later', async (t) => {
  const dns = await startDnsServer();
  t.teardown(() => dns.close());
  dns.setA('books.test', ['127.0.0.2', '127.0.0.1']);
  const { resolver, scheduler, results, events } = start(dns, 250);
  t.teardown(() => resolver.destroy());

  resolver.updateResolution();
  await once(events, 'result');
  t.deepEqual(results, [{ endpoints: ['[127.0.0.1:7000]', '[127.0.0.2:7000]'] }]);
  t.deepEqual([...scheduler.timers.values()].map((timer) => timer.ms), [250]);
});

test('a periodic resolution reports a changed set and stays silent for the same set in another order', async (t) => {
  const dns = await startDnsServer();
  t.teardown(() => dns.close());
  dns.setA('books.test', ['127.0.0.1', '127.0.0.2']);
  const { resolver, scheduler, results, lookupsDone } = start(dns, 1_000);
  t.teardown(() => resolver.destroy());
  resolver.updateResolution();
  await lookupsDone(1);

  dns.setA('books.test', ['127.0.0.2', '127.0.0.1']);
  scheduler.fire();
  await lookupsDone(2);
  t.is(results.length, 1, 'same set, new order: nothing reported');

  dns.setA('books.test', ['127.0.0.1', '127.0.0.2', '127.0.0.3']);
  scheduler.fire();
  await lookupsDone(3);
  t.deepEqual(results.at(-1), { endpoints: ['[127.0.0.1:7000]', '[127.0.0.2:7000]', '[127.0.0.3:7000]'] });

  dns.setA('books.test', ['127.0.0.1']);
  scheduler.fire();
  await lookupsDone(4);
  t.deepEqual(results.at(-1), { endpoints: ['[127.0.0.1:7000]'] });
  t.is(results.length, 3);
});

test('resolve_interval 0 resolves only when grpc-js asks, and answers each ask even when nothing changed', async (t) => {
  const dns = await startDnsServer();
  t.teardown(() => dns.close());
  dns.setA('books.test', ['127.0.0.1']);
  const { resolver, scheduler, results, events } = start(dns, 0);
  t.teardown(() => resolver.destroy());

  resolver.updateResolution();
  await once(events, 'result');
  t.is(scheduler.timers.size, 0, 'no periodic resolution');
  resolver.updateResolution();
  await once(events, 'result');
  t.deepEqual(results, [{ endpoints: ['[127.0.0.1:7000]'] }, { endpoints: ['[127.0.0.1:7000]'] }]);
  t.is(dns.queries('books.test'), 4, 'two lookups, A and AAAA each');
});

test('asks that come while a lookup is under way are answered by it, not by more lookups', async (t) => {
  const dns = await startDnsServer();
  t.teardown(() => dns.close());
  dns.setA('books.test', ['127.0.0.1']);
  const { resolver, results, events } = start(dns, 0);
  t.teardown(() => resolver.destroy());

  resolver.updateResolution();
  resolver.updateResolution();
  resolver.updateResolution();
  await once(events, 'result');
  // A later lookup, asked after the first answer, shows the server's count is settled.
  resolver.updateResolution();
  await once(events, 'result');
  t.is(dns.queries('books.test'), 4, 'two lookups (A and AAAA each), not four');
  t.is(results.length, 2);
});

test('a failed lookup is reported once, not again while it keeps failing; recovery is reported', async (t) => {
  const dns = await startDnsServer();
  t.teardown(() => dns.close());
  const { resolver, scheduler, results, lookupsDone } = start(dns, 1_000);
  t.teardown(() => resolver.destroy());

  resolver.updateResolution(); // books.test is not set yet: NXDOMAIN
  await lookupsDone(1);
  scheduler.fire();
  await lookupsDone(2);
  t.is(results.length, 1);
  t.regex(results[0]!.error ?? '', /^DNS resolution of grpcclient-dns:\/\/127\.0\.0\.1:\d+\/books\.test:7000 failed: .*ENOTFOUND/);

  dns.setA('books.test', ['127.0.0.1']);
  scheduler.fire();
  await lookupsDone(3);
  t.deepEqual(results.at(-1), { endpoints: ['[127.0.0.1:7000]'] });
});

test('destroy stops the periodic resolution and drops the answer of a lookup under way', async (t) => {
  const dns = await startDnsServer();
  t.teardown(() => dns.close());
  dns.setA('books.test', ['127.0.0.1']);
  const { resolver, scheduler, results, events, lookupsDone } = start(dns, 1_000);
  t.teardown(() => resolver.destroy());
  resolver.updateResolution();
  await lookupsDone(1);
  resolver.destroy();
  t.is(scheduler.timers.size, 0);

  dns.setA('books.test', ['127.0.0.2']);
  resolver.updateResolution();
  await dns.waitForQueries('books.test', 4); // answered with 127.0.0.2, not yet read by the resolver
  resolver.destroy();
  dns.setA('books.test', ['127.0.0.3']);
  resolver.updateResolution();
  while (results.at(-1)?.endpoints?.[0] !== '[127.0.0.3:7000]') await once(events, 'result');
  t.deepEqual(results, [{ endpoints: ['[127.0.0.1:7000]'] }, { endpoints: ['[127.0.0.3:7000]'] }], 'nothing from the destroyed lookup');
});

test('dns targets with a host name go to the SDK resolver; IP literals and other schemes stay with grpc-js', (t) => {
  t.is(parseTarget('books.test:7000').uri, 'grpcclient-dns:///books.test:7000');
  t.is(parseTarget('dns:///books.test:7000').uri, 'grpcclient-dns:///books.test:7000');
  t.is(parseTarget('dns://127.0.0.1:5353/books.test:7000').uri, 'grpcclient-dns://127.0.0.1:5353/books.test:7000');
  t.is(parseTarget('dns://127.0.0.1:5353/books.test:7000').canonical, 'dns://127.0.0.1:5353/books.test:7000');
  t.is(parseTarget('books.test:7000').canonical, 'dns:///books.test:7000');
  t.is(parseTarget('127.0.0.1:7000').uri, 'dns:///127.0.0.1:7000');
  t.is(parseTarget('[::1]:7000').uri, 'dns:///[::1]:7000');
  t.is(parseTarget('ipv4:127.0.0.1:7000').uri, 'ipv4:127.0.0.1:7000');
  t.throws(() => parseTarget('dns:///books.test'), { message: /is not host:port/ });
});

test('resolve_interval is 30s unless set, 0 or at least 100ms, and reaches the resolver as a channel option', (t) => {
  const load = (resolveInterval?: ServiceConfigInput['resolve_interval']) =>
    loadConfig({ grpc_clients: { services: [{ name: 'books', address: 'books.test:7000', ...(resolveInterval === undefined ? {} : { resolve_interval: resolveInterval }) }] } }, { env: {} }).services[0]!;
  t.is(load().resolve_interval, 30_000);
  t.is(load(0).resolve_interval, 0);
  t.is(channelOptions(load('250ms'))[RESOLVE_INTERVAL_OPTION], 250);
  const error = t.throws(() => load('50ms'), { instanceOf: ConfigError }) as ConfigError;
  t.deepEqual(error.problems.map((problem) => `${problem.path}: ${problem.reason}`), ['grpc_clients.services[0].resolve_interval: "50ms" must be 0 (resolve only on failure) or at least 100ms']);
});
