// The OpenTelemetry lifecycle init() runs: which settings win, what the resource carries, sampling,
// metric producers, export failures, and a shutdown that neither hangs nor rejects on a dead collector.
// Real OTLP HTTP endpoints and Prometheus scrapes; serial, because OpenTelemetry globals are process-wide.
import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { propagation, trace, ValueType, type TracerProvider } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type MetricProducer } from '@opentelemetry/sdk-metrics';
import winston from 'winston';
import { init, loadConfig } from '../src/index.ts';
import { globalProvidersRegistered, startOpenTelemetry } from '../src/telemetry/sdk.ts';
import { startOtlpReceiver, type OtlpReceiver } from './helpers/otlp-receiver.ts';
import { BookService } from './helpers/protos.ts';
import { deadPort } from './helpers/servers.ts';

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
  return (trace.getTracerProvider() as TracerProvider & { getDelegate(): TracerProvider }).getDelegate() as unknown as { forceFlush(): Promise<void> };
}

// The exporter's own timeout in the two dead-collector tests: a shutdown bounded by it, not by flush_timeout, would take seconds.
const EXPORTER_TIMEOUT_MS = 10_000;

test.serial('shutdown() resolves within flush_timeout, without rejecting, when the collector port is closed', async (t) => {
  const collector = `http://127.0.0.1:${await deadPort()}`;
  const { logger, lines } = capturedLogger();
  const sdk = await initWith({ flush_timeout: '300ms', export_timeout: `${EXPORTER_TIMEOUT_MS}ms`, traces: { exporter: 'otlp', endpoint: collector }, metrics: { exporter: 'otlp', endpoint: collector } }, { logger });
  t.teardown(() => sdk.shutdown());
  endSpans(5);
  const started = performance.now();
  await t.notThrowsAsync(sdk.shutdown());
  const elapsed = performance.now() - started;
  // The exporter retries a refused connection after about a second, so only flush_timeout can have ended the wait.
  t.true(lines.some((line) => line.includes('did not finish within flush_timeout (300ms)')), lines.join(''));
  t.true(elapsed < EXPORTER_TIMEOUT_MS / 2, `took ${elapsed.toFixed(0)}ms`);
  t.false(globalProvidersRegistered(), 'the globals are unregistered even though the flush was cut short');
});

test.serial('shutdown() resolves within flush_timeout when the collector accepts connections and never answers', async (t) => {
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => sockets.add(socket));
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    silent.close();
  });
  const collector = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
  const { logger, lines } = capturedLogger();
  const sdk = await initWith({ flush_timeout: '300ms', export_timeout: `${EXPORTER_TIMEOUT_MS}ms`, traces: { exporter: 'otlp', endpoint: collector }, metrics: { exporter: 'otlp', endpoint: collector } }, { logger });
  t.teardown(() => sdk.shutdown());
  endSpans(5);
  const connected = once(silent, 'connection');
  const started = performance.now();
  await t.notThrowsAsync(sdk.shutdown());
  const elapsed = performance.now() - started;
  await connected; // the final export really did reach the stuck collector
  t.true(lines.some((line) => line.includes('did not finish within flush_timeout (300ms)')), lines.join(''));
  t.true(elapsed < EXPORTER_TIMEOUT_MS / 2, `took ${elapsed.toFixed(0)}ms`);
});

test.serial('with handleSignals and the collector down, SIGTERM ends the process within drain + flush_timeout', async (t) => {
  const collector = `http://127.0.0.1:${await deadPort()}`;
  const child = spawn(process.execPath, [fileURLToPath(new URL('fixtures/telemetry-signal-process.ts', import.meta.url))], { env: { ...process.env, COLLECTOR: collector }, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit');
  while (!stdout.includes('ready\n')) stdout += ((await once(child.stdout, 'data')) as [Buffer])[0].toString();
  const signalled = performance.now();
  child.kill('SIGTERM');
  const [, signal] = (await exited) as [number | null, NodeJS.Signals | null];
  const elapsed = performance.now() - signalled;
  t.is(signal, 'SIGTERM', stderr);
  // Nothing to drain; without the flush bound the exporter's 10s timeout and retries would set the pace.
  t.true(elapsed < EXPORTER_TIMEOUT_MS / 2, `took ${elapsed.toFixed(0)}ms`);
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
