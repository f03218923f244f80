// The exporters init() starts when the application registered no OpenTelemetry providers: OTLP over
// HTTP to a real endpoint, and a Prometheus scrape endpoint that a real Prometheus scrapes and queries.
import test from 'ava';
import { init } from '../src/index.ts';
import { getBook } from './helpers/calls.ts';
import { startOtlpReceiver } from './helpers/otlp-receiver.ts';
import { scrapeJob, startPrometheus } from './helpers/prometheus.ts';
import { BookService } from './helpers/protos.ts';
import { deadPort, startBookServer } from './helpers/servers.ts';
import { PROMETHEUS, testNeeding } from './helpers/tools.ts';

interface OtlpSpan {
  name: string;
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
}
interface OtlpTraces {
  resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
}
interface OtlpMetrics {
  resourceMetrics: { scopeMetrics: { metrics: { name: string; unit: string }[] }[] }[];
}

const P99_BY_METHOD = 'histogram_quantile(0.99, sum by (le, grpc_method) (rate(grpc_client_call_duration_bucket[1m])))';

testNeeding([PROMETHEUS], 'spans and metrics go out over OTLP HTTP, and Prometheus scrapes the standard names', async (t) => {
  const receiver = await startOtlpReceiver();
  const server = await startBookServer();
  const scrapePort = await deadPort();
  const sdk = await init({
    config: {
      grpc_clients: {
        telemetry: {
          service_name: 'export-test',
          traces: { exporter: 'otlp', endpoint: receiver.url },
          metrics: { exporter: 'both', endpoint: receiver.url, prometheus_host: '127.0.0.1', prometheus_port: scrapePort, export_interval: '1s' },
        },
        services: [{ name: 'book-service', address: server.address }],
      },
    },
    clients: { 'book-service': BookService },
    env: {},
  });
  const prometheus = await startPrometheus([scrapeJob('sdk', [`http://127.0.0.1:${scrapePort}/metrics`])]);
  try {
    // Traffic keeps flowing while Prometheus collects the two scrapes rate() needs.
    const traffic = setInterval(() => void getBook(sdk.clients['book-service'], 'b1'), 100);
    let result: Awaited<ReturnType<typeof prometheus.query>> = [];
    const giveUpAt = Date.now() + 60_000;
    try {
      while (Date.now() < giveUpAt) {
        result = (await prometheus.query(P99_BY_METHOD)).filter((sample) => Number.isFinite(Number(sample.value[1])));
        if (result.length > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 500)); // Prometheus offers no push signal for "data ingested".
      }
    } finally {
      clearInterval(traffic);
    }
    t.deepEqual(result.map((sample) => sample.metric['grpc_method']), ['book.v1.BookService/GetBook']);
    t.true(Number(result[0]!.value[1]) > 0 && Number(result[0]!.value[1]) < 1, 'a p99 in seconds');

    const scrape = await (await fetch(`http://127.0.0.1:${scrapePort}/metrics`)).text();
    for (const name of ['grpc_client_attempt_started_total', 'grpc_client_call_duration_bucket', 'grpc_client_attempt_duration_bucket', 'grpcclient_channel_state', 'grpcclient_channel_info']) {
      t.true(scrape.includes(name), name);
    }
    t.regex(scrape, /grpcclient_channel_state\{[^}]*state="READY"[^}]*\} 1/);

    await sdk.shutdown(); // flushes both OTLP pipelines
    const traces = (await receiver.waitFor('/v1/traces', () => true)) as OtlpTraces;
    const resource = traces.resourceSpans[0]!.resource.attributes.find((attribute) => attribute.key === 'service.name');
    t.is(resource?.value.stringValue, 'export-test');
    const spans = (receiver.received.get('/v1/traces') as OtlpTraces[]).flatMap((body) => body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));
    t.true(spans.length > 0 && spans.every((span) => span.name === 'book.v1.BookService/GetBook' && span.kind === 3 /* CLIENT */));
    const metricNames = new Set(
      (receiver.received.get('/v1/metrics') as OtlpMetrics[]).flatMap((body) => body.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.map((metric) => metric.name)))),
    );
    for (const name of ['grpc.client.call.duration', 'grpc.client.attempt.started', 'grpc.subchannel.connection_attempts_succeeded', 'grpcclient.channel.state']) t.true(metricNames.has(name), name);
    const scrapeAfter = await fetch(`http://127.0.0.1:${scrapePort}/metrics`).then(
      () => 'answered',
      () => 'closed',
    );
    t.is(scrapeAfter, 'closed', 'shutdown stops the Prometheus endpoint');
  } finally {
    await prometheus.stop();
    await sdk.shutdown();
    await server.stop();
    await receiver.close();
  }
}, { serial: true });

test.serial('an init() after an earlier one shut down starts OpenTelemetry again and exports', async (t) => {
  const server = await startBookServer();
  t.teardown(() => server.stop());
  for (const round of [1, 2]) {
    const receiver = await startOtlpReceiver();
    const sdk = await init({
      config: {
        grpc_clients: {
          telemetry: { service_name: `round-${round}`, traces: { exporter: 'otlp', endpoint: receiver.url }, metrics: { exporter: 'none' } },
          services: [{ name: 'book-service', address: server.address }],
        },
      },
      clients: { 'book-service': BookService },
      env: {},
    });
    await getBook(sdk.clients['book-service'], 'b1');
    await sdk.shutdown();
    const traces = (await receiver.waitFor('/v1/traces', () => true)) as OtlpTraces;
    t.is(traces.resourceSpans[0]!.resource.attributes.find((attribute) => attribute.key === 'service.name')?.value.stringValue, `round-${round}`);
    await receiver.close();
  }
});
