import test from 'ava';
import { connectivityState, Metadata, status as Status } from '@grpc/grpc-js';
import { ConfigError, ConnectError, ConnectionManager, init, isCallFailure, loadConfig, UnknownServiceError, type ServiceConfig, type ServiceConfigInput } from '../src/index.ts';
import { captureLogger } from './helpers/logs.ts';
import { BookService, OrderService } from './helpers/protos.ts';
import { deadPort, startBookServer } from './helpers/servers.ts';
import { getBook, getBookError, streamBooks, TELEMETRY_OFF } from './helpers/calls.ts';

function serviceConfig(fields: Omit<ServiceConfigInput, 'name'>): ServiceConfig {
  return loadConfig({ grpc_clients: { services: [{ name: 'book-service', ...fields }] } }, { env: TELEMETRY_OFF }).services[0]!;
}

test('every client of a service shares its one channel, across classes and concurrent connects', async (t) => {
  const server = await startBookServer();
  t.teardown(() => server.stop());
  const manager = new ConnectionManager();
  t.teardown(() => manager.close(0));
  manager.register(serviceConfig({ address: server.address }));

  const channels = await Promise.all(Array.from({ length: 20 }, () => manager.connect('book-service')));
  t.true(channels.every((channel) => channel === channels[0]));
  const book = manager.getClient('book-service', BookService);
  t.is(manager.getClient('book-service', BookService), book, 'the same class gives the same client');
  const other = manager.getClient('book-service', OrderService);
  // A grpc-js client holds a view of the shared channel (whose close() releases only that client).
  const id = channels[0]!.getChannelzRef().id;
  t.is(book.getChannel().getChannelzRef().id, id);
  t.is(other.getChannel().getChannelzRef().id, id);
  t.is((await getBook(book, 'b1')).title, 'Book 1');
});

test("close() on a getClient() client releases that client only: the service's other clients and channel go on", async (t) => {
  const server = await startBookServer();
  t.teardown(() => server.stop());
  const manager = new ConnectionManager();
  t.teardown(() => manager.close(0));
  manager.register(serviceConfig({ address: server.address }));
  const closing = manager.getClient('book-service', BookService);
  const staying = manager.getClient('book-service', OrderService);
  const promise = manager.client('book-service', BookService);
  t.is((await getBook(closing, 'b1')).title, 'Book 1');
  closing.close();

  t.is(manager.state('book-service'), 'READY', 'the shared channel is still open');
  t.is((await getBook(promise, 'b2')).title, 'Book 2', "the promise client's calls go on");
  t.is(await new Promise((resolve) => staying.waitForReady(Date.now() + 5_000, (error) => resolve(error ?? 'ready'))), 'ready', 'the other grpc-js client still connects');
  const sentBefore = server.received.length;
  const refused = await getBookError(closing, 'b3');
  t.is(refused.code, Status.UNAVAILABLE);
  t.regex(refused.details, /^book-service \(dns:\/\/\/127\.0\.0\.1:\d+\): this client was closed/);
  t.is(server.received.length, sentBefore, 'the closed client sent nothing');
  const again = manager.getClient('book-service', BookService);
  t.not(again, closing, 'getClient() makes a new client for the class');
  t.is((await getBook(again, 'b4')).title, 'Book 4');
});

test('a failed call through a getClient() client carries service, target, method and attempts, typed by isCallFailure()', async (t) => {
  const server = await startBookServer({ onGetBook: () => ({ code: Status.NOT_FOUND, details: 'no such book' }) });
  t.teardown(() => server.stop());
  const manager = new ConnectionManager();
  t.teardown(() => manager.close(0));
  manager.register(serviceConfig({ address: server.address }));
  const error: unknown = await getBookError(manager.getClient('book-service', BookService), 'b1');
  if (!isCallFailure(error)) return t.fail('isCallFailure() recognises the error');
  // No cast: the guard types the SDK's fields.
  t.like({ code: error.code, details: error.details, service: error.service, method: error.method, attempts: error.attempts }, {
    code: Status.NOT_FOUND,
    details: 'no such book',
    service: 'book-service',
    method: 'book.v1.BookService/GetBook',
    attempts: 1,
  });
  t.regex(error.target, /^dns:\/\/\/127\.0\.0\.1:\d+$/);
  t.false(isCallFailure(new Error('plain')));
});

test('connectAll connects every service in parallel', async (t) => {
  const servers = await Promise.all([startBookServer(), startBookServer(), startBookServer()]);
  t.teardown(() => Promise.all(servers.map((server) => server.stop())));
  const manager = new ConnectionManager();
  t.teardown(() => manager.close(0));
  servers.forEach((server, index) => manager.register({ ...serviceConfig({ address: server.address }), name: `svc-${index}` }));
  await manager.connectAll();
  t.deepEqual(manager.serviceNames().map((name) => manager.state(name)), ['READY', 'READY', 'READY']);
});

test('eager connect to a dead port fails within its timeout naming service, target, state and cause', async (t) => {
  const port = await deadPort();
  const started = Date.now();
  const error = await t.throwsAsync(
    init({ config: { grpc_clients: { services: [{ name: 'book-service', address: `127.0.0.1:${port}`, connect: 'eager', timeout: '500ms' }] } }, clients: { 'book-service': BookService }, env: TELEMETRY_OFF }),
    { instanceOf: ConnectError },
  );
  const elapsed = Date.now() - started;
  t.true(elapsed < 500 + 2_500, `took ${elapsed}ms`);
  t.is(error.service, 'book-service');
  t.is(error.target, `dns:///127.0.0.1:${port}`);
  t.regex(error.lastState!, /TRANSIENT_FAILURE|CONNECTING|IDLE/);
  t.regex(error.failures[0]!.reason, new RegExp(`^not READY within 500ms; TCP connect to 127\\.0\\.0\\.1:${port} failed: .*ECONNREFUSED`));
  t.regex(error.message, new RegExp(`^could not connect 1 of 1 service\\(s\\):\\n {2}book-service \\(dns:///127\\.0\\.0\\.1:${port}\\): not READY within 500ms; .*\\(last state [A-Z_]+\\)$`));
});

test('connectAll rejects with one ConnectError listing every failed service, one line each', async (t) => {
  const server = await startBookServer();
  t.teardown(() => server.stop());
  const [first, second] = [await deadPort(), await deadPort()];
  const manager = new ConnectionManager();
  t.teardown(() => manager.close(0));
  manager.register(serviceConfig({ address: server.address }));
  manager.register({ ...serviceConfig({ address: `127.0.0.1:${first}`, timeout: '300ms' }), name: 'order-service' });
  manager.register({ ...serviceConfig({ address: `127.0.0.1:${second}`, timeout: '300ms' }), name: 'user-service' });

  const error = await t.throwsAsync(manager.connectAll(), { instanceOf: ConnectError });
  t.deepEqual(error.failures.map((failure) => [failure.service, failure.target]), [
    ['order-service', `dns:///127.0.0.1:${first}`],
    ['user-service', `dns:///127.0.0.1:${second}`],
  ]);
  t.true(error.failures.every((failure) => failure.cause instanceof Error && /ECONNREFUSED/.test(failure.reason)));
  t.is(error.service, undefined, 'no single service to name: read failures');
  const lines = error.message.split('\n');
  t.is(lines[0], 'could not connect 2 of 3 service(s):');
  t.regex(lines[1]!, new RegExp(`^ {2}order-service \\(dns:///127\\.0\\.0\\.1:${first}\\): not READY within 300ms; `));
  t.regex(lines[2]!, new RegExp(`^ {2}user-service \\(dns:///127\\.0\\.0\\.1:${second}\\): not READY within 300ms; `));
  t.is(lines.length, 3);
  t.is(manager.state('book-service'), 'READY', 'the reachable service still connected');
});

test('a failed eager connect is logged once per failed service, at error, to the logger given to init()', async (t) => {
  const port = await deadPort();
  const { logger, lines } = captureLogger();
  await t.throwsAsync(
    init({
      config: { grpc_clients: { services: [{ name: 'book-service', address: `127.0.0.1:${port}`, connect: 'eager', timeout: '300ms' }] } },
      clients: { 'book-service': BookService },
      env: TELEMETRY_OFF,
      logger,
    }),
    { instanceOf: ConnectError },
  );
  t.is(lines.length, 1);
  t.like(lines[0], { level: 'error', message: 'grpc connect failed', service: 'book-service', target: `dns:///127.0.0.1:${port}` });
  t.regex(String(lines[0]!['reason']), /ECONNREFUSED/);
});

test('init() without config and without GRPC_CLIENTS_CONFIG is a ConfigError naming the variable', async (t) => {
  for (const env of [TELEMETRY_OFF, { ...TELEMETRY_OFF, GRPC_CLIENTS_CONFIG: '' }]) {
    const error = await t.throwsAsync(init({ clients: {}, env }), { instanceOf: ConfigError });
    t.is(error.problems.length, 1);
    t.is(error.problems[0]!.path, 'GRPC_CLIENTS_CONFIG');
    t.regex(error.message, /^invalid grpcclient config \(none given\), 1 problem\(s\):\n {2}GRPC_CLIENTS_CONFIG: is not set and init\(\) got no config/);
  }
});

test('lazy connect starts without the server and recovers when it comes up', async (t) => {
  const port = await deadPort();
  const { clients, manager, shutdown } = await init({
    config: { grpc_clients: { services: [{ name: 'book-service', address: `127.0.0.1:${port}`, connect: 'lazy', reconnect: { initial_backoff: '100ms', max_backoff: '200ms' } }] } },
    clients: { 'book-service': BookService },
    env: TELEMETRY_OFF,
  });
  t.teardown(shutdown);
  t.is(manager.state('book-service'), 'IDLE', 'nothing is dialled before the first call');

  const failure = await getBookError(clients['book-service'], 'b1', { deadline: Date.now() + 2_000 });
  t.is(failure.code, Status.UNAVAILABLE);
  t.like(failure, { service: 'book-service', target: `dns:///127.0.0.1:${port}`, method: 'book.v1.BookService/GetBook' });
  t.notRegex(failure.details, /book-service|\[service/, 'the details are grpc-js\'s own words, not rewritten');

  const server = await startBookServer({ port });
  t.teardown(() => server.stop());
  const book = await getBook(clients['book-service'], 'b2', { deadline: Date.now() + 5_000 }, new Metadata({ waitForReady: true }));
  t.is(book.id, 'b2');
});

test('close drains an in-flight call, then rejects new calls with a clear error', async (t) => {
  let release: () => void = () => {};
  const server = await startBookServer({ onGetBook: () => new Promise<void>((resolve) => (release = resolve)) });
  t.teardown(() => server.stop());
  const { clients, manager, shutdown } = await init({
    config: { grpc_clients: { services: [{ name: 'book-service', address: server.address, connect: 'eager' }] } },
    clients: { 'book-service': BookService },
    env: TELEMETRY_OFF,
  });
  const channel = manager.getChannel('book-service');
  const inFlight = getBook(clients['book-service'], 'b3');
  while (server.received.length === 0) await new Promise((resolve) => setImmediate(resolve));
  t.is(manager.inFlightCalls, 1);

  const closed = shutdown();
  const refused = await getBookError(clients['book-service'], 'b1');
  t.is(refused.code, Status.UNAVAILABLE);
  t.regex(refused.details, /^book-service \(dns:\/\/\/127\.0\.0\.1:\d+\): client is shut down/);

  release();
  t.is((await inFlight).id, 'b3', 'the in-flight call finished during the drain');
  await closed;
  t.is(channel.getConnectivityState(false), connectivityState.SHUTDOWN);
});

test('close cancels calls still running after the drain time, saying why', async (t) => {
  const server = await startBookServer({ onGetBook: () => new Promise<void>(() => {}) });
  t.teardown(() => server.stop());
  const manager = new ConnectionManager();
  manager.register(serviceConfig({ address: server.address }));
  const client = manager.getClient('book-service', BookService);
  const stuck = getBookError(client, 'b1');
  while (server.received.length === 0) await new Promise((resolve) => setImmediate(resolve));
  await manager.close(200);
  const error = await stuck;
  t.is(error.code, Status.CANCELLED);
  t.regex(error.details, /grpcclient shutdown: call cancelled after the 200ms drain time/);
});

test('server-streaming calls work through the shared channel', async (t) => {
  const server = await startBookServer();
  t.teardown(() => server.stop());
  const { clients, shutdown } = await init({ config: { grpc_clients: { services: [{ name: 'book-service', address: server.address }] } }, clients: { 'book-service': BookService }, env: TELEMETRY_OFF });
  t.teardown(shutdown);
  t.deepEqual((await streamBooks(clients['book-service'], 3)).map((book) => book.id), ['b1', 'b2', 'b3']);
});

test('the default deadline applies to calls made without one', async (t) => {
  const server = await startBookServer({ onGetBook: () => new Promise<void>(() => {}) });
  t.teardown(() => server.stop());
  const { clients, shutdown } = await init({ config: { grpc_clients: { services: [{ name: 'book-service', address: server.address, deadline: '300ms' }] } }, clients: { 'book-service': BookService }, env: TELEMETRY_OFF });
  t.teardown(() => shutdown());
  const error = await getBookError(clients['book-service'], 'b1');
  t.is(error.code, Status.DEADLINE_EXCEEDED);
});

test('unknown service names list the configured ones', async (t) => {
  const manager = new ConnectionManager();
  manager.register(serviceConfig({ address: 'localhost:1' }));
  t.throws(() => manager.getChannel('books'), { instanceOf: UnknownServiceError, message: 'unknown service "books"; configured services: book-service' });
  await t.throwsAsync(init({ config: { grpc_clients: { services: [{ name: 'book-service', address: 'localhost:1' }] } }, clients: { 'order-service': OrderService }, env: TELEMETRY_OFF }), {
    instanceOf: UnknownServiceError,
    message: 'unknown service "order-service"; configured services: book-service',
  });
  await manager.close(0);
});

test('state changes are emitted as events with the service and target', async (t) => {
  const server = await startBookServer();
  t.teardown(() => server.stop());
  const manager = new ConnectionManager();
  manager.register(serviceConfig({ address: server.address }));
  const seen: string[] = [];
  manager.on('state', (change) => seen.push(`${change.service} ${change.previous}->${change.current}`));
  await manager.connect('book-service');
  await manager.close(0);
  t.deepEqual(seen, ['book-service IDLE->CONNECTING', 'book-service CONNECTING->READY', 'book-service READY->SHUTDOWN']);
});
