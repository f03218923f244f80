// The promise clients: unary calls as promises, streams as async iterables both ways, per-call options
// (deadline, signal, metadata, waitForReady, headers and trailers) and the CallError of a failed call.
import test from 'ava';
import { Metadata, Server, ServerCredentials, status as Status } from '@grpc/grpc-js';
import { CallError, init } from '../src/index.ts';
import { TELEMETRY_OFF } from './helpers/calls.ts';
import { echoClient, EchoService } from './helpers/echo.ts';
import { BookService } from './helpers/protos.ts';
import { deadPort, startBookServer } from './helpers/servers.ts';

async function* texts(...values: string[]) {
  for (const text of values) yield { text };
}

test('a unary call resolves with the response, by the proto name and by the lowerCamelCase name', async (t) => {
  const { client } = await echoClient(t);
  t.deepEqual(await client.Echo({ text: 'hi' }), { text: 'hi', sequence: 1 });
  t.deepEqual(await client.echo({ text: 'ho' }), { text: 'ho', sequence: 1 });
});

test('a server stream is an async iterable of every response', async (t) => {
  const { client } = await echoClient(t);
  const replies = [];
  for await (const reply of client.repeat({ text: 'a', count: 3 })) replies.push(reply.sequence);
  t.deepEqual(replies, [1, 2, 3]);
});

test('leaving a for-await loop early cancels the server stream, and the server sees it', async (t) => {
  const { client, echo } = await echoClient(t);
  for await (const reply of client.repeat({ text: 'a', count: 1_000 })) {
    if (reply.sequence === 2) break;
  }
  t.is(await echo.cancelled, 'Repeat');
  t.true(echo.repeated() < 1_000);
});

test('a client stream sends every request of an async iterable, half-closes, and resolves with the response', async (t) => {
  const { client } = await echoClient(t);
  t.deepEqual(await client.join(texts('one', 'two', 'three')), { text: 'one two three', sequence: 3 });
  t.deepEqual(await client.join([{ text: 'plain' }, { text: 'array' }]), { text: 'plain array', sequence: 2 }, 'a plain iterable works too');
});

test('a bidi stream answers each request of the iterable as it goes', async (t) => {
  const { client } = await echoClient(t);
  const replies = [];
  for await (const reply of client.chat(texts('a', 'b', 'c'))) replies.push(reply.text);
  t.deepEqual(replies, ['A', 'B', 'C']);
});

test('a request iterable that throws cancels the call, and the error carries the cause', async (t) => {
  const { client } = await echoClient(t);
  const broken = (async function* () {
    yield { text: 'one' };
    throw new Error('disk gone');
  })();
  const error = await t.throwsAsync(client.join(broken), { instanceOf: CallError });
  t.is(error.code, Status.CANCELLED);
  t.is((error.cause as Error).message, 'disk gone');
});

test('a failed call rejects with CallError: code, the details as sent, trailers, and service, target, method, attempts', async (t) => {
  const server = await startBookServer({
    onGetBook: () => {
      const trailers = new Metadata();
      trailers.set('why', 'maintenance');
      return { code: Status.FAILED_PRECONDITION, details: 'catalogue closed: see https://status.example', trailers };
    },
  });
  t.teardown(() => server.stop());
  const { clients, shutdown } = await init({ config: { grpc_clients: { services: [{ name: 'books', address: server.address }] } }, clients: { books: BookService }, env: TELEMETRY_OFF });
  t.teardown(shutdown);
  const error = await t.throwsAsync(clients.books.getBook({ id: 'b1' }), { instanceOf: CallError });
  t.like(error, {
    code: Status.FAILED_PRECONDITION,
    details: 'catalogue closed: see https://status.example',
    service: 'books',
    target: `dns:///${server.address}`,
    method: 'book.v1.BookService/GetBook',
    attempts: 1,
  });
  t.deepEqual(error.metadata.get('why'), ['maintenance']);
});

test('metadata goes out as given, and response headers and trailers are handed to their callbacks', async (t) => {
  let received: Metadata | undefined;
  const server = new Server();
  server.addService(EchoService.service, {
    Echo: (call: { metadata: Metadata; request: { text: string }; sendMetadata(m: Metadata): void }, callback: (error: null, reply: { text: string }, trailers: Metadata) => void) => {
      received = call.metadata;
      const headers = new Metadata();
      headers.set('x-served-by', 'replica-1');
      call.sendMetadata(headers);
      const trailers = new Metadata();
      trailers.set('x-cost', '3');
      callback(null, { text: call.request.text }, trailers);
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
  t.teardown(() => server.forceShutdown());
  const { clients, shutdown } = await init({ config: { grpc_clients: { services: [{ name: 'echo', address: `127.0.0.1:${port}` }] } }, clients: { echo: EchoService }, env: TELEMETRY_OFF });
  t.teardown(shutdown);
  let headers: Metadata | undefined;
  let trailers: Metadata | undefined;
  await clients.echo.echo({ text: 'x' }, { metadata: { 'x-tenant': 'acme' }, onHeaders: (h) => (headers = h), onTrailers: (m) => (trailers = m) });
  t.deepEqual(received?.get('x-tenant'), ['acme']);
  t.deepEqual(headers?.get('x-served-by'), ['replica-1']);
  t.deepEqual(trailers?.get('x-cost'), ['3']);
});

test("waitForReady per call: the call waits for a backend that is not up yet instead of failing fast, and the caller's metadata object is not changed", async (t) => {
  const port = await deadPort();
  const { clients, shutdown } = await init({
    config: { grpc_clients: { services: [{ name: 'books', address: `127.0.0.1:${port}`, reconnect: { initial_backoff: '100ms', max_backoff: '200ms' } }] } },
    clients: { books: BookService },
    env: TELEMETRY_OFF,
  });
  t.teardown(shutdown);
  const failFast = await t.throwsAsync(clients.books.getBook({ id: 'b1' }, { timeout: 5_000 }), { instanceOf: CallError });
  t.is(failFast.code, Status.UNAVAILABLE, 'without waitForReady: fails fast');

  const metadata = new Metadata();
  const waiting = clients.books.getBook({ id: 'b2' }, { timeout: 10_000, waitForReady: true, metadata });
  const server = await startBookServer({ port });
  t.teardown(() => server.stop());
  t.is((await waiting).id, 'b2');
  t.is(metadata.getOptions().waitForReady, undefined);
});

test("a caller's waitForReady: false wins over the service's wait_for_ready", async (t) => {
  const port = await deadPort();
  const { clients, shutdown } = await init({
    config: { grpc_clients: { services: [{ name: 'books', address: `127.0.0.1:${port}`, wait_for_ready: true }] } },
    clients: { books: BookService },
    env: TELEMETRY_OFF,
  });
  t.teardown(shutdown);
  const started = Date.now();
  const error = await t.throwsAsync(clients.books.getBook({ id: 'b1' }, { timeout: 20_000, waitForReady: false }), { instanceOf: CallError });
  t.is(error.code, Status.UNAVAILABLE);
  t.true(Date.now() - started < 15_000, 'failed fast instead of waiting for the 20 s deadline');
});
