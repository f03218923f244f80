// The per-endpoint connectivity gauge, read through an in-memory metric reader.
import test, { type ExecutionContext } from 'ava';
import { getChannelzHandlers } from '@grpc/grpc-js';
import { init } from '../src/index.ts';
import { BookService } from './helpers/protos.ts';
import { deadPort } from './helpers/servers.ts';
import { startDnsServer } from './helpers/dns-server.ts';
import { startReplicas, type Replica } from './helpers/replicas.ts';
import { pointsWhere, registerInMemoryTelemetry } from './helpers/telemetry.ts';

const telemetry = registerInMemoryTelemetry();
const TELEMETRY_IN_MEMORY = { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' };

/** endpoint → state whose series is 1, for one service. */
async function endpointSeries(service: string): Promise<Record<string, string>> {
  const metrics = await telemetry.collect();
  const points = pointsWhere(metrics.get('grpcclient.endpoint.state'), { 'grpcclient.service': service });
  return Object.fromEntries(points.filter((point) => point.value === 1).map((point) => [point.attributes['endpoint'], point.attributes['state']]));
}

/** Collects until `accept` holds (the gauge is read at collection time, so polling is the way to wait). */
async function gaugeUntil<T>(read: () => Promise<T>, accept: (value: T) => boolean, what: string): Promise<T> {
  const giveUp = Date.now() + 15_000;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > giveUp) throw new Error(`${what}; last seen ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Replicas on 127.0.0.1, .2 and .3 (one port) behind books.test, served by a DNS server of the test's own. */
async function threeReplicasBehindOneName(t: ExecutionContext) {
  const dns = await startDnsServer();
  t.teardown(() => dns.close());
  const replicas = await startReplicas(['127.0.0.1', '127.0.0.2', '127.0.0.3']);
  const [one, two, three] = replicas as [Replica, Replica, Replica];
  t.teardown(() => Promise.all(replicas.map((replica) => replica.stop())));
  dns.setA('books.test', replicas.map((replica) => replica.host));
  return { dns, one, two, three, address: `dns://${dns.address}/books.test:${one.port}` };
}

test.serial('each endpoint has its own state series: READY, TRANSIENT_FAILURE when its server dies, gone when DNS drops it', async (t) => {
  const { dns, one, two, three, address } = await threeReplicasBehindOneName(t);
  const sdk = await init({
    config: { grpc_clients: { services: [{ name: 'replicated', address, load_balancing: 'round_robin', resolve_interval: '200ms', min_resolve_interval: '200ms', connect: 'eager', reconnect: { initial_backoff: '100ms', max_backoff: '200ms' } }] } },
    clients: { replicated: BookService },
    env: TELEMETRY_IN_MEMORY,
  });
  t.teardown(() => sdk.shutdown());

  const ready = { [one.address]: 'READY', [two.address]: 'READY', [three.address]: 'READY' };
  t.deepEqual(await gaugeUntil(() => endpointSeries('replicated'), (series) => JSON.stringify(series) === JSON.stringify(ready), 'all three READY'), ready);
  const metrics = await telemetry.collect();
  const series = pointsWhere(metrics.get('grpcclient.endpoint.state'), { 'grpcclient.service': 'replicated', endpoint: two.address });
  t.deepEqual(series.map((point) => `${point.attributes['state']}=${point.value}`).sort(), ['CONNECTING=0', 'IDLE=0', 'READY=1', 'SHUTDOWN=0', 'TRANSIENT_FAILURE=0']);
  t.is(series[0]?.attributes['grpc.target'], address);

  await three.stop();
  await gaugeUntil(() => endpointSeries('replicated'), (now) => now[three.address] === 'TRANSIENT_FAILURE', 'the dead replica in TRANSIENT_FAILURE');
  t.is((await endpointSeries('replicated'))[one.address], 'READY');

  dns.setA('books.test', [one.host, two.host]);
  const after = await gaugeUntil(() => endpointSeries('replicated'), (now) => !(three.address in now), 'the dropped replica gone');
  t.deepEqual(after, { [one.address]: 'READY', [two.address]: 'READY' });
  const gone = pointsWhere((await telemetry.collect()).get('grpcclient.endpoint.state'), { endpoint: three.address });
  t.deepEqual(gone.map((point) => point.value), [0, 0, 0, 0, 0], 'a departed endpoint reads 0 in every state');
});

test.serial('past 32 endpoints per service the rest are summed under endpoint="other", one count per state', async (t) => {
  const dns = await startDnsServer();
  t.teardown(() => dns.close());
  const hosts = Array.from({ length: 34 }, (_, index) => `127.0.1.${index + 1}`);
  dns.setA('many.test', hosts);
  const port = await deadPort(); // nothing listens: every endpoint keeps failing, which is enough to be listed
  const sdk = await init({
    config: { grpc_clients: { services: [{ name: 'many', address: `dns://${dns.address}/many.test:${port}`, load_balancing: 'round_robin' }] } },
    clients: { many: BookService },
    env: TELEMETRY_IN_MEMORY,
  });
  t.teardown(() => sdk.shutdown());
  sdk.manager.getChannel('many').getConnectivityState(true);

  const points = await gaugeUntil(
    async () => pointsWhere((await telemetry.collect()).get('grpcclient.endpoint.state'), { 'grpcclient.service': 'many' }),
    (now) => now.some((point) => point.attributes['endpoint'] === 'other'),
    'the other series',
  );
  const endpoints = new Set(points.map((point) => point.attributes['endpoint']));
  t.is(endpoints.size, 33, '32 endpoints and "other"');
  const lastTwo = hosts.map((host) => `${host}:${port}`).sort().slice(-2);
  t.false(lastTwo.some((endpoint) => endpoints.has(endpoint)), 'the last two in string order are summed');
  const other = points.filter((point) => point.attributes['endpoint'] === 'other');
  t.is(other.length, 5, 'one series per state');
  t.is(other.reduce((sum, point) => sum + Number(point.value), 0), 2);
});

test('an endpoint past 256 distinct ones per service is counted under "other" for good, so churn cannot grow the series without bound', async (t) => {
  const { EndpointSeries } = await import('../src/telemetry/channel-metrics.ts');
  const series = new EndpointSeries({ 'grpcclient.service': 'churn' });
  let observed: { value: number; endpoint: string; state: string }[] = [];
  const observer = { observe: (value: number, attributes: Record<string, unknown>) => void observed.push({ value, endpoint: String(attributes['endpoint']), state: String(attributes['state']) }) };
  // 9 rollouts of 30 fresh replica addresses each: 270 distinct endpoints over time, 30 at a time.
  for (let rollout = 0; rollout < 9; rollout += 1) {
    observed = [];
    const endpoints = Array.from({ length: 30 }, (_, index) => ({ endpoint: `10.0.${rollout}.${index}:50051`, state: 'READY' as const }));
    series.observe(endpoints, observer);
  }
  const named = new Set(observed.map((point) => point.endpoint).filter((endpoint) => endpoint !== 'other'));
  t.is(named.size, 256);
  const ready = observed.filter((point) => point.value > 0 && point.state === 'READY');
  t.deepEqual(
    ready.map((point) => [point.endpoint, point.value]),
    [...Array.from({ length: 16 }, (_, index) => [`10.0.8.${index}:50051`, 1]), ['other', 14]],
    'the last rollout: 16 fit under the cap of 256 named, the other 14 are counted',
  );
  t.true(observed.filter((point) => point.endpoint.startsWith('10.0.0.')).every((point) => point.value === 0), 'departed endpoints read 0');
});

/** Subchannel id per endpoint of a channel, from grpc-js's channelz registry: a new id is a new connection object. */
function subchannelIds(channel: import('@grpc/grpc-js').Channel): Record<string, string> {
  const handlers = getChannelzHandlers() as unknown as Record<string, (call: { request: Record<string, string> }, done: (error: unknown, value: any) => void) => void>;
  let refs: { subchannel_id: string }[] = [];
  handlers['GetChannel']!({ request: { channel_id: String(channel.getChannelzRef().id) } }, (_error, value) => (refs = value.channel.subchannel_ref));
  const ids: Record<string, string> = {};
  for (const ref of refs) {
    handlers['GetSubchannel']!({ request: { subchannel_id: String(ref.subchannel_id) } }, (_error, value) => (ids[value.subchannel.data.target] = String(ref.subchannel_id)));
  }
  return ids;
}

for (const policy of ['round_robin', 'least_request'] as const) {
  test.serial(`${policy}: a replica going down keeps the connections to the others across re-resolutions`, async (t) => {
    const { dns, one, two, three, address } = await threeReplicasBehindOneName(t);
    const sdk = await init({
      config: { grpc_clients: { services: [{ name: 'kept', address, load_balancing: policy, resolve_interval: '100ms', min_resolve_interval: '100ms', connect: 'eager', reconnect: { initial_backoff: '100ms', max_backoff: '200ms' } }] } },
      clients: { kept: BookService },
      env: { ...TELEMETRY_IN_MEMORY, GRPC_CLIENTS_TELEMETRY_ENABLED: 'false' },
    });
    t.teardown(() => sdk.shutdown());
    const channel = sdk.manager.getChannel('kept');
    const before = await gaugeUntil(async () => subchannelIds(channel), (ids) => Object.keys(ids).length === 3, 'three subchannels');
    await three.stop();
    // Five more lookups, each answered to the load-balancing policy with the same three addresses.
    const queries = dns.queries('books.test');
    await gaugeUntil(async () => dns.queries('books.test'), (count) => count >= queries + 5, 'five more lookups');
    const after = subchannelIds(channel);
    t.is(after[one.address], before[one.address]);
    t.is(after[two.address], before[two.address]);
  });
}
