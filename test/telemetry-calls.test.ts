// Spans, metrics, propagation and logs of calls through init(), read back from in-memory exporters.
import test from 'ava';
import { PassThrough } from 'node:stream';
import { Metadata, status as Status } from '@grpc/grpc-js';
import { context, propagation, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { init, type GrpcClients } from '../src/index.ts';
import { createSdkLogger } from '../src/telemetry/logger.ts';
import { CALL_HEDGES, CALL_RETRIES, LATENCY_BUCKETS_S, SIZE_BUCKETS_BY } from '../src/telemetry/instruments.ts';
import { getBook, getBookError, streamBooks, type BookClient } from './helpers/calls.ts';
import { BookService } from './helpers/protos.ts';
import { startBookServer, type BookServerOptions, type RunningServer } from './helpers/servers.ts';
import { pointsWhere, registerInMemoryTelemetry, type Histogram } from './helpers/telemetry.ts';

const telemetry = registerInMemoryTelemetry();
type Clients = GrpcClients<Record<string, typeof BookService>>;

interface Setup {
  server: RunningServer;
  sdk: Clients;
  books: BookClient;
  /** Parsed JSON log lines. */
  lines: Record<string, unknown>[];
}

/** A server and an init() against it; `name` is the configured service name (unique per test, for metric filtering). */
async function setup(name: string, serviceFields: Record<string, unknown> = {}, serverOptions: BookServerOptions = {}, telemetryFields: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}): Promise<Setup> {
  const server = await startBookServer(serverOptions);
  const stream = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  const logger = createSdkLogger({ level: 'debug', format: 'json' }, { stream });
  const sdk = await init({
    config: { grpc_clients: { telemetry: { metrics: { exporter: 'none' }, traces: { exporter: 'none' }, ...telemetryFields }, services: [{ name, address: server.address, ...serviceFields }] } },
    clients: { [name]: BookService },
    env,
    logger,
  });
  return { server, sdk, books: sdk.clients[name]! as BookClient, lines };
}

async function teardown({ server, sdk }: Setup): Promise<void> {
  await sdk.shutdown();
  await server.stop();
}

test('a unary call makes one CLIENT span named by the full method, with the RPC convention attributes', async (t) => {
  const env = await setup('spans-ok');
  const { traceId, root } = await telemetry.inRootSpan(() => getBook(env.books, 'b1'));
  const spans = telemetry.spansOf(traceId).filter((span) => span.name !== 'test-root');
  t.is(spans.length, 1);
  const [span] = spans;
  t.is(span!.name, 'book.v1.BookService/GetBook');
  t.is(span!.kind, SpanKind.CLIENT);
  t.is(span!.parentSpanContext?.spanId, root.spanContext().spanId);
  t.like(span!.attributes, {
    'rpc.system.name': 'grpc',
    'rpc.method': 'book.v1.BookService/GetBook',
    'server.address': '127.0.0.1',
    'server.port': env.server.port,
    'rpc.status_code': 'OK',
  });
  t.false('error.type' in span!.attributes);
  t.false('rpc.response.status_code' in span!.attributes, 'the name semantic conventions v1.45.0 deprecate is not written');
  t.is(span!.status.code, SpanStatusCode.UNSET);
  await teardown(env);
});

test('the server receives a W3C traceparent naming the client span, and baggage', async (t) => {
  const env = await setup('propagation');
  const baggage = propagation.createBaggage({ tenant: { value: 'acme' } });
  const { traceId } = await telemetry.inRootSpan(() => context.with(propagation.setBaggage(context.active(), baggage), () => getBook(env.books, 'b1')));
  const span = telemetry.spansOf(traceId).find((candidate) => candidate.kind === SpanKind.CLIENT)!;
  const [traceparent] = env.server.received[0]!.get('traceparent');
  t.is(traceparent, `00-${traceId}-${span.spanContext().spanId}-01`);
  t.deepEqual(env.server.received[0]!.get('baggage'), ['tenant=acme']);
  t.deepEqual(env.server.received[0]!.get('x-trace-id'), [], 'legacy header is off by default');
  await teardown(env);
});

test('legacy_trace_header also sends X-Trace-ID with the trace id', async (t) => {
  const env = await setup('legacy-header', {}, {}, { legacy_trace_header: true });
  const { traceId } = await telemetry.inRootSpan(() => getBook(env.books, 'b1'));
  t.deepEqual(env.server.received[0]!.get('x-trace-id'), [traceId]);
  await teardown(env);
});

test('a failed call sets span status ERROR with the code name, and error.type', async (t) => {
  const env = await setup('spans-error');
  const { traceId } = await telemetry.inRootSpan(() => getBookError(env.books, 'missing'));
  const span = telemetry.spansOf(traceId).find((candidate) => candidate.kind === SpanKind.CLIENT)!;
  t.is(span.status.code, SpanStatusCode.ERROR);
  t.true(span.status.message!.startsWith('NOT_FOUND'));
  t.like(span.attributes, { 'rpc.status_code': 'NOT_FOUND', 'error.type': 'NOT_FOUND' });
  await teardown(env);
});

test('a retried call has one call span and one child span per attempt, numbered', async (t) => {
  let calls = 0;
  const env = await setup('spans-retry', { retry: { max: 3, backoff: '5ms', max_backoff: '10ms' } }, {
    onGetBook: () => (++calls < 3 ? { code: Status.UNAVAILABLE, details: 'try again' } : undefined),
  });
  const { traceId } = await telemetry.inRootSpan(() => getBook(env.books, 'b1'));
  const spans = telemetry.spansOf(traceId);
  const call = spans.filter((span) => span.kind === SpanKind.CLIENT);
  t.is(call.length, 1);
  const attempts = spans.filter((span) => span.name === 'Attempt.book.v1.BookService/GetBook').sort((a, b) => Number(a.attributes['grpcclient.attempt']) - Number(b.attributes['grpcclient.attempt']));
  t.deepEqual(attempts.map((span) => span.attributes['grpcclient.attempt']), [1, 2, 3]);
  t.deepEqual(attempts.map((span) => span.attributes['previous-rpc-attempts']), [0, 1, 2]);
  t.deepEqual(attempts.map((span) => span.attributes['rpc.status_code']), ['UNAVAILABLE', 'UNAVAILABLE', 'OK']);
  t.true(attempts.every((span) => span.parentSpanContext?.spanId === call[0]!.spanContext().spanId));
  // Every attempt carried the same call span as parent to the server.
  t.is(new Set(env.server.received.map((metadata) => metadata.get('traceparent')[0])).size, 1);

  const metrics = await telemetry.collect();
  const retries = pointsWhere<Histogram>(metrics.get('grpc.client.call.retries'), { 'grpcclient.service': 'spans-retry' });
  t.is(retries.length, 1);
  t.is(retries[0]!.value.sum, 2);
  const delay = pointsWhere<Histogram>(metrics.get('grpc.client.call.retry_delay'), { 'grpcclient.service': 'spans-retry' });
  t.true(delay[0]!.value.sum! > 0);
  const started = pointsWhere(metrics.get('grpc.client.attempt.started'), { 'grpcclient.service': 'spans-retry' });
  t.is(started[0]!.value, 3);
  await teardown(env);
});

test('a server stream keeps its span open until the stream ends, with one event per message', async (t) => {
  const env = await setup('spans-stream');
  const { traceId, result } = await telemetry.inRootSpan(() => streamBooks(env.books, 3));
  t.is(result.length, 3);
  const span = telemetry.spansOf(traceId).find((candidate) => candidate.kind === SpanKind.CLIENT)!;
  t.is(span.name, 'book.v1.BookService/StreamBooks');
  const inbound = span.events.filter((event) => event.name === 'Inbound message');
  const outbound = span.events.filter((event) => event.name === 'Outbound message');
  t.is(inbound.length, 3);
  t.is(outbound.length, 1);
  t.deepEqual(inbound.map((event) => event.attributes?.['sequence-number']), [0, 1, 2]);
  t.true(inbound.every((event) => Number(event.attributes?.['message-size']) > 0));
  // The span ends after the last message arrived.
  const lastEvent = inbound.at(-1)!.time;
  t.true(span.endTime[0] * 1e9 + span.endTime[1] >= lastEvent[0] * 1e9 + lastEvent[1]);
  await teardown(env);
});

test('call and attempt metrics carry the standard names, units, buckets and attributes', async (t) => {
  const env = await setup('metrics-shape');
  await getBook(env.books, 'b1');
  await getBookError(env.books, 'missing');
  const metrics = await telemetry.collect();
  const target = `dns:///${env.server.address}`;
  const expectations: [string, string, number[] | undefined][] = [
    ['grpc.client.attempt.started', '{attempt}', undefined],
    ['grpc.client.attempt.duration', 's', LATENCY_BUCKETS_S],
    ['grpc.client.attempt.sent_total_compressed_message_size', 'By', SIZE_BUCKETS_BY],
    ['grpc.client.attempt.rcvd_total_compressed_message_size', 'By', SIZE_BUCKETS_BY],
    ['grpc.client.call.duration', 's', LATENCY_BUCKETS_S],
  ];
  // A96 retry counts: buckets exactly 1-5 (checked on the instrument, as no call here retried).
  t.deepEqual(CALL_RETRIES.buckets, [1, 2, 3, 4, 5]);
  t.deepEqual(CALL_HEDGES.buckets, [1, 2, 3, 4, 5]);
  for (const [name, unit, buckets] of expectations) {
    const metric = metrics.get(name);
    t.truthy(metric, name);
    t.is(metric!.descriptor.unit, unit, name);
    const points = pointsWhere<Histogram | number>(metric, { 'grpcclient.service': 'metrics-shape', 'grpc.target': target, 'grpc.method': 'book.v1.BookService/GetBook' });
    if (buckets) {
      t.deepEqual((points[0]!.value as Histogram).buckets.boundaries, buckets, name);
      t.deepEqual(points.map((point) => point.attributes['grpc.status']).sort(), ['NOT_FOUND', 'OK'], name);
    } else {
      t.is(points.length, 1, name);
      t.is(points[0]!.value, 2, name);
    }
  }
  const [okCall] = pointsWhere<Histogram>(metrics.get('grpc.client.call.duration'), { 'grpcclient.service': 'metrics-shape', 'grpc.status': 'OK' });
  t.is(okCall!.value.count, 1);
  t.true(okCall!.value.sum! > 0 && okCall!.value.sum! < 5, 'seconds, not milliseconds');
  const [received] = pointsWhere<Histogram>(metrics.get('grpc.client.attempt.rcvd_total_compressed_message_size'), { 'grpcclient.service': 'metrics-shape', 'grpc.status': 'OK' });
  t.true(received!.value.sum! > 10, 'the Book message has a size');
  t.deepEqual(pointsWhere(metrics.get('grpc.client.call.retries'), { 'grpcclient.service': 'metrics-shape' }), [], 'no retries, nothing recorded');
  await teardown(env);
});

test('a method no registered client declares is reported as grpc.method "other"', async (t) => {
  const env = await setup('metrics-other');
  const client = env.sdk.manager.getClient('metrics-other', BookService);
  // A generic call with a made-up path on a grpc-js client of the service (through the call engine).
  await new Promise<void>((resolve) => {
    client.makeUnaryRequest('/made.up.Service/Anything', (value: Buffer) => value, (value: Buffer) => value, Buffer.alloc(0), new Metadata(), {}, () => resolve());
  });
  const metrics = await telemetry.collect();
  const points = pointsWhere(metrics.get('grpc.client.call.duration'), { 'grpcclient.service': 'metrics-other' });
  t.deepEqual(points.map((point) => point.attributes['grpc.method']), ['other']);
  t.deepEqual(points.map((point) => point.attributes['grpc.status']), ['UNIMPLEMENTED']);
  await teardown(env);
});

test('a span for a method no registered client declares is named "grpc", with rpc.method "_OTHER" and the path in rpc.method_original', async (t) => {
  const env = await setup('spans-other');
  const client = env.sdk.manager.getClient('spans-other', BookService);
  const { traceId } = await telemetry.inRootSpan(
    () =>
      new Promise<void>((resolve) => {
        client.makeUnaryRequest('/made.up.Service/Anything', (value: Buffer) => value, (value: Buffer) => value, Buffer.alloc(0), new Metadata(), {}, () => resolve());
      }),
  );
  const [span] = telemetry.spansOf(traceId).filter((candidate) => candidate.kind === SpanKind.CLIENT);
  t.is(span!.name, 'grpc');
  t.like(span!.attributes, { 'rpc.system.name': 'grpc', 'rpc.method': '_OTHER', 'rpc.method_original': 'made.up.Service/Anything', 'rpc.status_code': 'UNIMPLEMENTED' });
  await teardown(env);
});

test('OTEL_SEMCONV_STABILITY_OPT_IN=rpc/dup also writes the names deprecated by semantic conventions v1.45.0, beside the stable ones', async (t) => {
  const env = await setup('semconv-dup', {}, {}, {}, { OTEL_SEMCONV_STABILITY_OPT_IN: 'http, rpc/dup' });
  const metadata = new Metadata();
  metadata.set('x-request-id', 'req-7');
  const { traceId } = await telemetry.inRootSpan(() => getBookError(env.books, 'missing', {}, metadata));
  const [span] = telemetry.spansOf(traceId).filter((candidate) => candidate.kind === SpanKind.CLIENT);
  t.like(span!.attributes, { 'rpc.status_code': 'NOT_FOUND', 'rpc.response.status_code': 'NOT_FOUND', 'rpc.request.metadata.x-request-id': 'req-7' });
  t.deepEqual(span!.attributes['rpc.request.header.x-request-id'], ['req-7']);
  await teardown(env);
});

test("with the application's tracer provider, its sampler decides: grpcclient's sample_ratio 0 drops no call", async (t) => {
  const env = await setup('app-sampler', {}, {}, { traces: { exporter: 'none', sample_ratio: 0 } });
  const { traceId } = await telemetry.inRootSpan(() => getBook(env.books, 'b1'));
  t.is(telemetry.spansOf(traceId).filter((span) => span.kind === SpanKind.CLIENT).length, 1);
  await teardown(env);
});

test('one JSON log line per call, with trace ids, at a level chosen by the status', async (t) => {
  const env = await setup('logs', {}, { onGetBook: (call) => (call.request.id === 'boom' ? { code: Status.INTERNAL, details: 'boom' } : undefined) });
  const { traceId } = await telemetry.inRootSpan(async () => {
    await getBook(env.books, 'b1');
    await getBookError(env.books, 'missing');
    await getBookError(env.books, 'boom');
  });
  const calls = env.lines.filter((line) => line['message'] === 'grpc call finished');
  t.deepEqual(calls.map((line) => [line['level'], line['status']]), [['debug', 'OK'], ['debug', 'NOT_FOUND'], ['warn', 'INTERNAL']]);
  const spans = telemetry.spansOf(traceId).filter((span) => span.kind === SpanKind.CLIENT);
  for (const [index, line] of calls.entries()) {
    t.like(line, { service: 'logs', method: 'book.v1.BookService/GetBook', attempts: 1, trace_id: traceId, span_id: spans[index]!.spanContext().spanId, trace_flags: '01' });
    t.is(typeof line['duration_ms'], 'number');
  }
  await teardown(env);
});

test("a logger passed to init() is asked on every call: a level raised at run time brings the calls' lines at once", async (t) => {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter((line) => line.includes('grpc call finished'))));
  const logger = createSdkLogger({ level: 'info', format: 'json' }, { stream });
  const server = await startBookServer();
  const sdk = await init({
    config: { grpc_clients: { telemetry: { metrics: { exporter: 'none' }, traces: { exporter: 'none' } }, services: [{ name: 'log-level', address: server.address }] } },
    clients: { 'log-level': BookService },
    env: {},
    logger,
  });
  t.teardown(async () => {
    await sdk.shutdown();
    await server.stop();
  });
  const books = sdk.clients['log-level']! as BookClient;
  await getBook(books, 'b1');
  t.is(lines.length, 0, 'OK is logged at debug, below info');
  logger.level = 'debug';
  await getBook(books, 'b1');
  t.is(lines.length, 1);
});

test('authorization, cookie and configured metadata never reach logs or span attributes', async (t) => {
  const env = await setup('redaction', {}, {}, { redact_metadata: ['x-api-key'] });
  const metadata = new Metadata();
  metadata.set('authorization', 'Bearer s3cret-token');
  metadata.set('cookie', 'session=s3cret-cookie');
  metadata.set('proxy-authorization', 'Basic s3cret-proxy');
  metadata.set('x-api-key', 's3cret-key');
  metadata.set('x-request-id', 'req-42');
  const { traceId } = await telemetry.inRootSpan(() => getBook(env.books, 'b1', {}, metadata));
  const span = telemetry.spansOf(traceId).find((candidate) => candidate.kind === SpanKind.CLIENT)!;
  const everything = JSON.stringify(env.lines) + JSON.stringify(span.attributes) + JSON.stringify(span.events);
  t.false(everything.includes('s3cret'));
  t.deepEqual(span.attributes['rpc.request.header.x-request-id'], ['req-42']);
  t.deepEqual(span.attributes['rpc.request.header.authorization'], ['[REDACTED]']);
  t.deepEqual(span.attributes['rpc.request.header.proxy-authorization'], ['[REDACTED]']);
  // The server still gets the real values: redaction is about telemetry only.
  t.deepEqual(env.server.received[0]!.get('authorization'), ['Bearer s3cret-token']);
  await teardown(env);
});

test('with providers already registered by the application, init() uses them and starts no exporter', async (t) => {
  const { deadPort } = await import('./helpers/servers.ts');
  const scrapePort = await deadPort();
  const env = await setup('app-providers', {}, {}, { metrics: { exporter: 'prometheus', prometheus_host: '127.0.0.1', prometheus_port: scrapePort } });
  const { traceId } = await telemetry.inRootSpan(() => getBook(env.books, 'b1'));
  t.is(telemetry.spansOf(traceId).filter((span) => span.kind === SpanKind.CLIENT).length, 1, 'spans reach the application provider');
  const scrape = await fetch(`http://127.0.0.1:${scrapePort}/metrics`).then(
    () => 'answered',
    () => 'refused',
  );
  t.is(scrape, 'refused', 'no second metrics endpoint');
  await teardown(env);
});
