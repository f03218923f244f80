// The SDK resolver on an injected scheduler and a real loopback DNS server; target mapping; resolve_interval config.
import test from 'ava';
import { once, EventEmitter } from 'node:events';
import { experimental } from '@grpc/grpc-js';
import { MIN_RESOLVE_INTERVAL_OPTION, PeriodicDnsResolver, RESOLVE_INTERVAL_OPTION, type Scheduler } from '../src/channels/resolver-dns.ts';
import { parseTarget } from '../src/channels/target.ts';
import { channelOptions } from '../src/channels/options.ts';
import { ConfigError, loadConfig, type ServiceConfigInput } from '../src/index.ts';
import { startDnsServer, type TestDnsServer } from './helpers/dns-server.ts';

/** A clock that moves only when a timer is fired or the test advances it, and timers that fire only when told. */
class FakeScheduler implements Scheduler {
  readonly timers = new Map<number, { callback: () => void; ms: number; at: number }>();
  private clock = 0;
  private next = 0;
  randomValue = 0.5;
  now(): number {
    return this.clock;
  }
  random(): number {
    return this.randomValue;
  }
  setTimeout(callback: () => void, ms: number): unknown {
    this.next += 1;
    this.timers.set(this.next, { callback, ms, at: this.clock + ms });
    return this.next;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** The delays of the timers set and not yet fired. */
  delays(): number[] {
    return [...this.timers.values()].map((timer) => timer.ms);
  }
  /** Moves the clock to the earliest timer's instant and runs every timer due then. */
  fire(): void {
    const at = Math.min(...[...this.timers.values()].map((timer) => timer.at));
    this.clock = Math.max(this.clock, at);
    for (const [handle, timer] of [...this.timers]) {
      if (timer.at > at) continue;
      this.timers.delete(handle);
      timer.callback();
    }
  }
  advance(ms: number): void {
    this.clock += ms;
  }
}

type Result = { endpoints?: string[]; error?: string };

interface StartOptions {
  intervalMs: number;
  minIntervalMs?: number;
  /** What the listener answers (a policy that rejects the addresses answers false). */
  accept?: boolean;
  /** Ask again from inside the report, as grpc-js's policies do when an address refuses connections. */
  askFromReport?: boolean;
  /** Channel options of the reconnect backoff the resolver's failure backoff follows. */
  backoff?: { initial: number; max: number };
}

function start(dns: TestDnsServer, options: StartOptions) {
  const { intervalMs, minIntervalMs = 0, accept = true, askFromReport = false, backoff } = options;
  const scheduler = new FakeScheduler();
  const results: Result[] = [];
  const events = new EventEmitter();
  const target = { scheme: 'grpcclient-dns', authority: dns.address, path: 'books.test:7000' };
  const channelOptions = {
    [RESOLVE_INTERVAL_OPTION]: intervalMs,
    [MIN_RESOLVE_INTERVAL_OPTION]: minIntervalMs,
    ...(backoff ? { 'grpc.initial_reconnect_backoff_ms': backoff.initial, 'grpc.max_reconnect_backoff_ms': backoff.max } : {}),
  };
  const resolver: PeriodicDnsResolver = new PeriodicDnsResolver(
    target,
    (endpoints) => {
      results.push(endpoints.ok ? { endpoints: endpoints.value.map((endpoint) => experimental.endpointToString(endpoint)).sort() } : { error: endpoints.error.details });
      if (askFromReport) resolver.updateResolution();
      events.emit('result');
      return accept;
    },
    channelOptions,
    scheduler,
  );
  /** Resolves once the DNS server has answered `count` lookups of the name in all (A and AAAA each count). */
  const lookupsDone = async (lookups: number) => {
    await dns.waitForQueries('books.test', lookups * 2);
    // The answer reaches the resolver after the server saw the question: wait for the timer it sets next.
    const givingUp = Date.now() + 5_000;
    while (scheduler.timers.size === 0) {
      if (Date.now() > givingUp) throw new Error(`no next lookup planned after lookup ${lookups}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { resolver, scheduler, results, events, lookupsDone };
}

test('the first resolution reports every address as one endpoint each, then schedules the next one resolve_interval later', async (t) => {
  const dns = await startDnsServer();
  t.teardown(() => dns.close());
  dns.setA('books.test', ['127.0.0.2', '127.0.0.1']);
  const { resolver, scheduler, results, events } = start(dns, { intervalMs: 250 });
  t.teardown(() => resolver.destroy());

  resolver.updateResolution();
  await once(events, 'result');
  t.deepEqual(results, [{ endpoints: ['[127.0.0.1:7000]', '[127.0.0.2:7000]'] }]);
  t.deepEqual(scheduler.delays(), [250]);
});

test('a periodic resolution reports a changed set and stays silent for the same set in another order', async (t) => {
  const dns = await startDnsServer();
  t.teardown(() => dns.close());
  dns.setA('books.test', ['127.0.0.1', '127.0.0.2']);
  const { resolver, scheduler, results, lookupsDone } = start(dns, { intervalMs: 1_000 });
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
  const { resolver, scheduler, results, events } = start(dns, { intervalMs: 0 });
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
  const { resolver, results, events } = start(dns, { intervalMs: 0 });
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

test('asks within min_resolve_interval of the last lookup are held and answered together by one lookup at its end', async (t) => {
  const dns = await startDnsServer();
  t.teardown(() => dns.close());
  dns.setA('books.test', ['127.0.0.1']);
  const { resolver, scheduler, results, events } = start(dns, { intervalMs: 0, minIntervalMs: 5_000 });
  t.teardown(() => resolver.destroy());
  resolver.updateResolution();
  await once(events, 'result');

  scheduler.advance(1_000);
  resolver.updateResolution();
  scheduler.advance(1_000);
  resolver.updateResolution();
  resolver.updateResolution();
  t.deepEqual(scheduler.delays(), [4_000], 'one lookup, at 5s after the last one started');
  t.is(dns.queries('books.test'), 2, 'nothing asked of DNS meanwhile');

  scheduler.fire();
  await once(events, 'result');
  t.is(dns.queries('books.test'), 4, 'one more lookup (A and AAAA) for the three asks');
  t.is(results.length, 2, 'the held asks are answered, though nothing changed');

  scheduler.advance(5_000);
  resolver.updateResolution();
  t.deepEqual(scheduler.delays(), [], 'an ask after the quiet period starts a lookup at once');
  await once(events, 'result');
  t.is(dns.queries('books.test'), 6);
});

test('an ask made from inside the report, as a policy with a refusing address makes it, waits min_resolve_interval instead of looping', async (t) => {
  const dns = await startDnsServer();
  t.teardown(() => dns.close());
  dns.setA('books.test', ['127.0.0.1', '127.0.0.2']);
  const { resolver, scheduler, results, events } = start(dns, { intervalMs: 30_000, minIntervalMs: 5_000, askFromReport: true });
  t.teardown(() => resolver.destroy());
  resolver.updateResolution();
  await once(events, 'result');
  t.deepEqual(scheduler.delays(), [5_000], 'the ask is held to 5s after the lookup started, ahead of the periodic one');

  for (let round = 2; round <= 4; round += 1) {
    scheduler.fire();
    await once(events, 'result');
    t.deepEqual(scheduler.delays(), [5_000], `round ${round}: again one lookup 5s later`);
  }
  t.is(dns.queries('books.test'), 8, 'four lookups for four rounds of asks');
  t.is(results.length, 4);
});

test('a failed lookup is tried again on its own after the reconnect backoff (x1.6, capped), not after min_resolve_interval', async (t) => {
  const dns = await startDnsServer();
  t.teardown(() => dns.close());
  const { resolver, scheduler, results, lookupsDone } = start(dns, { intervalMs: 0, minIntervalMs: 30_000, backoff: { initial: 1_000, max: 3_000 } });
  t.teardown(() => resolver.destroy());

  resolver.updateResolution(); // books.test is not set: NXDOMAIN
  const delays: number[] = [];
  for (let failures = 1; failures <= 4; failures += 1) {
    await lookupsDone(failures);
    delays.push(...scheduler.delays());
    // An ask during the backoff joins the retry already planned.
    resolver.updateResolution();
    t.is(scheduler.timers.size, 1);
    scheduler.fire();
  }
  t.deepEqual(delays.map(Math.round), [1_000, 1_600, 2_560, 3_000]);
  t.is(results.filter((result) => result.error).length, 4, 'each failure asked for was answered');

  dns.setA('books.test', ['127.0.0.1']);
  await dns.waitForQueries('books.test', 10);
  while (results.at(-1)?.endpoints === undefined) await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(results.at(-1), { endpoints: ['[127.0.0.1:7000]'] }, 'found as soon as the name exists');
  t.deepEqual(scheduler.delays(), [], 'after a success nothing more is planned (resolve_interval 0)');
});

test('the failure backoff is jittered by ±20% and never waits longer than resolve_interval', async (t) => {
  const dns = await startDnsServer();
  t.teardown(() => dns.close());
  const { resolver, scheduler, lookupsDone } = start(dns, { intervalMs: 1_500, minIntervalMs: 1_000, backoff: { initial: 1_000, max: 120_000 } });
  t.teardown(() => resolver.destroy());
  scheduler.randomValue = 0;
  resolver.updateResolution();
  await lookupsDone(1);
  t.deepEqual(scheduler.delays().map(Math.round), [800], 'random 0: 20% early');
  scheduler.randomValue = 0.999_999;
  scheduler.fire();
  await lookupsDone(2);
  t.deepEqual(scheduler.delays().map(Math.round), [1_500], '1.6s +20% is over resolve_interval: 1.5s');
});

test('an empty answer is a failure: reported as an error (the policy keeps its addresses), never as an empty list', async (t) => {
  const dns = await startDnsServer();
  t.teardown(() => dns.close());
  dns.setA('books.test', ['127.0.0.1']);
  const { resolver, scheduler, results, lookupsDone } = start(dns, { intervalMs: 1_000, minIntervalMs: 1_000 });
  t.teardown(() => resolver.destroy());
  resolver.updateResolution();
  await lookupsDone(1);

  dns.setA('books.test', []); // the name exists, with no A or AAAA records
  scheduler.fire();
  await lookupsDone(2);
  t.is(results.length, 2);
  t.regex(results[1]!.error ?? '', /^DNS resolution of .*books\.test:7000 failed: .*ENODATA/);
  t.false(results.some((result) => result.endpoints?.length === 0));
});

test('addresses the policy rejects count as a failed resolution: backed off and reported again', async (t) => {
  const dns = await startDnsServer();
  t.teardown(() => dns.close());
  dns.setA('books.test', ['127.0.0.1']);
  const { resolver, scheduler, results, lookupsDone } = start(dns, { intervalMs: 0, minIntervalMs: 30_000, accept: false, backoff: { initial: 1_000, max: 120_000 } });
  t.teardown(() => resolver.destroy());
  resolver.updateResolution();
  await lookupsDone(1);
  t.deepEqual(scheduler.delays(), [1_000], 'retried after the backoff, not after min_resolve_interval');
  scheduler.fire();
  await lookupsDone(2);
  t.deepEqual(results, [{ endpoints: ['[127.0.0.1:7000]'] }, { endpoints: ['[127.0.0.1:7000]'] }], 'the same set is reported again');
});

test('a failed lookup is reported once, not again while it keeps failing; recovery is reported', async (t) => {
  const dns = await startDnsServer();
  t.teardown(() => dns.close());
  const { resolver, scheduler, results, lookupsDone } = start(dns, { intervalMs: 1_000 });
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
  const { resolver, scheduler, results, events, lookupsDone } = start(dns, { intervalMs: 1_000 });
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
  const load = (fields: Partial<ServiceConfigInput> = {}) => loadConfig({ grpc_clients: { services: [{ name: 'books', address: 'books.test:7000', ...fields }] } }, { env: {} }).services[0]!;
  const problems = (fields: Partial<ServiceConfigInput>) => (t.throws(() => load(fields), { instanceOf: ConfigError }) as ConfigError).problems.map((problem) => `${problem.path}: ${problem.reason}`);
  t.is(load().resolve_interval, 30_000);
  t.is(load({ resolve_interval: 0 }).resolve_interval, 0);
  t.is(channelOptions(load({ resolve_interval: '250ms', min_resolve_interval: '250ms' }))[RESOLVE_INTERVAL_OPTION], 250);
  t.deepEqual(problems({ resolve_interval: '50ms' }), ['grpc_clients.services[0].resolve_interval: "50ms" must be 0 (resolve only on failure) or at least 100ms']);
});

test('min_resolve_interval is 5s unless set, at least 100ms, not above resolve_interval, and reaches the resolver as a channel option', (t) => {
  const load = (fields: Partial<ServiceConfigInput> = {}) => loadConfig({ grpc_clients: { services: [{ name: 'books', address: 'books.test:7000', ...fields }] } }, { env: {} }).services[0]!;
  const problems = (fields: Partial<ServiceConfigInput>) => (t.throws(() => load(fields), { instanceOf: ConfigError }) as ConfigError).problems.map((problem) => `${problem.path}: ${problem.reason}`);
  t.is(load().min_resolve_interval, 5_000);
  t.is(channelOptions(load({ min_resolve_interval: '2s' }))[MIN_RESOLVE_INTERVAL_OPTION], 2_000);
  t.is(load({ resolve_interval: 0, min_resolve_interval: '1m' }).min_resolve_interval, 60_000, 'no periodic lookups: nothing to compare');
  t.deepEqual(problems({ min_resolve_interval: '10ms' }), ['grpc_clients.services[0].min_resolve_interval: "10ms" must be at least 100ms']);
  t.deepEqual(problems({ resolve_interval: '1s' }), ['grpc_clients.services[0].resolve_interval: "1s" must be 0 or not below min_resolve_interval (5s, the default)']);
  t.deepEqual(problems({ resolve_interval: '1s', min_resolve_interval: '2s' }), ['grpc_clients.services[0].resolve_interval: "1s" must be 0 or not below min_resolve_interval ("2s")']);
});
