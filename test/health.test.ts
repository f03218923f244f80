// Health checking per service (grpc.health.v1): the connect-time Check gates eager init, the Watch reports changes.
import test from 'ava';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { HealthCheckError, init, type HealthChange } from '../src/index.ts';
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
  const error = await t.throwsAsync(initWith(server.address, { connect: 'eager', health_check: { enabled: true, service: 'book.v1.BookService' } }));
  const cause = (error as AggregateError).errors[0] as HealthCheckError;
  t.true(cause instanceof HealthCheckError);
  t.is(cause.service, 'book-service');
  t.is(cause.status, 'NOT_SERVING');
  t.is(cause.message, `book-service (dns:///${server.address}): health check failed: health service "book.v1.BookService" is NOT_SERVING`);
});

test('eager init fails naming the problem when the server has no health service', async (t) => {
  const server = await startBookServer();
  t.teardown(() => server.stop());
  const error = await t.throwsAsync(initWith(server.address, { connect: 'eager', health_check: { enabled: true } }));
  const cause = (error as AggregateError).errors[0] as HealthCheckError;
  t.is(cause.status, 'UNIMPLEMENTED');
  t.regex(cause.message, /does not implement grpc\.health\.v1\.Health/);
});

test('an unknown health service name fails eager init as SERVICE_UNKNOWN', async (t) => {
  const health = new TestHealthService();
  const server = await startBookServer({ extraServices: [health.entry] });
  t.teardown(() => server.stop());
  const error = await t.throwsAsync(initWith(server.address, { connect: 'eager', health_check: { enabled: true, service: 'nope.v1.Nope' } }));
  t.is(((error as AggregateError).errors[0] as HealthCheckError).status, 'SERVICE_UNKNOWN');
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
