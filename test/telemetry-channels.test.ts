// Channel state and settings gauges, and connection metrics derived from state changes.
import test from 'ava';
import { once } from 'node:events';
import { init, type StateChange } from '../src/index.ts';
import { BookService } from './helpers/protos.ts';
import { startBookServer } from './helpers/servers.ts';
import { pointsWhere, registerInMemoryTelemetry } from './helpers/telemetry.ts';

const telemetry = registerInMemoryTelemetry();

async function stateSeries(service: string): Promise<Record<string, number>> {
  const metrics = await telemetry.collect();
  return Object.fromEntries(pointsWhere(metrics.get('grpcclient.channel.state'), { 'grpcclient.service': service }).map((point) => [point.attributes['state'], point.value]));
}

test('the state gauge has one series per state, 1 for the current one, and shows a killed server within seconds', async (t) => {
  const server = await startBookServer();
  const sdk = await init({
    config: { grpc_clients: { services: [{ name: 'gauge', address: server.address, connect: 'eager' }] } },
    clients: { gauge: BookService },
    env: { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' },
  });
  t.deepEqual(await stateSeries('gauge'), { IDLE: 0, CONNECTING: 0, READY: 1, TRANSIENT_FAILURE: 0, SHUTDOWN: 0 });

  const killedAt = Date.now();
  const leftReady = once(sdk.manager, 'state', { signal: AbortSignal.timeout(10_000) });
  await server.stop();
  const [change] = (await leftReady) as [StateChange];
  const series = await stateSeries('gauge');
  t.is(series['READY'], 0);
  t.is(series[change.current], 1);
  t.true(Date.now() - killedAt < 5_000, 'seen within seconds');

  const metrics = await telemetry.collect();
  const only = { 'grpcclient.service': 'gauge' };
  t.is(pointsWhere(metrics.get('grpc.subchannel.connection_attempts_succeeded'), only)[0]?.value, 1);
  t.is(pointsWhere(metrics.get('grpc.subchannel.disconnections'), only)[0]?.value, 1);
  t.is(pointsWhere(metrics.get('grpc.subchannel.open_connections'), only)[0]?.value, 0);
  t.is(metrics.get('grpc.subchannel.disconnections')?.descriptor.unit, '{disconnection}');
  await sdk.shutdown();
});

test('a connection attempt to a dead port counts as failed', async (t) => {
  const { deadPort } = await import('./helpers/servers.ts');
  const port = await deadPort();
  const sdk = await init({
    config: { grpc_clients: { services: [{ name: 'dead', address: `127.0.0.1:${port}` }] } },
    clients: { dead: BookService },
    env: { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' },
  });
  const failed = new Promise<void>((resolve) => sdk.manager.on('state', (change) => change.current === 'TRANSIENT_FAILURE' && resolve()));
  sdk.manager.getChannel('dead').getConnectivityState(true);
  await failed;
  const metrics = await telemetry.collect();
  t.true(Number(pointsWhere(metrics.get('grpc.subchannel.connection_attempts_failed'), { 'grpcclient.service': 'dead' })[0]?.value) >= 1);
  await sdk.shutdown();
});

test('the info gauge carries the effective retry, keepalive and TLS settings of each service', async (t) => {
  const sdk = await init({
    config: {
      grpc_clients: {
        services: [
          { name: 'info-a', address: 'localhost:1', retry: { max: 9, backoff: '50ms', retryable_codes: ['UNAVAILABLE', 'RESOURCE_EXHAUSTED'] }, keepalive: { time: '5s' }, reconnect: { initial_backoff: '250ms' } },
          { name: 'info-b', address: 'localhost:2' },
        ],
      },
    },
    clients: {},
    env: { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' },
  });
  const metrics = await telemetry.collect();
  const [a] = pointsWhere(metrics.get('grpcclient.channel.info'), { 'grpcclient.service': 'info-a' });
  t.is(a?.value, 1);
  t.like(a!.attributes, {
    'grpc.target': 'dns:///localhost:1',
    'grpcclient.retry.max_attempts': 5, // max 9 retries, capped at 5 attempts (gRFC A6)
    'grpcclient.retry.initial_backoff': '50ms',
    'grpcclient.retry.max_backoff': '5s',
    'grpcclient.retry.backoff_multiplier': 2,
    'grpcclient.retry.retryable_codes': 'UNAVAILABLE,RESOURCE_EXHAUSTED',
    'grpcclient.keepalive.time': '10s', // raised to the gRFC A8 minimum
    'grpcclient.keepalive.timeout': '20s',
    'grpcclient.keepalive.without_calls': false,
    'grpcclient.reconnect.initial_backoff': '250ms',
    'grpcclient.reconnect.max_backoff': '2m',
    'grpcclient.wait_for_ready': false,
    'grpcclient.tls': false,
  });
  const [b] = pointsWhere(metrics.get('grpcclient.channel.info'), { 'grpcclient.service': 'info-b' });
  t.like(b!.attributes, { 'grpcclient.retry.max_attempts': 1, 'grpcclient.keepalive.time': 'off' });
  t.deepEqual(await stateSeries('info-b'), { IDLE: 1, CONNECTING: 0, READY: 0, TRANSIENT_FAILURE: 0, SHUTDOWN: 0 });
  await sdk.shutdown();
});
