// The OpenTelemetry lifecycle init() runs: which settings win, what the resource carries, sampling,
// metric producers, export failures, the application's own providers, and a shutdown that neither hangs nor
// rejects on a dead collector and after which the process exits at once (service child processes, timed).
// Real OTLP HTTP endpoints and Prometheus scrapes; serial, because OpenTelemetry globals are process-wide.
import test from 'ava';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { metrics, propagation, trace, ValueType, type TracerProvider as ApiTracerProvider } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, MeterProvider, PeriodicExportingMetricReader, type MetricProducer } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import winston from 'winston';
import { init, loadConfig } from '../src/index.ts';
import { globalProvidersRegistered } from '../src/telemetry/app-providers.ts';
import { startOpenTelemetry } from '../src/telemetry/sdk.ts';
import { getBook } from './helpers/calls.ts';
import { startOtlpReceiver, type OtlpReceiver } from './helpers/otlp-receiver.ts';
import { BookService } from './helpers/protos.ts';
import { deadPort, startBookServer } from './helpers/servers.ts';

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; arrayValue?: unknown };
}
interface OtlpTraces {
  resourceSpans: { resource: { attributes: OtlpAttribute[] }; scopeSpans: { spans: { name: string }[] }[] }[];
}
interface OtlpMetrics {
  resourceMetrics: { scopeMetrics: { metrics: { name: string }[] }[] }[];
}

/** A winston logger whose lines the test reads. */
function capturedLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: winston.createLogger({ level: 'debug', format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] }) };
}

/** init() of one lazy service (nothing connects) with this telemetry config. */
function initWith(telemetry: object, options: { env?: NodeJS.ProcessEnv; service?: string; logger?: winston.Logger } = {}) {
  return init({
    config: { grpc_clients: { telemetry, services: [{ name: 'book-service', address: '127.0.0.1:1' }] } },
    clients: { 'book-service': BookService },
    env: options.env ?? {},
    ...(options.service ? { service: options.service } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
}

/** The config init() would hand to the SDK, defaults filled in. */
function telemetryConfig(telemetry: object) {
  return loadConfig({ grpc_clients: { telemetry, services: [{ name: 'x', address: '127.0.0.1:1' }] } }, { env: {} }).telemetry;
}

function endSpans(count: number): void {
  const tracer = trace.getTracer('lifecycle-test');
  for (let index = 0; index < count; index++) tracer.startSpan(`span-${index}`).end();
}

function exportedSpans(receiver: OtlpReceiver): { name: string }[] {
  return ((receiver.received.get('/v1/traces') ?? []) as OtlpTraces[]).flatMap((body) => body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));
}

function resourceAttributes(receiver: OtlpReceiver): Map<string, OtlpAttribute['value']> {
  const body = (receiver.received.get('/v1/traces') as OtlpTraces[] | undefined)?.[0];
  return new Map(body?.resourceSpans[0]?.resource.attributes.map((attribute) => [attribute.key, attribute.value]));
}

async function withReceiver(t: { teardown(fn: () => unknown): void }): Promise<OtlpReceiver> {
  const receiver = await startOtlpReceiver();
  t.teardown(() => receiver.close());
  return receiver;
}

/** The SDK's tracer provider, for a flush the test controls. */
function sdkTracerProvider(): { forceFlush(): Promise<void> } {
  return (trace.getTracerProvider() as ApiTracerProvider & { getDelegate(): ApiTracerProvider }).getDelegate() as unknown as { forceFlush(): Promise<void> };
}

/** A collector that accepts connections and never answers (a stuck proxy, a hung collector). */
async function silentCollector(t: { teardown(fn: () => unknown): void }) {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => sockets.add(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

test.serial('shutdown() resolves within flush_timeout when the collector accepts connections and never answers, and unregisters the globals', async (t) => {
  const silent = await silentCollector(t);
  const { logger, lines } = capturedLogger();
  // The exporter's own timeout is far longer: only flush_timeout can end the wait.
  const sdk = await initWith({ flush_timeout: '300ms', export_timeout: '10s', traces: { exporter: 'otlp', endpoint: silent.url }, metrics: { exporter: 'otlp', endpoint: silent.url } }, { logger });
  t.teardown(() => sdk.shutdown());
  endSpans(5);
  const connected = once(silent.server, 'connection');
  const started = performance.now();
  await t.notThrowsAsync(sdk.shutdown());
  const elapsed = performance.now() - started;
  await connected; // the final export really did reach the stuck collector
  t.true(lines.some((line) => line.includes('did not finish within flush_timeout (300ms)')), lines.join(''));
  t.true(elapsed < 5_000, `took ${elapsed.toFixed(0)}ms`);
  t.false(globalProvidersRegistered(), 'the globals are unregistered even though the flush was cut short');
});

// ---- The process's end, timed from outside: a service child process, refused / silent / "not ready" collectors.

const EXIT_SCRIPT = fileURLToPath(new URL('fixtures/telemetry-exit-process.ts', import.meta.url));
/**
 * The rule is 200 ms for shutdown() with a refused collector (a few tens on an idle machine). The bound leaves
 * room for a busy 2-core machine and is still below what any wait on the exporter's retries costs (>= 800 ms).
 */
const AT_ONCE_MS = 700;
/** Exit after shutdown() resolved: a process with nothing left exits in tens of ms; a retry timer or a hung socket holds it >= 800 ms. */
const EXIT_LAG_MS = 500;

interface ExitRun {
  /** shutdown() as the child timed it. */
  shutdownMs: number;
  /** From the child's "shutdown resolved" line to its 'exit' event. */
  exitLagMs: number;
  /** Everything the child wrote (its SDK logs included) before and after that line. */
  before: string;
  after: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Runs the service fixture; once it is ready, `stop` starts its shutdown (a line on stdin, or SIGTERM). */
async function runToExit(t: { teardown(fn: () => unknown): void }, env: Record<string, string>, stop: (child: ChildProcessWithoutNullStreams) => void | Promise<void>): Promise<ExitRun> {
  const child = spawn(process.execPath, [EXIT_SCRIPT], { env: { ...process.env, ...env } });
  t.teardown(() => child.kill('SIGKILL'));
  // A process that never ends fails the test after 20s instead of hanging it.
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  let stdout = '';
  let stderr = '';
  let resolvedAt: number | undefined;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (resolvedAt === undefined && /shutdown resolved \d+\n/.test(stdout)) resolvedAt = performance.now();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit');
  while (!stdout.includes('ready\n')) await Promise.race([once(child.stdout, 'data'), exited]);
  await stop(child);
  const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
  const exitAt = performance.now();
  clearTimeout(killer);
  const marker = /shutdown resolved (\d+)\n/.exec(stdout);
  if (!marker || resolvedAt === undefined) throw new Error(`shutdown() never resolved (exit ${code ?? signal})\n${stdout}\n${stderr}`);
  return { shutdownMs: Number(marker[1]), exitLagMs: exitAt - resolvedAt, before: stdout.slice(0, marker.index), after: stdout.slice(marker.index + marker[0].length) + stderr, code, signal };
}

const shutdownNow = (child: ChildProcessWithoutNullStreams) => void child.stdin.write('now\n');
const sigterm = (child: ChildProcessWithoutNullStreams) => void child.kill('SIGTERM');

async function bookServer(t: { teardown(fn: () => unknown): void }) {
  const server = await startBookServer();
  t.teardown(() => server.stop());
  return server.address;
}

for (const [how, stop, ends] of [
  ['await shutdown()', shutdownNow, { code: 0, signal: null }],
  ['handleSignals + SIGTERM', sigterm, { code: null, signal: 'SIGTERM' }],
] as const) {
  test.serial(`${how}, collector port refused: shutdown() resolves at once, the process exits right after and logs nothing more`, async (t) => {
    const collector = `http://127.0.0.1:${await deadPort()}`;
    // A flush_timeout far above the bound: waiting for it, or for a retry, fails the test.
    const run = await runToExit(t, { ADDRESS: await bookServer(t), COLLECTOR: collector, MODE: how === 'await shutdown()' ? 'shutdown' : 'signal', FLUSH_TIMEOUT: '5s' }, stop);
    t.log(`shutdown ${run.shutdownMs}ms, exit ${run.exitLagMs.toFixed(0)}ms after`);
    t.true(run.shutdownMs < AT_ONCE_MS, `shutdown() took ${run.shutdownMs}ms`);
    t.true(run.exitLagMs < EXIT_LAG_MS, `the process lived ${run.exitLagMs.toFixed(0)}ms after shutdown() resolved`);
    t.is(run.after, '', 'nothing is written after shutdown() resolved');
    t.regex(run.before, /traces export \(otlp\) failed: connect ECONNREFUSED/, 'the dropped export is reported, before shutdown() resolves');
    t.notRegex(run.before, /shutdown failed/, 'once: not again as a failed shutdown');
    t.like(run, ends);
  });

  test.serial(`${how}, collector accepts and never answers: shutdown() ends at flush_timeout, the process exits right after and logs nothing more`, async (t) => {
    const silent = await silentCollector(t);
    const run = await runToExit(t, { ADDRESS: await bookServer(t), COLLECTOR: silent.url, MODE: how === 'await shutdown()' ? 'shutdown' : 'signal', FLUSH_TIMEOUT: '1s' }, stop);
    t.log(`shutdown ${run.shutdownMs}ms, exit ${run.exitLagMs.toFixed(0)}ms after`);
    t.true(run.shutdownMs >= 1_000 && run.shutdownMs < 1_000 + AT_ONCE_MS, `shutdown() took ${run.shutdownMs}ms`);
    t.true(run.exitLagMs < EXIT_LAG_MS, `the process lived ${run.exitLagMs.toFixed(0)}ms after shutdown() resolved (the export timeout is 5s)`);
    t.is(run.after, '', 'nothing is written after shutdown() resolved');
    t.regex(run.before, /did not finish within flush_timeout \(1000ms\)/);
    t.like(run, ends);
  });
}

test.serial('a span export waiting to retry a collector that is not ready (503) when shutdown() starts holds up neither shutdown() nor the exit', async (t) => {
  const collector = await startOtlpReceiver({ status: 503 });
  t.teardown(() => collector.close());
  // Batches go out 50ms after a span ends: the calls' spans are in the exporter's backoff when the shutdown comes.
  const run = await runToExit(t, { ADDRESS: await bookServer(t), COLLECTOR: collector.url, MODE: 'shutdown', FLUSH_TIMEOUT: '5s', BSP_DELAY: '50' }, async (child) => {
    await collector.waitFor('/v1/traces', () => true);
    shutdownNow(child);
  });
  t.log(`shutdown ${run.shutdownMs}ms, exit ${run.exitLagMs.toFixed(0)}ms after`);
  t.true(run.shutdownMs < AT_ONCE_MS, `shutdown() took ${run.shutdownMs}ms`);
  t.true(run.exitLagMs < EXIT_LAG_MS, `the process lived ${run.exitLagMs.toFixed(0)}ms after shutdown() resolved`);
  t.is(run.after, '');
  t.is(run.code, 0);
});

test.serial('a healthy collector gets the last spans at shutdown(), and the process exits right after', async (t) => {
  const collector = await withReceiver(t);
  const run = await runToExit(t, { ADDRESS: await bookServer(t), COLLECTOR: collector.url, MODE: 'shutdown' }, shutdownNow);
  t.log(`shutdown ${run.shutdownMs}ms, exit ${run.exitLagMs.toFixed(0)}ms after`);
  t.is(exportedSpans(collector).length, 3, 'one span per call');
  t.true(run.exitLagMs < EXIT_LAG_MS, `the process lived ${run.exitLagMs.toFixed(0)}ms after shutdown() resolved`);
  t.is(run.after + run.before.replace('ready\n', ''), '', 'nothing logged at all');
});

// ---- Providers the application registered itself (as @opentelemetry/sdk-node does): real SDK providers, stock exporters.

/** The application's tracer and meter providers, registered as its globals, exporting (stock OTLP exporters) to `base`. */
function registerAppProviders(t: { teardown(fn: () => unknown): void }, base: string, exporterTimeoutMs: number) {
  // Long intervals: nothing leaves unless someone flushes.
  const tracerProvider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${base}/v1/traces`, timeoutMillis: exporterTimeoutMs }), scheduledDelayMillis: 60_000 })] });
  const meterProvider = new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${base}/v1/metrics`, timeoutMillis: exporterTimeoutMs }), exportIntervalMillis: 60_000, exportTimeoutMillis: exporterTimeoutMs })],
  });
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  t.teardown(async () => {
    trace.disable();
    metrics.disable();
    // Against the stuck collector their last export fails: the application's business, not this test's.
    await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]);
  });
  return { tracerProvider, meterProvider };
}

test.serial("the application's own providers, nothing recorded there by grpcclient: shutdown() does not wait for them and leaves them running", async (t) => {
  const silent = await silentCollector(t);
  // The application's exporters outwait flush_timeout on the stuck collector: a flush of theirs would cost all of it.
  const app = registerAppProviders(t, silent.url, 3_000);
  app.tracerProvider.getTracer('app').startSpan('app-work').end();
  app.meterProvider.getMeter('app').createCounter('app.requests').add(1);
  const { logger, lines } = capturedLogger();
  const sdk = await initWith({ flush_timeout: '1500ms' }, { logger });
  const started = performance.now();
  await sdk.shutdown();
  const elapsed = performance.now() - started;
  t.true(elapsed < 750, `shutdown() took ${elapsed.toFixed(0)}ms`);
  t.deepEqual(lines.filter((line) => line.includes('"warn"')), []);
  t.true(trace.getTracer('app').startSpan('after').isRecording(), "the application's tracer provider is still registered and running");
  t.true(globalProvidersRegistered());
});

test.serial("the application's own providers: what grpcclient recorded there is flushed by shutdown(), and the providers stay the application's", async (t) => {
  const receiver = await withReceiver(t);
  const app = registerAppProviders(t, receiver.url, 5_000);
  const server = await startBookServer();
  t.teardown(() => server.stop());
  const sdk = await init({ config: { grpc_clients: { services: [{ name: 'book-service', address: server.address }] } }, clients: { 'book-service': BookService }, env: {} });
  await getBook(sdk.clients['book-service'], 'b1');
  await sdk.shutdown();
  t.deepEqual(exportedSpans(receiver).map((span) => span.name), ['book.v1.BookService/GetBook'], 'the call span was flushed');
  const metricNames = ((receiver.received.get('/v1/metrics') ?? []) as OtlpMetrics[]).flatMap((body) => body.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.map((metric) => metric.name))));
  t.true(metricNames.includes('grpc.client.call.duration'), metricNames.join(', '));
  // Not shut down: the application's provider still records and exports.
  trace.getTracer('app').startSpan('after').end();
  await app.tracerProvider.forceFlush();
  t.deepEqual(exportedSpans(receiver).map((span) => span.name), ['book.v1.BookService/GetBook', 'after']);
});

test.serial('the exported resource leaves out the process command line unless resource.process_command is set', async (t) => {
  const secretFree = await withReceiver(t);
  const plain = await initWith({ traces: { exporter: 'otlp', endpoint: secretFree.url }, metrics: { exporter: 'none' } }, { env: { OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=staging' } });
  endSpans(1);
  await plain.shutdown();
  const attributes = resourceAttributes(secretFree);
  t.is(attributes.get('process.pid') !== undefined, true, 'the process detector ran');
  t.is(attributes.get('deployment.environment')?.stringValue, 'staging', 'OTEL_RESOURCE_ATTRIBUTES is read from the env init() was given');
  for (const name of ['process.command', 'process.command_line', 'process.command_args', 'process.executable.path']) t.false(attributes.has(name), name);
  t.false(JSON.stringify(secretFree.received.get('/v1/traces')).includes(process.execPath), 'the executable path appears nowhere, not even in the default service.name');

  const withCommand = await withReceiver(t);
  const opted = await initWith({ resource: { process_command: true }, traces: { exporter: 'otlp', endpoint: withCommand.url }, metrics: { exporter: 'none' } });
  endSpans(1);
  await opted.shutdown();
  const optedAttributes = resourceAttributes(withCommand);
  t.is(optedAttributes.get('process.executable.path')?.stringValue, process.execPath);
  t.true(optedAttributes.has('process.command_args'));
});

test.serial('OTEL_SERVICE_NAME wins over init({ service }), which wins over telemetry.service_name', async (t) => {
  const cases = [
    { env: { OTEL_SERVICE_NAME: 'from-env' }, service: 'from-init', expected: 'from-env' },
    { env: {}, service: 'from-init', expected: 'from-init' },
    { env: {}, service: undefined, expected: 'from-config' },
  ];
  for (const { env, service, expected } of cases) {
    const receiver = await withReceiver(t);
    const sdk = await initWith({ service_name: 'from-config', traces: { exporter: 'otlp', endpoint: receiver.url }, metrics: { exporter: 'none' } }, { env, ...(service ? { service } : {}) });
    endSpans(1);
    await sdk.shutdown();
    t.is(resourceAttributes(receiver).get('service.name')?.stringValue, expected);
  }
});

test.serial('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT wins over OTEL_EXPORTER_OTLP_ENDPOINT and the config', async (t) => {
  const generic = await withReceiver(t);
  const specific = await withReceiver(t);
  const configured = await withReceiver(t);
  const sdk = await initWith(
    { traces: { exporter: 'otlp', endpoint: configured.url }, metrics: { exporter: 'none' } },
    { env: { OTEL_EXPORTER_OTLP_ENDPOINT: generic.url, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${specific.url}/v1/traces` } },
  );
  endSpans(3);
  await sdk.shutdown();
  t.is(exportedSpans(specific).length, 3);
  t.deepEqual([...generic.received.keys(), ...configured.received.keys()], []);
});

test.serial('sample_ratio 0 exports no span, 1 exports every span, and OTEL_TRACES_SAMPLER overrides it', async (t) => {
  const cases = [
    { ratio: 0, env: {}, expected: 0 },
    { ratio: 1, env: {}, expected: 20 },
    { ratio: 1, env: { OTEL_TRACES_SAMPLER: 'always_off' }, expected: 0 },
    { ratio: 0, env: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '1' }, expected: 20 },
  ];
  for (const { ratio, env, expected } of cases) {
    const receiver = await withReceiver(t);
    const sdk = await initWith({ traces: { exporter: 'otlp', endpoint: receiver.url, sample_ratio: ratio }, metrics: { exporter: 'none' } }, { env });
    endSpans(20);
    await sdk.shutdown(); // the final flush waits for the receiver's answer
    t.is(exportedSpans(receiver).length, expected, `ratio ${ratio}, ${JSON.stringify(env)}`);
  }
});

test.serial('OTEL_PROPAGATORS chooses among tracecontext and baggage; none registers no propagator', async (t) => {
  for (const [value, fields] of [
    [undefined, ['traceparent', 'tracestate', 'baggage']],
    ['tracecontext', ['traceparent', 'tracestate']],
    ['none', []],
    ['baggage,none', []],
  ] as const) {
    const sdk = await initWith({ traces: { exporter: 'none' }, metrics: { exporter: 'none' } }, { env: value ? { OTEL_PROPAGATORS: value } : {} });
    t.deepEqual(propagation.fields(), [...fields], String(value));
    await sdk.shutdown();
  }
});

test.serial('OTEL_SDK_DISABLED=true starts no providers', async (t) => {
  const receiver = await withReceiver(t);
  const sdk = await initWith({ traces: { exporter: 'otlp', endpoint: receiver.url }, metrics: { exporter: 'none' } }, { env: { OTEL_SDK_DISABLED: 'true' } });
  t.false(globalProvidersRegistered());
  endSpans(1);
  await sdk.shutdown();
  t.deepEqual([...receiver.received.keys()], []);
});

test.serial('two init()s share one SDK: the first shutdown() leaves it running, the last unregisters the globals', async (t) => {
  const receiver = await withReceiver(t);
  const telemetry = { traces: { exporter: 'otlp', endpoint: receiver.url }, metrics: { exporter: 'none' } };
  const first = await initWith(telemetry);
  const second = await initWith(telemetry);
  await first.shutdown();
  t.true(globalProvidersRegistered());
  endSpans(2);
  await second.shutdown();
  t.false(globalProvidersRegistered());
  t.is(exportedSpans(receiver).length, 2, 'spans made after the first shutdown() are still exported');
});

test.serial('metric producers handed to startOpenTelemetry reach every reader: a Prometheus scrape and OTLP', async (t) => {
  const receiver = await withReceiver(t);
  const port = await deadPort();
  const producer: MetricProducer = {
    async collect() {
      const now = process.hrtime();
      return {
        errors: [],
        resourceMetrics: {
          resource: resourceFromAttributes({}),
          scopeMetrics: [
            {
              scope: { name: 'call-engine' },
              metrics: [
                {
                  descriptor: { name: 'engine.fast_calls', description: 'calls on the fast path', unit: '', valueType: ValueType.INT },
                  aggregationTemporality: AggregationTemporality.CUMULATIVE,
                  dataPointType: DataPointType.SUM,
                  isMonotonic: true,
                  dataPoints: [{ startTime: now, endTime: now, attributes: { lane: 'fast' }, value: 42 }],
                },
              ],
            },
          ],
        },
      };
    },
  };
  const config = telemetryConfig({ traces: { exporter: 'none' }, metrics: { exporter: 'both', endpoint: receiver.url, prometheus_host: '127.0.0.1', prometheus_port: port } });
  const otel = await startOpenTelemetry(config, { env: {}, warn: (message) => t.log(message), metricProducers: [producer] });
  t.teardown(() => otel.shutdown());
  const scrape = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  t.regex(scrape, /engine_fast_calls_total\{[^}]*lane="fast"[^}]*\} 42/);
  await otel.shutdown(); // the final OTLP export
  const names = ((receiver.received.get('/v1/metrics') ?? []) as OtlpMetrics[]).flatMap((body) => body.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.map((metric) => metric.name))));
  t.true(names.includes('engine.fast_calls'), names.join(', '));
});

test.serial('a failing exporter is warned about at most once a minute, and every failed export is counted', async (t) => {
  const collector = `http://127.0.0.1:${await deadPort()}`;
  const port = await deadPort();
  let now = 1_000_000;
  const warnings: string[] = [];
  // export_timeout below the exporter's shortest first retry delay (1s - 20% jitter): each export is one refused attempt.
  const config = telemetryConfig({ export_timeout: '750ms', traces: { exporter: 'otlp', endpoint: collector }, metrics: { exporter: 'prometheus', prometheus_host: '127.0.0.1', prometheus_port: port } });
  const otel = await startOpenTelemetry(config, { env: {}, warn: (message) => warnings.push(message), now: () => now });
  t.teardown(() => otel.shutdown());
  const failedExport = async (at: number) => {
    now = at;
    endSpans(1);
    // The flush reports the export's failure; the SDK must only count and warn, which the test reads below.
    await sdkTracerProvider().forceFlush().catch(() => {});
  };
  await failedExport(1_000_000);
  await failedExport(1_030_000);
  await failedExport(1_059_999);
  const traceWarnings = () => warnings.filter((line) => line.includes('traces export (otlp) failed'));
  t.is(traceWarnings().length, 1, warnings.join('\n'));
  await failedExport(1_060_000);
  t.is(traceWarnings().length, 2);
  const scrape = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  t.regex(scrape, /grpcclient_telemetry_export_failures_total\{[^}]*signal="traces",exporter="otlp"[^}]*\} 4/);
});
