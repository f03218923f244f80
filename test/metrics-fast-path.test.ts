// The SDK's pre-aggregated call metrics (handed to OpenTelemetry through a MetricProducer) equal, bucket
// for bucket, what the OpenTelemetry API instruments record for the same measurements. Real calls of
// every outcome (transparent retries included) feed both recorders at once; two real Prometheus exporters are scraped over HTTP.
import test from 'ava';
import { createServer, type Server } from 'node:http';
import { Metadata, status as Status } from '@grpc/grpc-js';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider, type MetricProducer } from '@opentelemetry/sdk-metrics';
import { ConnectionManager, loadConfig } from '../src/index.ts';
import { AggregatingRecorder, InstrumentRecorder, type CallMetricsRecorder, type MethodSeries } from '../src/telemetry/call-metrics.ts';
import { createClientInstruments } from '../src/telemetry/instruments.ts';
import { CallMetricsProducer } from '../src/telemetry/metric-producer.ts';
import { callTelemetryFor } from './helpers/call-telemetry.ts';
import { getBook, getBookError, streamBooks } from './helpers/calls.ts';
import { BookService } from './helpers/protos.ts';
import { startRefusingProxy } from './helpers/refusing-proxy.ts';
import { startBookServer } from './helpers/servers.ts';

/** Records every measurement into both recorders, with the same values. */
class TeeRecorder implements CallMetricsRecorder {
  private readonly left: CallMetricsRecorder;
  private readonly right: CallMetricsRecorder;
  constructor(left: CallMetricsRecorder, right: CallMetricsRecorder) {
    this.left = left;
    this.right = right;
  }
  series(metricMethod: string): MethodSeries {
    const left = this.left.series(metricMethod);
    const right = this.right.series(metricMethod);
    return {
      attemptStarted: () => (left.attemptStarted(), right.attemptStarted()),
      attemptEnded: (...args) => (left.attemptEnded(...args), right.attemptEnded(...args)),
      callEnded: (...args) => (left.callEnded(...args), right.callEnded(...args)),
    };
  }
}

/** A Prometheus exporter served on 127.0.0.1:0; returns a function that scrapes it. */
async function prometheusEndpoint(t: import('ava').ExecutionContext, metricProducers: MetricProducer[]) {
  const exporter = new PrometheusExporter({ preventServerStart: true, metricProducers });
  const provider = new MeterProvider({ readers: [exporter] });
  const server: Server = createServer((request, response) => exporter.getMetricsRequestHandler(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(async () => {
    server.close();
    await provider.shutdown();
  });
  const { port } = server.address() as { port: number };
  return { provider, scrape: async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text() };
}

/** The grpc_client_* sample lines of a scrape, without the scope labels that name who recorded them. */
function callSamples(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('grpc_client_'))
    .map((line) => line.replace(/,?otel_scope_[a-z_]+="[^"]*"/g, '').replace('{,', '{'))
    .sort();
}

test('fast-path metrics equal the API instruments bucket for bucket, for calls of every outcome', async (t) => {
  let calls = 0;
  const pushback = new Metadata();
  pushback.set('grpc-retry-pushback-ms', '1');
  const server = await startBookServer({
    onGetBook: (call) => {
      calls++;
      if (call.request.id === 'flaky' && calls % 2 === 1) return { code: Status.UNAVAILABLE, details: 'once', trailers: pushback };
      if (call.request.id === 'boom') return { code: Status.INTERNAL, details: 'boom' };
    },
  });
  // Every 7th stream is refused and retried transparently.
  const proxy = await startRefusingProxy(server.address, (stream) => stream % 7 === 0);
  t.teardown(async () => {
    await proxy.close();
    await server.stop();
  });
  const address = proxy.address;

  const producer = new CallMetricsProducer();
  const fast = await prometheusEndpoint(t, [producer]);
  const api = await prometheusEndpoint(t, []);
  const config = loadConfig({ grpc_clients: { services: [{ name: 'books', address, retry: { max: 2 } }] } }, { env: {} }).services[0]!;
  const aggregating = new AggregatingRecorder(`dns:///${address}`, 'books');
  producer.add(aggregating);
  const instruments = createClientInstruments(api.provider.getMeter('grpcclient'));
  const recorder = new TeeRecorder(aggregating, new InstrumentRecorder(instruments, `dns:///${address}`, 'books'));
  const manager = new ConnectionManager({ telemetryFor: (service) => callTelemetryFor(service, recorder) });
  manager.register(config);
  t.teardown(() => manager.close(0));
  const client = manager.client('books', BookService);

  for (let index = 0; index < 20; index++) await getBook(client, 'b1');
  for (let index = 0; index < 5; index++) await getBookError(client, 'missing');
  for (let index = 0; index < 3; index++) await getBookError(client, 'boom');
  for (let index = 0; index < 4; index++) await getBookError(client, 'flaky'); // UNAVAILABLE, then NOT_FOUND on the retry
  for (let index = 0; index < 3; index++) await streamBooks(client, 3);

  const [fastText, apiText] = await Promise.all([fast.scrape(), api.scrape()]);
  const fastSamples = callSamples(fastText);
  t.true(fastSamples.some((line) => line.startsWith('grpc_client_call_retries_bucket')), 'the retried calls are in the scrape');
  t.true(fastSamples.some((line) => line.startsWith('grpc_client_call_transparent_retries_bucket')), 'and the transparently retried ones');
  t.true(fastSamples.some((line) => line.includes('grpc_status="INTERNAL"')));
  t.true(fastSamples.length > 100, `${fastSamples.length} sample lines`);
  t.deepEqual(fastSamples, callSamples(apiText));
  // The same names, units and help texts too.
  const meta = (text: string) => text.split('\n').filter((line) => /^# (HELP|TYPE) grpc_client_/.test(line)).sort();
  t.deepEqual(meta(fastText), meta(apiText));
});
