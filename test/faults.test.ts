// Fault tests: real servers, real sockets, and a TCP proxy between them that injects the fault.
import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';
import { ConnectError, init, type GrpcClientsConfigInput, type ServiceConfigInput } from '../src/index.ts';
import { BookService } from './helpers/protos.ts';
import { deadPort, startBookServer } from './helpers/servers.ts';
import { startFaultProxy, startSilentPeer } from './helpers/fault-proxy.ts';
import { getBook, getBookError } from './helpers/calls.ts';
import { startServerProcess } from './helpers/server-process.ts';

/** init() for one book-service at `address`, telemetry off (these tests are about the calls). */
function initBooks(address: string, fields: Partial<ServiceConfigInput> = {}, drain_timeout: GrpcClientsConfigInput['drain_timeout'] = '10s') {
  return init({
    config: { grpc_clients: { drain_timeout, telemetry: { enabled: false }, services: [{ name: 'book-service', address, ...fields }] } },
    clients: { 'book-service': BookService },
    env: {},
  });
}

/** Resolves once `condition` holds, checking after every turn of the event loop (each check is cheap). */
async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const fast = { reconnect: { initial_backoff: '100ms', max_backoff: '200ms' } } as const;

test('server killed mid-traffic and restarted: calls fail UNAVAILABLE, then succeed again on the same client', async (t) => {
  const first = await startServerProcess();
  t.teardown(() => first.kill());
  const { port } = first;
  const { clients, manager, shutdown } = await initBooks(first.address, { connect: 'eager', ...fast });
  t.teardown(shutdown);
  const states: string[] = [manager.state('book-service')];
  manager.on('state', (change) => states.push(change.current));

  const outcomes: string[] = [];
  let running = true;
  const traffic = (async () => {
    while (running) {
      try {
        await getBook(clients['book-service'], 'b1', { deadline: Date.now() + 1_000 });
        outcomes.push('OK');
      } catch (error) {
        outcomes.push(Status[(error as ServiceError).code]);
      }
      await sleep(2);
    }
  })();

  await until(() => outcomes.length >= 5, 'traffic before the kill');
  await first.kill();
  const killedAt = outcomes.length;
  await until(() => outcomes.slice(killedAt).includes('UNAVAILABLE'), 'a failure after the kill');
  const restarted = await startServerProcess(port);
  t.teardown(() => restarted.kill());
  const restartedAt = outcomes.length;
  await until(() => outcomes.slice(restartedAt).includes('OK'), 'success after the restart');
  running = false;
  await traffic;

  t.deepEqual([...new Set(outcomes)].sort(), ['OK', 'UNAVAILABLE'], 'nothing but successes and UNAVAILABLE');
  t.is(states[0], 'READY');
  const afterKill = states.slice(1);
  t.true(afterKill.some((state) => state === 'IDLE' || state === 'TRANSIENT_FAILURE'), states.join(' → '));
  t.is(states.at(-1), 'READY', states.join(' → '));
  t.is(manager.state('book-service'), 'READY');
});

test('a blackholed connection is detected by keepalive within time + timeout, and later calls reconnect', async (t) => {
  const server = await startBookServer();
  t.teardown(() => server.stop());
  const proxy = await startFaultProxy(server.port);
  t.teardown(() => proxy.close());
  // 10s is the smallest keepalive time gRFC A8 allows; the test takes about 11s.
  const { clients, shutdown } = await initBooks(proxy.address, { connect: 'eager', keepalive: { time: '10s', timeout: '1s' }, ...fast });
  t.teardown(shutdown);
  t.is((await getBook(clients['book-service'], 'b1')).id, 'b1');

  proxy.setMode('blackhole');
  const started = Date.now();
  const error = await getBookError(clients['book-service'], 'b1', { deadline: Date.now() + 30_000 });
  const detectedAfter = Date.now() - started;
  t.is(error.code, Status.UNAVAILABLE);
  t.true(detectedAfter <= 10_000 + 1_000 + 1_500, `detected after ${detectedAfter}ms`);

  proxy.setMode('pass');
  t.is((await getBook(clients['book-service'], 'b2', { deadline: Date.now() + 5_000 }, new Metadata({ waitForReady: true }))).id, 'b2');
  t.is(proxy.accepted, 2, 'a new connection');
});

test('a connection reset before the response is retried on a new connection', async (t) => {
  let calls = 0;
  let proxyReset: () => void = () => {};
  const server = await startBookServer({
    onGetBook: () => {
      calls += 1;
      if (calls === 1) setImmediate(proxyReset);
    },
  });
  t.teardown(() => server.stop());
  const proxy = await startFaultProxy(server.port);
  t.teardown(() => proxy.close());
  proxyReset = () => proxy.resetAll();
  // Answers are sent after the reset: hold them back in the proxy so the reset wins.
  proxy.setMode('delay', 50);
  const { clients, shutdown } = await initBooks(proxy.address, { connect: 'eager', wait_for_ready: true, retry: { max: 2, backoff: '10ms' }, ...fast });
  t.teardown(shutdown);
  t.is((await getBook(clients['book-service'], 'b1', { deadline: Date.now() + 5_000 })).id, 'b1');
  t.is(calls, 2);
  t.true(proxy.accepted >= 2);
});

test('a slow link ends the call at its deadline with DEADLINE_EXCEEDED', async (t) => {
  const server = await startBookServer();
  t.teardown(() => server.stop());
  const proxy = await startFaultProxy(server.port);
  t.teardown(() => proxy.close());
  const { clients, shutdown } = await initBooks(proxy.address, { connect: 'eager' });
  t.teardown(shutdown);
  proxy.setMode('delay', 400);
  const started = Date.now();
  t.is((await getBookError(clients['book-service'], 'b1', { deadline: started + 200 })).code, Status.DEADLINE_EXCEEDED);
  t.true(Date.now() - started < 5_000, 'ended by its deadline, not by the slow answer');
});

test('backend down at startup: lazy starts, and a wait_for_ready call made while it is down succeeds once it is up', async (t) => {
  const port = await deadPort();
  const { clients, shutdown } = await initBooks(`127.0.0.1:${port}`, { connect: 'lazy', wait_for_ready: true, ...fast });
  t.teardown(shutdown);
  const pending = getBook(clients['book-service'], 'b4', { deadline: Date.now() + 10_000 });
  await sleep(300); // the call is queued and the channel is failing to connect
  const server = await startBookServer({ port });
  t.teardown(() => server.stop());
  t.is((await pending).id, 'b4');
});

test('backend down at startup: without wait_for_ready a call fails fast with UNAVAILABLE', async (t) => {
  const port = await deadPort();
  const { clients, shutdown } = await initBooks(`127.0.0.1:${port}`, { connect: 'lazy', ...fast });
  t.teardown(shutdown);
  const started = Date.now();
  t.is((await getBookError(clients['book-service'], 'b1', { deadline: started + 5_000 })).code, Status.UNAVAILABLE);
  t.true(Date.now() - started < 2_000);
});

test('a peer that accepts TCP but never speaks HTTP/2: calls end at their deadline with DEADLINE_EXCEEDED', async (t) => {
  const peer = await startSilentPeer();
  t.teardown(() => peer.close());
  const { clients, shutdown } = await initBooks(peer.address, { wait_for_ready: true, retry: { max: 3, backoff: '10ms' } });
  t.teardown(shutdown);
  const started = Date.now();
  const error = await getBookError(clients['book-service'], 'b1', { deadline: started + 500 });
  const elapsed = Date.now() - started;
  t.is(error.code, Status.DEADLINE_EXCEEDED);
  // Not before the deadline; the only other end would be never.
  t.true(elapsed >= 490 && elapsed < 10_000, `${elapsed}ms`);
  t.true(peer.accepted >= 1, 'the TCP connection was made');
});

test('a peer that accepts TCP but never speaks HTTP/2 (no call deadline): the service deadline still ends the call', async (t) => {
  const peer = await startSilentPeer();
  t.teardown(() => peer.close());
  const { clients, shutdown } = await initBooks(peer.address, { deadline: '400ms' });
  t.teardown(shutdown);
  t.is((await getBookError(clients['book-service'], 'b1')).code, Status.DEADLINE_EXCEEDED);
});

test('a peer that accepts TCP but never speaks HTTP/2: eager connect fails within its timeout and says so', async (t) => {
  const peer = await startSilentPeer();
  t.teardown(() => peer.close());
  const started = Date.now();
  const error = await t.throwsAsync(initBooks(peer.address, { connect: 'eager', timeout: '500ms' }), { instanceOf: ConnectError });
  const elapsed = Date.now() - started;
  t.true(elapsed < 10_000, `${elapsed}ms`);
  t.is(error.target, `dns:///${peer.address}`);
  t.regex(error.failures[0]!.reason, new RegExp(`^not READY within 500ms; TCP connects to ${peer.address.replace(/\./g, '\\.')}, but no HTTP/2 connection was established`));
});

test('shutdown with 50 calls in flight: those that finish within the drain time succeed, the rest are cancelled saying why', async (t) => {
  const server = await startBookServer({
    // b1 answers after 100ms, b2 never: half the calls can finish within the 500ms drain, half cannot.
    onGetBook: (call) => new Promise<void>((resolve) => call.request.id === 'b1' && setTimeout(resolve, 100)),
  });
  t.teardown(() => server.stop());
  const { clients, manager, shutdown } = await initBooks(server.address, { connect: 'eager' }, '500ms');
  const calls = Array.from({ length: 50 }, (_, index) =>
    getBook(clients['book-service'], index % 2 === 0 ? 'b1' : 'b2').then(
      (book) => ({ ok: true as const, id: book.id }),
      (error: ServiceError) => ({ ok: false as const, code: error.code, details: error.details }),
    ),
  );
  await until(() => server.received.length === 50, 'all 50 calls at the server');
  t.is(manager.inFlightCalls, 50);

  const started = Date.now();
  await shutdown();
  const drainedIn = Date.now() - started;
  const results = await Promise.all(calls);
  t.is(results.length, 50, 'every call settled');
  t.is(results.filter((result) => result.ok).length, 25);
  const cancelled = results.filter((result) => !result.ok);
  t.is(cancelled.length, 25);
  for (const result of cancelled) {
    t.is(result.code, Status.CANCELLED);
    t.regex(result.details, /grpcclient shutdown: call cancelled after the 500ms drain time/);
  }
  t.true(drainedIn >= 490 && drainedIn < 1_500, `shutdown took ${drainedIn}ms`);
  t.is(manager.inFlightCalls, 0);
  const refused = await getBookError(clients['book-service'], 'b1');
  t.is(refused.code, Status.UNAVAILABLE);
  t.regex(refused.details, /client is shut down/);
});
