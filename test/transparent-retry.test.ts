// Transparent retry (gRFC A6): a stream refused before the server's application saw it is sent again by
// grpc-js, once, at no cost to the retry policy or throttle, and shows in telemetry as an attempt of its
// own. Refusals come from a real HTTP/2 proxy (RST_STREAM REFUSED_STREAM) and from a real grpc-js
// server that recycles its connections (max_connection_age), as Kubernetes operators configure it.
import test, { type ExecutionContext } from 'ava';
import type { IncomingHttpHeaders } from 'node:http2';
import { Server, ServerCredentials, status as Status, type ServerReadableStream, type ServerWritableStream } from '@grpc/grpc-js';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { init } from '../src/index.ts';
import { getBook, getBookError, TELEMETRY_OFF } from './helpers/calls.ts';
import { EchoService } from './helpers/echo.ts';
import { clientThrough, FRONT_DOORS, managerFor } from './helpers/front-doors.ts';
import { BookService } from './helpers/protos.ts';
import { startRefusingProxy } from './helpers/refusing-proxy.ts';
import { startBookServer, type BookServerOptions } from './helpers/servers.ts';
import { pointsWhere, registerInMemoryTelemetry, type Histogram } from './helpers/telemetry.ts';
import type { EchoReply } from './fixtures/protos/gen/echo/v1/EchoReply.ts';
import type { EchoRequest__Output } from './fixtures/protos/gen/echo/v1/EchoRequest.ts';
import type { RepeatRequest__Output } from './fixtures/protos/gen/echo/v1/RepeatRequest.ts';

const telemetry = registerInMemoryTelemetry();

/** A book server behind a proxy that refuses the streams `refuse` picks (1-based, in arrival order). */
async function refusingBackend(t: ExecutionContext, refuse: (stream: number) => boolean, options: BookServerOptions = {}) {
  const server = await startBookServer(options);
  const proxy = await startRefusingProxy(server.address, refuse);
  t.teardown(async () => {
    await proxy.close();
    await server.stop();
  });
  return { server, proxy };
}

const previousAttempts = (streams: readonly IncomingHttpHeaders[]) => streams.map((headers) => headers['grpc-previous-rpc-attempts']);

for (const door of FRONT_DOORS) {
  test(`${door}: a stream the server refused is sent again, transparently, without any retry policy`, async (t) => {
    const { server, proxy } = await refusingBackend(t, (stream) => stream === 1);
    const manager = managerFor(proxy.address, {});
    t.teardown(() => manager.close(0));
    t.is((await getBook(clientThrough(door, manager), 'b1')).id, 'b1');
    t.is(proxy.streams.length, 2, 'the refused stream and its transparent retry');
    t.is(server.received.length, 1, "only the retry reached the server's application");
  });
}

test('a stream refused a second time fails the call with the refusal: REFUSED is retried once', async (t) => {
  const { server, proxy } = await refusingBackend(t, () => true);
  const manager = managerFor(proxy.address, {});
  t.teardown(() => manager.close(0));
  const error = await getBookError(clientThrough('promise', manager), 'b1');
  t.like(error, { code: Status.UNAVAILABLE, details: 'Stream refused by server', attempts: 1 });
  t.is(proxy.streams.length, 2);
  t.is(server.received.length, 0);
});

/**
 * init() with in-memory telemetry (every call sampled) against `address`; `name` keeps its metrics apart.
 * With telemetry on, the engine sees each transparent retry, so this is where one could be miscounted.
 */
async function tracedClient(t: ExecutionContext, name: string, address: string, fields: Record<string, unknown> = {}) {
  const sdk = await init({
    config: { grpc_clients: { telemetry: { metrics: { exporter: 'none' }, traces: { exporter: 'none' } }, services: [{ name, address, ...fields }] } },
    clients: { [name]: BookService },
    env: {},
  });
  t.teardown(() => sdk.shutdown());
  return { client: sdk.clients[name]!, calls: () => sdk.manager.service(name).calls! };
}

test('transparent retries cost no attempt and no throttle token: a policy of 2 attempts still makes both', async (t) => {
  // Streams 1 and 3 are refused; the server fails its first call, so the engine retries once (attempt 2).
  let calls = 0;
  const { server, proxy } = await refusingBackend(t, (stream) => stream === 1 || stream === 3, {
    onGetBook: () => (++calls === 1 ? { code: Status.UNAVAILABLE, details: 'try again' } : undefined),
  });
  // 3 tokens, retries while tokens > 1.5: the server's failure costs one; a refusal costing one too would stop the retry.
  const traced = await tracedClient(t, 'transparent-budget', proxy.address, { retry: { max: 1, backoff: '1ms', max_tokens: 3, token_ratio: 0.5 } });
  t.is((await traced.client.getBook({ id: 'b1' })).id, 'b1');
  t.deepEqual(previousAttempts(proxy.streams), [undefined, undefined, '1', '1'], 'a transparent retry carries the header of the attempt it retries');
  t.is(server.received.length, 2);
  t.is(traced.calls().throttle.available, 2.5, 'one failure (-1) and one success (+0.5)');
});

test('a transparent retry is an attempt in telemetry: A66 attempt metrics, A96 transparent_retries, an attempt span marked transparent-retry', async (t) => {
  const { proxy } = await refusingBackend(t, (stream) => stream === 1);
  const { client } = await tracedClient(t, 'transparent-spans', proxy.address);
  const { traceId } = await telemetry.inRootSpan(() => client.getBook({ id: 'b1' }));
  await client.getBook({ id: 'b2' }); // not refused: no transparent retry recorded for it (A96 records none of 0)

  const spans = telemetry.spansOf(traceId);
  const callSpan = spans.find((span) => span.kind === SpanKind.CLIENT)!;
  t.is(callSpan.status.code, SpanStatusCode.UNSET);
  const attempts = spans.filter((span) => span.name === 'Attempt.book.v1.BookService/GetBook').sort((a, b) => Number(a.attributes['transparent-retry']) - Number(b.attributes['transparent-retry']));
  t.deepEqual(
    attempts.map((span) => [span.attributes['rpc.status_code'], span.attributes['transparent-retry'], span.attributes['previous-rpc-attempts'], span.attributes['grpcclient.attempt']]),
    [
      ['UNAVAILABLE', false, 0, 1],
      ['OK', true, 0, 1],
    ],
  );
  t.is(attempts[0]!.attributes['network.peer.port'], Number(proxy.address.split(':')[1]), 'the refused stream names where it went');
  t.true(attempts.every((span) => span.parentSpanContext?.spanId === callSpan.spanContext().spanId));

  const metrics = await telemetry.collect();
  const ofService = { 'grpcclient.service': 'transparent-spans' };
  t.is(pointsWhere(metrics.get('grpc.client.attempt.started'), ofService)[0]!.value, 3, 'two calls, one of them with a transparent retry');
  const durations = pointsWhere<Histogram>(metrics.get('grpc.client.attempt.duration'), ofService);
  t.deepEqual(durations.map((point) => [point.attributes['grpc.status'], point.value.count]).sort(), [['OK', 2], ['UNAVAILABLE', 1]]);
  const [refusedSent] = pointsWhere<Histogram>(metrics.get('grpc.client.attempt.sent_total_compressed_message_size'), { ...ofService, 'grpc.status': 'UNAVAILABLE' });
  t.true(refusedSent!.value.sum! > 0, 'the refused stream had the request');
  const [transparent] = pointsWhere<Histogram>(metrics.get('grpc.client.call.transparent_retries'), ofService);
  t.deepEqual([transparent?.value.count, transparent?.value.sum], [1, 1]);
  t.deepEqual(transparent?.value.buckets.boundaries, [1, 2, 3, 4, 5, 10]);
  t.deepEqual(pointsWhere(metrics.get('grpc.client.call.retries'), ofService), [], 'a transparent retry is not a retry');
  t.deepEqual(pointsWhere<Histogram>(metrics.get('grpc.client.call.duration'), ofService).map((point) => [point.attributes['grpc.status'], point.value.count]), [['OK', 2]]);
});

/** An echo server that closes every connection after `ageMs` (GOAWAY), giving calls on it `graceMs` to finish. */
async function recyclingEchoServer(t: ExecutionContext, ageMs: number, graceMs: number): Promise<string> {
  const server = new Server({ 'grpc.max_connection_age_ms': ageMs, 'grpc.max_connection_age_grace_ms': graceMs });
  server.addService(EchoService.service, {
    Echo: (call: { request: EchoRequest__Output }, callback: (error: null, reply: EchoReply) => void) => callback(null, { text: call.request.text, sequence: 1 }),
    Repeat: (call: ServerWritableStream<RepeatRequest__Output, EchoReply>) => {
      for (let sequence = 1; sequence <= call.request.count; sequence++) call.write({ text: call.request.text, sequence });
      call.end();
    },
    Join: (call: ServerReadableStream<EchoRequest__Output, EchoReply>, callback: (error: null, reply: EchoReply) => void) => {
      const texts: string[] = [];
      call.on('data', (request: EchoRequest__Output) => texts.push(request.text));
      call.on('end', () => callback(null, { text: texts.join(' '), sequence: texts.length }));
    },
  });
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
  t.teardown(() => server.forceShutdown());
  return `127.0.0.1:${port}`;
}

test.serial('a server that recycles its connections (max_connection_age) fails no call, unary, server streaming or client streaming, with 16 in flight', async (t) => {
  const address = await recyclingEchoServer(t, 300, 10_000);
  const name = 'max-connection-age';
  const sdk = await init({
    config: { grpc_clients: { telemetry: { metrics: { exporter: 'none' }, traces: { exporter: 'none' } }, services: [{ name, address }] } },
    clients: { [name]: EchoService },
    env: {},
  });
  t.teardown(() => sdk.shutdown());
  const echo = sdk.clients[name]!;
  const shapes = {
    unary: () => echo.echo({ text: 'a' }),
    'server streaming': async () => {
      for await (const reply of echo.repeat({ text: 'a', count: 3 })) void reply;
    },
    'client streaming': () => echo.join([{ text: 'a' }, { text: 'b' }]),
  };
  const LOOPS = 16;
  const CALLS_PER_LOOP = 100;
  for (const [shape, call] of Object.entries(shapes)) {
    const failures: string[] = [];
    await Promise.all(
      Array.from({ length: LOOPS }, async () => {
        for (let index = 0; index < CALLS_PER_LOOP; index++) await call().catch((error: Error) => failures.push(error.message));
      }),
    );
    t.log(`${shape}: ${failures.length} failed of ${LOOPS * CALLS_PER_LOOP}`);
    t.deepEqual(failures.slice(0, 3), [], shape);
  }
  const metrics = await telemetry.collect();
  const ofService = { 'grpcclient.service': name };
  const started = pointsWhere(metrics.get('grpc.client.attempt.started'), ofService).reduce((sum, point) => sum + point.value, 0);
  const transparent = pointsWhere<Histogram>(metrics.get('grpc.client.call.transparent_retries'), ofService).reduce((sum, point) => sum + point.value.sum!, 0);
  const calls = 3 * LOOPS * CALLS_PER_LOOP;
  t.log(`${transparent} transparent retries, ${started} attempts for ${calls} calls`);
  t.true(transparent > 0, 'connections were recycled under calls, and the refusals were retried');
  t.is(started, calls + transparent, 'every attempt beyond one per call is a transparent retry');
  const refusedSpans = telemetry.exporter.getFinishedSpans().filter((span) => span.name.startsWith('Attempt.echo.v1.EchoService/') && span.attributes['transparent-retry'] === true);
  t.is(refusedSpans.length, transparent, 'and each has its attempt span');
});

test('with telemetry off nothing marks a call, and a refused stream is still retried', async (t) => {
  const { proxy } = await refusingBackend(t, (stream) => stream === 1);
  const sdk = await init({ config: { grpc_clients: { services: [{ name: 'untraced', address: proxy.address }] } }, clients: { untraced: BookService }, env: TELEMETRY_OFF });
  t.teardown(() => sdk.shutdown());
  t.is((await sdk.clients.untraced.getBook({ id: 'b1' })).id, 'b1');
  t.false(sdk.manager.service('untraced').calls!.observesStreams);
  t.is(proxy.streams.length, 2);
});
