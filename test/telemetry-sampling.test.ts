// Sampling on the tracer provider grpcclient starts: decided before a span exists, exactly as the
// SDK's ParentBased(TraceIdRatioBased) sampler decides, and a dropped call still propagates a real trace
// id, a new span id and the sampled flag 0. Real server, real OTLP receiver; serial: the providers are global.
import test from 'ava';
import { PassThrough } from 'node:stream';
import { context, createTraceState, propagation, ROOT_CONTEXT, SamplingDecision, trace, TraceFlags, type Context, type Span, type SpanContext, type Tracer } from '@opentelemetry/api';
import { AlwaysOffSampler, AlwaysOnSampler, InMemorySpanExporter, ParentBasedSampler, SimpleSpanProcessor, TraceIdRatioBasedSampler, TracerProvider, type Sampler } from '@opentelemetry/sdk-trace';
import { init } from '../src/index.ts';
import { CallSampling, RandomIds } from '../src/telemetry/call-sampling.ts';
import { createSdkLogger } from '../src/telemetry/logger.ts';
import { getBook } from './helpers/calls.ts';
import { startOtlpReceiver, type OtlpReceiver } from './helpers/otlp-receiver.ts';
import { BookService } from './helpers/protos.ts';
import { startBookServer, type RunningServer } from './helpers/servers.ts';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
}
interface OtlpTraces {
  resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[];
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])$/;

function exportedSpans(receiver: OtlpReceiver): OtlpSpan[] {
  return ((receiver.received.get('/v1/traces') ?? []) as OtlpTraces[]).flatMap((body) => body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));
}

/** What the server received as traceparent on each call, parsed. */
function traceparents(server: RunningServer): { traceId: string; spanId: string; flags: string }[] {
  return server.received.map((metadata) => {
    const [header] = metadata.get('traceparent');
    const match = TRACEPARENT.exec(String(header));
    if (!match) throw new Error(`not a W3C traceparent: ${String(header)}`);
    return { traceId: match[1]!, spanId: match[2]!, flags: match[3]! };
  });
}

interface Setup {
  server: RunningServer;
  receiver: OtlpReceiver;
  books: ReturnType<typeof booksOf>;
  lines: Record<string, unknown>[];
  /** Flushes spans to the receiver and stops everything. */
  finish(): Promise<void>;
}

function booksOf(sdk: Awaited<ReturnType<typeof initWith>>) {
  return sdk.clients['book-service']!;
}

function initWith(address: string, receiverUrl: string, telemetry: Record<string, unknown>, stream: PassThrough, logLevel: 'debug' | 'info') {
  return init({
    config: { grpc_clients: { telemetry: { traces: { exporter: 'otlp', endpoint: receiverUrl }, metrics: { exporter: 'none' }, ...telemetry }, services: [{ name: 'book-service', address }] } },
    clients: { 'book-service': BookService },
    env: {},
    logger: createSdkLogger({ level: logLevel, format: 'json' }, { stream }),
  });
}

/** Started for one test; its teardown stops it if the test did not get to finish() (a failed assertion). */
async function setup(t: { teardown(fn: () => Promise<void>): void }, traces: Record<string, unknown>, telemetry: Record<string, unknown> = {}, logLevel: 'debug' | 'info' = 'debug'): Promise<Setup> {
  const [server, receiver] = await Promise.all([startBookServer(), startOtlpReceiver()]);
  const stream = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  const sdk = await initWith(server.address, receiver.url, { traces: { exporter: 'otlp', endpoint: receiver.url, ...traces }, ...telemetry }, stream, logLevel);
  let finished: Promise<void> | undefined;
  const finish = () =>
    (finished ??= (async () => {
      await sdk.shutdown();
      await Promise.all([server.stop(), receiver.close()]);
    })());
  t.teardown(finish);
  return { server, receiver, books: booksOf(sdk), lines, finish };
}

/** A context whose active span is a remote parent with this span context (as a server's incoming call has). */
function underParent(parent: SpanContext) {
  return trace.setSpanContext(ROOT_CONTEXT, { ...parent, isRemote: true });
}

test.serial('a call the sampler drops exports no span, and its traceparent carries a new trace id and span id with the sampled flag 0', async (t) => {
  const env = await setup(t, { sample_ratio: 0 }, { legacy_trace_header: true });
  for (let index = 0; index < 3; index++) await getBook(env.books, 'b1');
  const received = traceparents(env.server);
  t.is(new Set(received.map((header) => header.traceId)).size, 3, 'a trace id of its own per call');
  t.true(received.every((header) => header.flags === '00' && !/^0+$/.test(header.traceId) && !/^0+$/.test(header.spanId)));
  t.deepEqual(env.server.received.map((metadata) => metadata.get('x-trace-id')[0]), received.map((header) => header.traceId), 'the legacy header names the same trace');
  // The call's log line carries the ids the callee received, so logs on both sides still correlate.
  const calls = env.lines.filter((line) => line['message'] === 'grpc call finished');
  t.deepEqual(
    calls.map((line) => [line['trace_id'], line['span_id'], line['trace_flags']]),
    received.map((header) => [header.traceId, header.spanId, '00']),
  );
  await env.finish();
  t.deepEqual(exportedSpans(env.receiver), []);
});

test.serial("under a parent that was not sampled, the call keeps the parent's trace id, trace state and baggage, with a span id of its own and flag 0", async (t) => {
  const env = await setup(t, { sample_ratio: 1 });
  const parent = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.NONE, traceState: createTraceState('vendor=opaque') };
  const withBaggage = propagation.setBaggage(underParent(parent), propagation.createBaggage({ tenant: { value: 'acme' } }));
  await context.with(withBaggage, () => getBook(env.books, 'b1'));
  const [header] = traceparents(env.server);
  t.is(header!.traceId, parent.traceId);
  t.not(header!.spanId, parent.spanId);
  t.is(header!.flags, '00');
  t.deepEqual(env.server.received[0]!.get('tracestate'), ['vendor=opaque']);
  t.deepEqual(env.server.received[0]!.get('baggage'), ['tenant=acme']);
  await env.finish();
  t.deepEqual(exportedSpans(env.receiver), []);
});

test.serial('under a sampled parent the call is recorded even at sample_ratio 0, and the callee is told the recorded span', async (t) => {
  const env = await setup(t, { sample_ratio: 0 });
  const parent = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };
  await context.with(underParent(parent), () => getBook(env.books, 'b1'));
  const [header] = traceparents(env.server);
  await env.finish();
  const [span] = exportedSpans(env.receiver);
  t.like(span, { traceId: parent.traceId, parentSpanId: parent.spanId, spanId: header!.spanId, name: 'book.v1.BookService/GetBook' });
  t.is(header!.flags, '01');
});

test.serial('root calls are sampled by the trace id the callee receives, as TraceIdRatioBasedSampler rules, and exactly those are exported', async (t) => {
  const env = await setup(t, { sample_ratio: 0.5 });
  for (let index = 0; index < 24; index++) await getBook(env.books, 'b1');
  await env.finish();
  const received = traceparents(env.server);
  const rule = new TraceIdRatioBasedSampler(0.5);
  for (const header of received) {
    const sampled = rule.shouldSample(ROOT_CONTEXT, header.traceId).decision === SamplingDecision.RECORD_AND_SAMPLED;
    t.is(header.flags, sampled ? '01' : '00', header.traceId);
  }
  const expected = received.filter((header) => header.flags === '01').map((header) => `${header.traceId}-${header.spanId}`);
  t.deepEqual(exportedSpans(env.receiver).map((span) => `${span.traceId}-${span.spanId}`).sort(), expected.sort());
  t.true(expected.length > 0 && expected.length < received.length, `both outcomes among ${received.length} calls (${expected.length} sampled)`);
});

/** A caller's context that counts the contexts derived from it (trace.setSpan and the like go through setValue). */
class CountingContext implements Context {
  derived = 0;
  getValue(key: symbol): unknown {
    return ROOT_CONTEXT.getValue(key);
  }
  setValue(key: symbol, value: unknown): Context {
    this.derived++;
    return ROOT_CONTEXT.setValue(key, value);
  }
  deleteValue(key: symbol): Context {
    this.derived++;
    return ROOT_CONTEXT.deleteValue(key);
  }
}

for (const [ratio, kind] of [[0, 'dropped'], [1, 'recorded']] as const) {
  test.serial(`a ${kind} one-attempt call makes no context of its own, and its callee still learns its span`, async (t) => {
    const env = await setup(t, { sample_ratio: ratio }, {}, 'info');
    const caller = new CountingContext();
    await context.with(caller, () => getBook(env.books, 'b1'));
    await env.finish();
    t.is(caller.derived, 0);
    const [header] = traceparents(env.server);
    t.is(header!.flags, kind === 'recorded' ? '01' : '00');
    t.deepEqual(exportedSpans(env.receiver).map((span) => span.spanId), kind === 'recorded' ? [header!.spanId] : []);
  });
}

/** A tracer that counts the spans it is asked for, handing them on to a real one. */
function countingTracer(inner: Tracer): Tracer & { started: number } {
  const counting = {
    started: 0,
    startSpan: (...args: Parameters<Tracer['startSpan']>): Span => {
      counting.started++;
      return inner.startSpan(...args);
    },
    startActiveSpan: inner.startActiveSpan.bind(inner),
  };
  return counting as Tracer & { started: number };
}

test.serial('a dropped call is decided without the tracer: no span is made for it', (t) => {
  const sampling = new CallSampling(new ParentBasedSampler({ root: new AlwaysOffSampler() }));
  const provider = new TracerProvider({ sampler: sampling.sampler, idGenerator: sampling.ids });
  const tracer = countingTracer(provider.getTracer('test'));
  const started = sampling.start(tracer, 'book.v1.BookService/GetBook', {}, ROOT_CONTEXT);
  t.is(tracer.started, 0);
  t.true('traceId' in started && trace.isSpanContextValid(started) && started.traceFlags === TraceFlags.NONE);
});

test.serial('a kept span is judged once: the tracer takes the decision already made', (t) => {
  let judged = 0;
  const configured = new AlwaysOnSampler();
  const counting: Sampler = {
    shouldSample: () => {
      judged++;
      return configured.shouldSample();
    },
    toString: () => 'counting',
  };
  const sampling = new CallSampling(counting);
  const tracer = new TracerProvider({ sampler: sampling.sampler, idGenerator: sampling.ids }).getTracer('test');
  const started = sampling.start(tracer, 'm', {}, ROOT_CONTEXT);
  t.false('traceId' in started);
  t.is(judged, 1);
  // Any other span the provider starts is judged by the configured sampler as usual.
  tracer.startSpan('other');
  t.is(judged, 2);
});

test.serial('a kept root span carries the very trace id its sampling was decided on', (t) => {
  const sampling = new CallSampling(new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.3) }));
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ sampler: sampling.sampler, idGenerator: sampling.ids, spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const tracer = provider.getTracer('test');
  const rule = new TraceIdRatioBasedSampler(0.3);
  let kept = 0;
  for (let index = 0; index < 2_000; index++) {
    const started = sampling.start(tracer, 'm', {}, ROOT_CONTEXT);
    const spanContext = 'traceId' in started ? started : started.spanContext();
    const sampled = rule.shouldSample(ROOT_CONTEXT, spanContext.traceId).decision === SamplingDecision.RECORD_AND_SAMPLED;
    if ('traceId' in started) t.false(sampled, 'dropped, so the rule drops its trace id');
    else {
      kept++;
      started.end();
      if (!sampled) t.fail(`recorded span ${spanContext.traceId} that the rule drops`);
    }
  }
  t.is(exporter.getFinishedSpans().length, kept);
  t.true(kept > 400 && kept < 800, `${kept} of 2000 kept at 0.3`);
});

test.serial('an id of zeros is never handed out: its last byte becomes 1, as the SDK does', (t) => {
  const ids = new RandomIds((pool) => pool.fill(0));
  t.is(ids.traceId(), `${'0'.repeat(31)}1`);
  t.is(ids.spanId(), `${'0'.repeat(15)}1`);
});
