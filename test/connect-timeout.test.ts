// connect_timeout: a peer that accepts TCP and never speaks HTTP/2 (grpc-node #2785) no longer keeps the
// channel CONNECTING, behind an address or a DNS name; fail-fast calls fail with UNAVAILABLE saying why,
// wait_for_ready calls keep waiting.
import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { Metadata, status as Status } from '@grpc/grpc-js';
import { init, type StateChange } from '../src/index.ts';
import { BookService } from './helpers/protos.ts';
import { startSilentPeer } from './helpers/fault-proxy.ts';
import { getBook, getBookError, TELEMETRY_OFF } from './helpers/calls.ts';
import { startBookServer } from './helpers/servers.ts';
import { startDnsServer } from './helpers/dns-server.ts';
import { startReplica } from './helpers/replicas.ts';
import { endpointStates } from '../src/channels/endpoint-states.ts';

const DEADLINE_MS = 8_000;

function initBooks(address: string, fields: Record<string, unknown>) {
  return init({
    config: { grpc_clients: { services: [{ name: 'book-service', address, ...fields }] } },
    clients: { 'book-service': BookService },
    env: TELEMETRY_OFF,
  });
}

/** Fails the test clearly instead of letting it hang when `what` does not happen within `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms}ms`)), ms)));
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** Resolves with the first state change to `state`. */
function nextState(manager: { on(event: 'state', listener: (change: StateChange) => void): unknown }, state: string): Promise<void> {
  return new Promise((resolve) => manager.on('state', (change) => change.current === state && resolve()));
}

test('a silent peer: a fail-fast call fails with UNAVAILABLE saying TCP was accepted but no HTTP/2 came, long before its deadline', async (t) => {
  const peer = await startSilentPeer();
  t.teardown(() => peer.close());
  const { clients, manager, shutdown } = await initBooks(peer.address, { connect_timeout: '500ms' });
  t.teardown(shutdown);
  const failed = nextState(manager, 'TRANSIENT_FAILURE');

  const started = Date.now();
  const error = await getBookError(clients['book-service'], 'b1', { deadline: started + DEADLINE_MS });
  const elapsed = Date.now() - started;

  t.is(error.code, Status.UNAVAILABLE);
  t.regex(error.details, new RegExp(`${peer.address.replace(/\./g, '\\.')} accepted TCP but sent no HTTP/2 within 500ms \\(connect_timeout\\)`));
  t.true(elapsed < DEADLINE_MS / 2, `failed after ${elapsed}ms`);
  await within(failed, 5_000, 'the channel goes TRANSIENT_FAILURE');
  t.is(manager.state('book-service'), 'TRANSIENT_FAILURE');
});

test('with every load_balancing policy a silent peer fails fast calls with the connect_timeout reason', async (t) => {
  const peer = await startSilentPeer();
  t.teardown(() => peer.close());
  for (const load_balancing of ['pick_first', 'round_robin', 'least_request']) {
    const { clients, shutdown } = await initBooks(peer.address, { connect_timeout: '300ms', load_balancing });
    t.teardown(shutdown);
    const error = await getBookError(clients['book-service'], 'b1', { deadline: Date.now() + DEADLINE_MS });
    t.is(error.code, Status.UNAVAILABLE, load_balancing);
    t.regex(error.details, /accepted TCP but sent no HTTP\/2 within 300ms \(connect_timeout\)/, load_balancing);
  }
});

test('pick_first, a silent peer behind a dns: name: every attempt is abandoned at connect_timeout and fast calls say why', async (t) => {
  const dns = await startDnsServer();
  t.teardown(() => dns.close());
  const peer = await startSilentPeer();
  t.teardown(() => peer.close());
  dns.setA('silent.test', ['127.0.0.1']);
  const address = `dns://${dns.address}/silent.test:${peer.port}`;
  const { clients, shutdown } = await initBooks(address, { connect_timeout: '300ms', load_balancing: 'pick_first', reconnect: { initial_backoff: '100ms', max_backoff: '200ms' } });
  t.teardown(shutdown);

  const error = await getBookError(clients['book-service'], 'b1', { deadline: Date.now() + DEADLINE_MS });
  t.is(error.code, Status.UNAVAILABLE);
  t.regex(error.details, /accepted TCP but sent no HTTP\/2 within 300ms \(connect_timeout\)/);
  await within(peer.until(() => peer.closedByClient >= 3), 10_000, 'three attempts abandoned');
});

test('pick_first moving on from a silent address to a healthy one still abandons the stalled attempt at connect_timeout', async (t) => {
  const dns = await startDnsServer();
  t.teardown(() => dns.close());
  const peer = await startSilentPeer('127.0.0.1');
  t.teardown(() => peer.close());
  const healthy = await startReplica('127.0.0.2', peer.port);
  t.teardown(() => healthy.stop());
  // pick_first tries the silent address first and the healthy one 250ms later, then keeps the healthy one.
  dns.setA('books.test', ['127.0.0.1', '127.0.0.2']);
  const address = `dns://${dns.address}/books.test:${peer.port}`;
  const { clients, shutdown } = await initBooks(address, { connect_timeout: '500ms', load_balancing: 'pick_first', connect: 'eager' });
  t.teardown(shutdown);
  t.is((await getBook(clients['book-service'], 'b1')).title, 'Book 1');

  // The policy no longer holds the silent address's subchannel; its socket must not stay open.
  await within(peer.until(() => peer.closedByClient >= 1), 5_000, 'the stalled attempt closed');
  t.is(peer.accepted, 1, 'and not tried again: nothing wants it');
});

for (const load_balancing of ['round_robin', 'least_request']) {
  test(`${load_balancing}, a silent replica next to a healthy one behind a dns: name: each of its attempts is abandoned at connect_timeout, calls succeed`, async (t) => {
    const dns = await startDnsServer();
    t.teardown(() => dns.close());
    const healthy = await startReplica('127.0.0.1', 0);
    t.teardown(() => healthy.stop());
    const peer = await startSilentPeer('127.0.0.2', healthy.port);
    t.teardown(() => peer.close());
    dns.setA('books.test', ['127.0.0.1', '127.0.0.2']);
    const address = `dns://${dns.address}/books.test:${healthy.port}`;
    const { clients, manager, shutdown } = await initBooks(address, { connect_timeout: '300ms', load_balancing, connect: 'eager', reconnect: { initial_backoff: '100ms', max_backoff: '200ms' } });
    t.teardown(shutdown);

    await within(peer.until(() => peer.closedByClient >= 3), 10_000, 'three stalled attempts abandoned');
    t.deepEqual(endpointStates(manager.getChannel('book-service')).map(({ endpoint, state }) => `${endpoint} ${state === 'READY' ? 'READY' : 'not READY'}`), [`${healthy.address} READY`, `${peer.address} not READY`]);
    for (let index = 0; index < 5; index += 1) t.is((await getBook(clients['book-service'], 'b1')).title, 'Book 1');
    t.is(healthy.served, 5);
  });
}

for (const load_balancing of ['round_robin', 'least_request']) {
  test(`${load_balancing}: lookups sooner than connect_timeout (a refusing replica asks for them) do not restart its clock`, async (t) => {
    const dns = await startDnsServer();
    t.teardown(() => dns.close());
    const peer = await startSilentPeer('127.0.0.1');
    t.teardown(() => peer.close());
    // Nothing listens on 127.0.0.2 at the peer's port: each refused connect asks for a lookup, and with
    // the reconnect backoff at 100-200ms and min_resolve_interval at 100ms an answer comes several times
    // within every connect_timeout, each handing the policy new subchannel wrappers.
    dns.setA('silent.test', ['127.0.0.1', '127.0.0.2']);
    const address = `dns://${dns.address}/silent.test:${peer.port}`;
    const { manager, shutdown } = await initBooks(address, { connect_timeout: '600ms', load_balancing, min_resolve_interval: '100ms', reconnect: { initial_backoff: '100ms', max_backoff: '200ms' } });
    t.teardown(shutdown);
    manager.getChannel('book-service').getConnectivityState(true);

    await within(peer.until(() => peer.closedByClient >= 2), 10_000, 'two stalled attempts abandoned');
    t.true(dns.queries('silent.test', 'A') >= 3, `${dns.queries('silent.test', 'A')} lookups: the answers did come meanwhile`);
  });
}

test('a silent peer: a wait_for_ready call keeps waiting and ends DEADLINE_EXCEEDED at its deadline', async (t) => {
  const peer = await startSilentPeer();
  t.teardown(() => peer.close());
  const { clients, manager, shutdown } = await initBooks(peer.address, { connect_timeout: '500ms' });
  t.teardown(shutdown);
  const failed = nextState(manager, 'TRANSIENT_FAILURE');

  const deadlineMs = 2_500;
  const started = Date.now();
  const error = await getBookError(clients['book-service'], 'b1', { deadline: started + deadlineMs }, new Metadata({ waitForReady: true }));
  const elapsed = Date.now() - started;

  t.is(error.code, Status.DEADLINE_EXCEEDED);
  t.true(elapsed >= deadlineMs - 10, `ended after ${elapsed}ms`);
  await within(failed, 1, 'the channel went TRANSIENT_FAILURE while the call waited');
});

test('an abandoned attempt is really abandoned: its socket is closed, and a new attempt follows the reconnect backoff', async (t) => {
  const peer = await startSilentPeer();
  t.teardown(() => peer.close());
  const { manager, shutdown } = await initBooks(peer.address, { connect_timeout: '300ms', reconnect: { initial_backoff: '100ms', max_backoff: '200ms' } });
  t.teardown(shutdown);
  manager.getChannel('book-service').getConnectivityState(true); // start connecting without a call

  // The peer never closes a connection: a closed one was given up by the client.
  await within(peer.until(() => peer.closedByClient >= 1), 5_000, 'the stalled attempt is closed');
  await within(peer.until(() => peer.accepted >= 2), 5_000, 'a new attempt is made');
  t.is(manager.state('book-service'), 'TRANSIENT_FAILURE', 'the channel stays TRANSIENT_FAILURE while attempts keep stalling');
});

test('a silent peer behind TLS: the call fails saying the TLS handshake did not complete', async (t) => {
  const peer = await startSilentPeer();
  t.teardown(() => peer.close());
  const { clients, shutdown } = await initBooks(peer.address, { connect_timeout: '500ms', tls: { enabled: true, server_name: 'localhost' } });
  t.teardown(shutdown);
  const error = await getBookError(clients['book-service'], 'b1', { deadline: Date.now() + DEADLINE_MS });
  t.is(error.code, Status.UNAVAILABLE);
  t.regex(error.details, /accepted TCP but did not complete the TLS handshake within 500ms \(connect_timeout\)/);
});

/**
 * A port where TCP connects never complete: a listener in a stopped (SIGSTOP) child process with a full
 * accept queue, so the kernel drops further SYNs, as a black-holed network path does.
 */
async function startStalledListener(t: { teardown(fn: () => unknown): void }): Promise<string> {
  const script = "const s = require('node:net').createServer(); s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => console.log(s.address().port))";
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const fillers: Socket[] = [];
  // Killing the listener makes the kernel refuse the SYNs still being retried, so nothing lingers.
  t.teardown(() => {
    child.kill('SIGKILL');
    for (const socket of fillers) socket.destroy();
  });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  const port = Number(line.toString().trim());
  child.kill('SIGSTOP');
  // With backlog 1 the kernel completes two handshakes nobody accepts; after that, connects stall.
  for (let index = 0; index < 2; index += 1) {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {});
    fillers.push(socket);
    await once(socket, 'connect');
  }
  return `127.0.0.1:${port}`;
}

test('a TCP connect that never completes: the channel goes TRANSIENT_FAILURE at connect_timeout and a fail-fast call says so', async (t) => {
  const address = await startStalledListener(t);
  const { clients, manager, shutdown } = await initBooks(address, { connect_timeout: '500ms' });
  t.teardown(shutdown);
  const started = Date.now();
  const error = await getBookError(clients['book-service'], 'b1', { deadline: started + DEADLINE_MS });
  const elapsed = Date.now() - started;
  t.is(error.code, Status.UNAVAILABLE);
  t.regex(error.details, new RegExp(`TCP connect to ${address.replace(/\./g, '\\.')} did not complete within 500ms \\(connect_timeout\\)`));
  t.true(elapsed < DEADLINE_MS / 2, `failed after ${elapsed}ms`);
  t.is(manager.state('book-service'), 'TRANSIENT_FAILURE');
});

test('a server that answers within connect_timeout is unaffected: calls succeed', async (t) => {
  const server = await startBookServer();
  t.teardown(() => server.stop());
  const { clients, manager, shutdown } = await initBooks(server.address, { connect_timeout: '500ms', connect: 'eager' });
  t.teardown(shutdown);
  t.is((await getBook(clients['book-service'], 'b1')).title, 'Book 1');
  t.is(manager.state('book-service'), 'READY');
});
