// Per-call options as a grpc-js user writes them: one deadline rule (a number is epoch milliseconds, as in
// grpc-js; a duration is `timeout`), an aborted signal that sends nothing, and metadata in the plain form
// with binary values; options grpc-js would throw on or misread are refused before anything is sent.
import test, { type ExecutionContext } from 'ava';
import { Metadata, status as Status } from '@grpc/grpc-js';
import { CallError, init } from '../src/index.ts';
import { TELEMETRY_OFF } from './helpers/calls.ts';
import { echoClient, type EchoServer } from './helpers/echo.ts';
import { BookService } from './helpers/protos.ts';
import { deadPort, startBookServer } from './helpers/servers.ts';

/** A books client whose server never answers GetBook, and what deadline (epoch ms) the server was given. */
async function stalledBooks(t: ExecutionContext) {
  const seen: { deadline?: number } = {};
  const server = await startBookServer({
    onGetBook: (call) => {
      seen.deadline = Number(call.getDeadline());
      return new Promise(() => {});
    },
  });
  t.teardown(() => server.stop());
  const { clients, shutdown } = await init({ config: { grpc_clients: { services: [{ name: 'books', address: server.address, deadline: '30s' }] } }, clients: { books: BookService }, env: TELEMETRY_OFF });
  t.teardown(shutdown);
  return { books: clients.books, seen };
}

function nothingHandled(t: ExecutionContext, echo: EchoServer) {
  t.deepEqual(echo.handled, { Echo: 0, Repeat: 0, Join: 0, Chat: 0 }, 'the server ran no handler: nothing was sent');
}

// ---- Deadlines ------------------------------------------------------------------------------------------

test('a number deadline is epoch milliseconds, as in grpc-js: Date.now() + 700 ends the call at that instant', async (t) => {
  const { books, seen } = await stalledBooks(t);
  const deadline = Date.now() + 700;
  const error = await t.throwsAsync(books.getBook({ id: 'b1' }, { deadline }), { instanceOf: CallError });
  t.is(error.code, Status.DEADLINE_EXCEEDED);
  t.true(Date.now() >= deadline, 'not before the deadline');
  // The server was given that instant (grpc-timeout is relative, so allow the time the request took to arrive),
  // not one 56 years away and not the service's 30 s default.
  t.true(Math.abs(seen.deadline! - deadline) < 1_000, `server deadline ${seen.deadline! - deadline} ms from the one asked for`);
});

test('a Date deadline ends the call at that instant', async (t) => {
  const { books, seen } = await stalledBooks(t);
  const deadline = new Date(Date.now() + 500);
  const error = await t.throwsAsync(books.getBook({ id: 'b1' }, { deadline }), { instanceOf: CallError });
  t.is(error.code, Status.DEADLINE_EXCEEDED);
  t.true(Math.abs(seen.deadline! - deadline.getTime()) < 1_000);
});

test('timeout is milliseconds from now', async (t) => {
  const { books, seen } = await stalledBooks(t);
  const started = Date.now();
  const error = await t.throwsAsync(books.getBook({ id: 'b1' }, { timeout: 400 }), { instanceOf: CallError });
  t.is(error.code, Status.DEADLINE_EXCEEDED);
  t.true(Date.now() - started >= 400);
  t.true(seen.deadline! - started < 1_400, 'the server was given about 400 ms, not the 30 s default');
});

test('with both deadline and timeout, the earlier one wins', async (t) => {
  const { books, seen } = await stalledBooks(t);
  const started = Date.now();
  await t.throwsAsync(books.getBook({ id: 'b1' }, { deadline: started + 60_000, timeout: 300 }), { instanceOf: CallError });
  t.true(seen.deadline! - started < 1_300, 'timeout 300 was earlier than the deadline a minute away');
  const second = Date.now();
  await t.throwsAsync(books.getBook({ id: 'b2' }, { deadline: second + 300, timeout: 60_000 }), { instanceOf: CallError });
  t.true(seen.deadline! - second < 1_300, 'the deadline 300 ms away was earlier than timeout 60 s');
});

test('a number deadline too small to be a time is refused at once with INVALID_ARGUMENT naming the option, and nothing is sent', async (t) => {
  const { client, echo } = await echoClient(t);
  for (const deadline of [700, 0, -5]) {
    const error = await t.throwsAsync(client.echo({ text: 'x' }, { deadline }), { instanceOf: CallError });
    t.is(error.code, Status.INVALID_ARGUMENT);
    t.regex(error.details, new RegExp(`options\\.deadline ${deadline} is not a time.*epoch milliseconds.*\\{ timeout: ${deadline} \\}`));
    t.like(error, { service: 'echo', method: 'echo.v1.EchoService/Echo', attempts: 0 });
  }
  const stream = client.repeat({ text: 'a', count: 1 }, { deadline: 700 });
  const streamError = await t.throwsAsync(async () => {
    for await (const _ of stream) t.fail('no message from a refused call');
  });
  t.is((streamError as CallError).code, Status.INVALID_ARGUMENT);
  nothingHandled(t, echo);
});

test('a timeout that is not a duration is refused with INVALID_ARGUMENT naming the option', async (t) => {
  const { client, echo } = await echoClient(t);
  for (const timeout of [-1, Number.NaN, '5s' as unknown as number]) {
    const error = await t.throwsAsync(client.echo({ text: 'x' }, { timeout }), { instanceOf: CallError });
    t.is(error.code, Status.INVALID_ARGUMENT);
    t.regex(error.details, /^options\.timeout must be a number of milliseconds >= 0/);
  }
  nothingHandled(t, echo);
});

// ---- Abort ----------------------------------------------------------------------------------------------

test('an already-aborted signal rejects every kind of call with CANCELLED before any stream is opened', async (t) => {
  const { client, echo } = await echoClient(t);
  const signal = AbortSignal.abort('not needed');
  let pulled = 0;
  const requests = (function* () {
    pulled++;
    yield { text: 'never' };
  })();
  const unary = await t.throwsAsync(client.echo({ text: 'x' }, { signal }), { instanceOf: CallError });
  const join = await t.throwsAsync(client.join(requests, { signal }), { instanceOf: CallError });
  const drain = async (stream: AsyncIterable<unknown>) => {
    for await (const _ of stream) t.fail('no message from an aborted call');
  };
  const repeat = await t.throwsAsync(drain(client.repeat({ text: 'a', count: 1 }, { signal })), { instanceOf: CallError });
  const chat = await t.throwsAsync(drain(client.chat(requests, { signal })), { instanceOf: CallError });
  for (const error of [unary, join, repeat, chat]) {
    t.is(error.code, Status.CANCELLED);
    t.regex(error.details, /not needed/);
    t.is(error.attempts, 0);
  }
  t.is(pulled, 0, 'the request iterable was not read');
  nothingHandled(t, echo);
});

test('an abort while the call waits for a connection starts nothing: the server, once up, never sees the call', async (t) => {
  const port = await deadPort();
  const { clients, shutdown } = await init({
    config: { grpc_clients: { services: [{ name: 'books', address: `127.0.0.1:${port}`, reconnect: { initial_backoff: '100ms', max_backoff: '200ms' } }] } },
    clients: { books: BookService },
    env: TELEMETRY_OFF,
  });
  t.teardown(shutdown);
  let handled = 0;
  const aborting = new AbortController();
  const waiting = clients.books.getBook({ id: 'b1' }, { timeout: 20_000, waitForReady: true, signal: aborting.signal });
  aborting.abort();
  const error = await t.throwsAsync(waiting, { instanceOf: CallError });
  t.is(error.code, Status.CANCELLED);
  const server = await startBookServer({ port, onGetBook: () => void handled++ });
  t.teardown(() => server.stop());
  // A later call on the same channel reaches the server: had the aborted one been queued, it would have gone first.
  t.is((await clients.books.getBook({ id: 'b2' }, { timeout: 20_000, waitForReady: true })).id, 'b2');
  t.is(handled, 1, 'only the later call was handled');
});

// ---- Metadata -------------------------------------------------------------------------------------------

test('plain-object metadata takes Buffers for -bin keys, and arrays of values, and the server gets them as sent', async (t) => {
  let received: Metadata | undefined;
  const server = await startBookServer({ onGetBook: (call) => void (received = call.metadata) });
  t.teardown(() => server.stop());
  const { clients, shutdown } = await init({ config: { grpc_clients: { services: [{ name: 'books', address: server.address }] } }, clients: { books: BookService }, env: TELEMETRY_OFF });
  t.teardown(shutdown);
  const trace = Buffer.from([0, 1, 2, 254, 255]);
  await clients.books.getBook({ id: 'b1' }, { metadata: { 'x-trace-bin': trace, 'x-tenant': 'acme', 'x-tags': ['a', 'b'], 'x-parts-bin': [Buffer.from('p1'), Buffer.from('p2')] } });
  t.deepEqual(received?.get('x-trace-bin'), [trace]);
  t.deepEqual(received?.get('x-tenant'), ['acme']);
  t.deepEqual(received?.get('x-tags'), ['a, b'], 'two text values (HTTP/2 hands the server text values joined)');
  t.deepEqual(received?.get('x-parts-bin'), [Buffer.from('p1'), Buffer.from('p2')]);
});

test('a metadata key or value grpc-js refuses rejects the call with INVALID_ARGUMENT naming the key, and nothing is sent', async (t) => {
  const { client, echo } = await echoClient(t);
  const cases: [Record<string, string | Buffer>, RegExp][] = [
    [{ 'bad key': 'x' }, /^metadata key "bad key": /],
    [{ 'x-trace-bin': 'text for a binary key' }, /^metadata key "x-trace-bin": /],
    [{ 'x-text': Buffer.from('binary for a text key') }, /^metadata key "x-text": /],
  ];
  for (const [metadata, details] of cases) {
    const call = client.echo({ text: 'x' }, { metadata });
    const error = await t.throwsAsync(call, { instanceOf: CallError });
    t.is(error.code, Status.INVALID_ARGUMENT);
    t.regex(error.details, details);
    t.like(error, { service: 'echo', method: 'echo.v1.EchoService/Echo', attempts: 0 });
  }
  nothingHandled(t, echo);
});

test("a Metadata-shaped object of another grpc-js copy is copied into the SDK's own, values and options alike", async (t) => {
  let received: Metadata | undefined;
  const server = await startBookServer({ onGetBook: (call) => void (received = call.metadata) });
  t.teardown(() => server.stop());
  const { clients, shutdown } = await init({ config: { grpc_clients: { services: [{ name: 'books', address: server.address }] } }, clients: { books: BookService }, env: TELEMETRY_OFF });
  t.teardown(shutdown);
  // What another copy's Metadata looks like from here: the same methods, not this copy's class.
  const own = new Metadata();
  own.add('x-tenant', 'acme');
  own.add('x-tenant', 'beta');
  own.add('x-trace-bin', Buffer.from([9]));
  const foreign = { getMap: () => own.getMap(), toJSON: () => own.toJSON(), getOptions: () => own.getOptions(), clone: () => foreign };
  t.false((foreign as unknown) instanceof Metadata);
  await clients.books.getBook({ id: 'b1' }, { metadata: foreign as unknown as Metadata });
  t.deepEqual(received?.get('x-tenant'), ['acme, beta'], 'both values (HTTP/2 hands the server text values joined)');
  t.deepEqual(received?.get('x-trace-bin'), [Buffer.from([9])]);
});
