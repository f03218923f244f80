// Health checking per service (grpc.health.v1): the connect-time Check gates eager init, the Watch reports changes.
import test from 'ava';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { ConnectError, HealthCheckError, init, type HealthChange } from '../src/index.ts';
import { BookService } from './helpers/protos.ts';
import { startBookServer } from './helpers/servers.ts';
import { TestHealthService } from './helpers/health-service.ts';
import { getBook } from './helpers/calls.ts';
import { createSdkLogger } from '../src/telemetry/logger.ts';

function initWith(address: string, fields: Record<string, unknown>) {
  return init({ config: { grpc_clients: { telemetry: { enabled: false }, services: [{ name: 'book-service', address, timeout: '2s', ...fields }] } }, clients: { 'book-service': BookService }, env: {} });
}

test('eager init succeeds against a SERVING backend and reports its status', async (t) => {
  const health = new TestHealthService();
  const server = await startBookServer({ extraServices: [health.entry] });
  t.teardown(() => server.stop());
  const { clients, shutdown } = await initWith(server.address, { connect: 'eager', health_check: { enabled: true } });
  t.teardown(shutdown);
  t.is(health.checks, 1);
  t.is((await getBook(clients['book-service'], 'b1')).id, 'b1');
});

test('eager init fails clearly when the backend reports NOT_SERVING', async (t) => {
  const health = new TestHealthService({ '': 'SERVING', 'book.v1.BookService': 'NOT_SERVING' });
  const server = await startBookServer({ extraServices: [health.entry] });
  t.teardown(() => server.stop());
  const error = await t.throwsAsync(initWith(server.address, { connect: 'eager', health_check: { enabled: true, service: 'book.v1.BookService' } }), { instanceOf: ConnectError });
  t.like(error.failures[0], { service: 'book-service', lastState: 'READY', reason: 'health check failed: health service "book.v1.BookService" is NOT_SERVING' });
  const cause = error.failures[0]!.cause as HealthCheckError;
  t.true(cause instanceof HealthCheckError);
  t.is(cause.status, 'NOT_SERVING');
  t.is(cause.message, `book-service (dns:///${server.address}): health check failed: health service "book.v1.BookService" is NOT_SERVING`);
});

test('eager init fails naming the problem when the server has no health service', async (t) => {
  const server = await startBookServer();
  t.teardown(() => server.stop());
  const error = await t.throwsAsync(initWith(server.address, { connect: 'eager', health_check: { enabled: true } }), { instanceOf: ConnectError });
  t.is((error.failures[0]!.cause as HealthCheckError).status, 'UNIMPLEMENTED');
  t.regex(error.message, /\n {2}book-service \(dns:\/\/\/127\.0\.0\.1:\d+\): health check failed: the server does not implement grpc\.health\.v1\.Health/);
});

test('an unknown health service name fails eager init as SERVICE_UNKNOWN', async (t) => {
  const health = new TestHealthService();
  const server = await startBookServer({ extraServices: [health.entry] });
  t.teardown(() => server.stop());
  const error = await t.throwsAsync(initWith(server.address, { connect: 'eager', health_check: { enabled: true, service: 'nope.v1.Nope' } }), { instanceOf: ConnectError });
  t.is((error.failures[0]!.cause as HealthCheckError).status, 'SERVICE_UNKNOWN');
});

test('a change to NOT_SERVING and back is reported as health events while connected', async (t) => {
  const health = new TestHealthService();
  const server = await startBookServer({ extraServices: [health.entry] });
  t.teardown(() => server.stop());
  const { manager, shutdown } = await initWith(server.address, { connect: 'eager', health_check: { enabled: true } });
  t.teardown(shutdown);
  const next = async () => ((await once(manager, 'health')) as [HealthChange])[0];

  let change = next();
  health.set('', 'NOT_SERVING');
  t.like(await change, { service: 'book-service', target: `dns:///${server.address}`, healthService: '', previous: 'SERVING', current: 'NOT_SERVING' });
  change = next();
  health.set('', 'SERVING');
  t.like(await change, { previous: 'NOT_SERVING', current: 'SERVING' });
});

test('a lazy service starts watching health once its channel is READY', async (t) => {
  const health = new TestHealthService();
  const server = await startBookServer({ extraServices: [health.entry] });
  t.teardown(() => server.stop());
  const { clients, manager, shutdown } = await initWith(server.address, { connect: 'lazy', health_check: { enabled: true } });
  t.teardown(shutdown);
  const first = once(manager, 'health');
  await getBook(clients['book-service'], 'b1');
  t.like(((await first) as [HealthChange])[0], { previous: undefined, current: 'SERVING' });
});

test('only services with health_check enabled are checked: an eager service without grpc.health.v1 next to one with it connects', async (t) => {
  const health = new TestHealthService();
  const checked = await startBookServer({ extraServices: [health.entry] });
  const unchecked = await startBookServer(); // no grpc.health.v1 at all: a Check would fail UNIMPLEMENTED
  t.teardown(() => Promise.all([checked.stop(), unchecked.stop()]));
  const { clients, manager, shutdown } = await init({
    config: {
      grpc_clients: {
        telemetry: { enabled: false },
        services: [
          { name: 'book-service', address: checked.address, connect: 'eager', health_check: { enabled: true } },
          { name: 'catalog-service', address: unchecked.address, connect: 'eager' },
        ],
      },
    },
    clients: { 'book-service': BookService, 'catalog-service': BookService },
    env: {},
  });
  t.teardown(shutdown);
  t.deepEqual([manager.state('book-service'), manager.state('catalog-service')], ['READY', 'READY']);
  t.is(health.checks, 1);
  t.is((await getBook(clients['catalog-service'], 'b2')).id, 'b2');
});

test('a server with Check but without Watch: the connect-time status stands, with no error and no new Watch on reconnect', async (t) => {
  const health = new TestHealthService({ '': 'SERVING' }, { watch: false });
  const server = await startBookServer({ extraServices: [health.entry] });
  t.teardown(() => server.stop());
  const watched = once(health, 'watch');
  // A 1s idle timeout takes the channel out of READY and back on the next call, as a reconnect does.
  const { clients, manager, shutdown } = await initWith(server.address, { connect: 'eager', idle_timeout: '1s', health_check: { enabled: true } });
  t.teardown(shutdown);
  const changes: HealthChange[] = [];
  manager.on('health', (change) => changes.push(change));
  await watched;
  t.is(health.watches, 1, 'the Watch after the Check');

  await new Promise<void>((resolve) => manager.on('state', ({ current }) => current === 'IDLE' && resolve()));
  const ready = new Promise<void>((resolve) => manager.on('state', ({ current }) => current === 'READY' && resolve()));
  await getBook(clients['book-service'], 'b1');
  await ready;
  // A Watch the READY above started would reach the server before these later calls on the same connection.
  await getBook(clients['book-service'], 'b2');
  await getBook(clients['book-service'], 'b3');
  t.is(health.watches, 1, 'UNIMPLEMENTED is remembered: no Watch again on the next READY');
  t.deepEqual(changes, [], 'no health change reported');
});

test('health checking is off by default: no Check is sent', async (t) => {
  const health = new TestHealthService();
  const server = await startBookServer({ extraServices: [health.entry] });
  t.teardown(() => server.stop());
  const { clients, shutdown } = await initWith(server.address, { connect: 'eager' });
  t.teardown(shutdown);
  await getBook(clients['book-service'], 'b1');
  t.is(health.checks, 0);
});

test('health changes are logged: NOT_SERVING as a warning', async (t) => {
  const health = new TestHealthService();
  const server = await startBookServer({ extraServices: [health.entry] });
  t.teardown(() => server.stop());
  const stream = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>)));
  const { manager, shutdown } = await init({
    config: { grpc_clients: { telemetry: { enabled: false }, services: [{ name: 'book-service', address: server.address, connect: 'eager', health_check: { enabled: true } }] } },
    clients: { 'book-service': BookService },
    env: {},
    logger: createSdkLogger({ level: 'info', format: 'json' }, { stream }),
  });
  t.teardown(shutdown);
  const change = once(manager, 'health');
  health.set('', 'NOT_SERVING');
  await change;
  await new Promise((resolve) => setImmediate(resolve));
  t.like(lines.at(-1), { level: 'warn', message: 'grpc backend health changed', service: 'book-service', target: `dns:///${server.address}`, previous: 'SERVING', status: 'NOT_SERVING' });
  t.like(lines.at(-2), { level: 'info', previous: 'none', status: 'SERVING' });
});
