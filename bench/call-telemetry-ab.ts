// In-process A/B of the per-call telemetry alone: this tree's CallTelemetry against another tree's (e.g.
// a commit unpacked with `git archive <ref> src | tar -x -C /tmp/old`), driven through the engine's five
// hooks with synthetic attempts, in alternated rounds on the same OpenTelemetry providers. No network:
// CPU and heap bytes per call of the telemetry itself, which a loaded machine disturbs little.
//   node bench/call-telemetry-ab.ts /tmp/old/src [production|all|dropped|app-production|app-all] [unary|stream] [--rounds N] [--calls N]
// With ALLOC_SITES=<file> it only writes an allocation profile of this tree's calls there (read it with heap-top.ts).
import { parseArgs } from 'node:util';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { join, resolve } from 'node:path';
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, ExportResultCode, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, TracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace';
import { Metadata, status as Status } from '@grpc/grpc-js';
import { startAllocationMeter } from './allocation.ts';
import { spread } from './stats.ts';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { rounds: { type: 'string', default: '10' }, calls: { type: 'string', default: '20000' } } });
const [otherSrc, profile = 'production', kind = 'unary'] = positionals;
if (!otherSrc) throw new Error('usage: node bench/call-telemetry-ab.ts <other src dir> [production|all|dropped|app-production|app-all] [unary|stream] [--rounds N] [--calls N]');
const rounds = Number(values.rounds);
const callsPerRound = Number(values.calls);
// production: 10% of calls traced; all: every call; dropped: none (what 90% of production calls cost).
const ratio = profile.endsWith('all') ? 1 : profile === 'dropped' ? 0 : 0.1;
const applicationOwned = profile.startsWith('app');
const STREAM_MESSAGES = kind === 'stream' ? 20 : 1;

// OpenTelemetry as init() starts it (or, for app-*, as an application would): spans batched to an exporter that drops them.
const discard: SpanExporter = { export: (_spans, done) => done({ code: ExportResultCode.SUCCESS }), shutdown: async () => {} };
class PullReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}
const ours = await import(pathToFileURL(resolve('src/telemetry/call-sampling.ts')).href);
const sampling = new ours.CallSampling(new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) }));
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
trace.setGlobalTracerProvider(new TracerProvider({ sampler: sampling.sampler, idGenerator: sampling.ids, spanProcessors: [new BatchSpanProcessor({ exporter: discard })] }));
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [new PullReader()] }));

const nowhere = new Writable({ write: (_chunk, _encoding, done) => done() });

/** One tree's CallTelemetry for a BookService-like service, with the recorder init() would choose. */
async function telemetryOf(src: string) {
  const load = (path: string) => import(pathToFileURL(join(src, path)).href);
  const [{ CallTelemetry }, { AggregatingRecorder, InstrumentRecorder }, { createClientInstruments }, { createSdkLogger }, { loadConfig }] = await Promise.all([
    load('telemetry/call-telemetry.ts'),
    load('telemetry/call-metrics.ts'),
    load('telemetry/instruments.ts'),
    load('telemetry/logger.ts'),
    load('config/load.ts'),
  ]);
  const target = 'dns:///127.0.0.1:50051';
  const config = loadConfig({ grpc_clients: { services: [{ name: 'book', address: '127.0.0.1:50051' }], telemetry: { logs: { level: 'info' } } } }, { env: {} }).telemetry;
  return new CallTelemetry({
    service: 'book',
    target,
    host: '127.0.0.1',
    port: 50051,
    tracer: trace.getTracer('grpcclient'),
    ...(applicationOwned ? {} : { sampling }),
    metrics: applicationOwned ? new InstrumentRecorder(createClientInstruments(metrics.getMeter('grpcclient')), target, 'book') : new AggregatingRecorder(target, 'book'),
    logger: createSdkLogger(config.logs, { stream: nowhere }),
    ownLogger: true,
    config,
    metricMethod: (method: string) => method,
  });
}

const METHOD = 'book.v1.BookService/GetBook';
const wire = { getPeer: () => '127.0.0.1:50051' };
const OK = { code: Status.OK, details: 'OK', metadata: new Metadata() };
const final = { ...OK, service: 'book', target: 'dns:///127.0.0.1:50051', method: METHOD, attempts: 1 };

/** The hooks the call engine calls for a one-attempt call, in its order. */
function oneCall(telemetry: Awaited<ReturnType<typeof telemetryOf>>): void {
  const metadata = new Metadata();
  const started = performance.now();
  const call = telemetry.startCall(METHOD, metadata, kind === 'stream');
  telemetry.attemptStarted(call, metadata);
  telemetry.messageSent(call, 12);
  for (let index = 0; index < STREAM_MESSAGES; index++) telemetry.messageReceived(call, 60);
  const ended = performance.now();
  const attempt = { number: 1, wire, startedAt: started, startedAtEpochMs: Date.now(), endedAt: ended, status: OK, peer: '127.0.0.1:50051', sentBytes: 12, rcvdBytes: 60 * STREAM_MESSAGES };
  telemetry.attemptEnded(call, attempt);
  telemetry.callEnded(call, { attempts: [attempt], policy: { kind: 'none' }, servedBy: attempt }, final, ended - started, ended);
}

if (process.env['ALLOC_SITES']) {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  const telemetry = await telemetryOf(resolve('src'));
  for (let index = 0; index < callsPerRound; index++) oneCall(telemetry);
  await session.post('HeapProfiler.startSampling', { samplingInterval: 64, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  for (let index = 0; index < callsPerRound; index++) oneCall(telemetry);
  const { profile } = await session.post('HeapProfiler.stopSampling');
  (await import('node:fs')).writeFileSync(process.env['ALLOC_SITES'], JSON.stringify(profile));
  process.exit(0);
}

const contenders = { this: await telemetryOf(resolve('src')), other: await telemetryOf(resolve(otherSrc)) };
const results = { this: { cpu: [] as number[], bytes: [] as number[] }, other: { cpu: [] as number[], bytes: [] as number[] } };
for (let round = -2; round < rounds; round++) {
  // Two discarded rounds warm the JIT; then the order alternates, so neither always runs first.
  for (const name of round % 2 === 0 ? (['this', 'other'] as const) : (['other', 'this'] as const)) {
    const telemetry = contenders[name];
    const meter = startAllocationMeter();
    const cpu = process.cpuUsage();
    for (let index = 0; index < callsPerRound; index++) oneCall(telemetry);
    const used = process.cpuUsage(cpu);
    const { bytes } = meter.stop();
    if (round < 0) continue;
    results[name].cpu.push(((used.user + used.system) * 1000) / callsPerRound);
    results[name].bytes.push(bytes / callsPerRound);
  }
}
const ratios = results.this.cpu.map((value, index) => value / results.other.cpu[index]!);
const show = (values: number[], digits = 0) => {
  const { median, min, max } = spread(values);
  return `${median.toFixed(digits)} [${min.toFixed(digits)}..${max.toFixed(digits)}]`;
};
console.log(`${profile} ${kind}, ${rounds} rounds x ${callsPerRound} calls; median [min..max]`);
console.log(`  this tree : ${show(results.this.cpu)} ns/call, ${show(results.this.bytes)} B/call`);
console.log(`  ${otherSrc}: ${show(results.other.cpu)} ns/call, ${show(results.other.bytes)} B/call`);
console.log(`  CPU this/other, per round: ${show(ratios, 2)}`);
await Promise.all([trace.getTracerProvider(), metrics.getMeterProvider()].map((provider) => (provider as { shutdown?: () => Promise<void> }).shutdown?.()));
process.exit(0);
