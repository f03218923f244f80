// The exporters init() starts when the application registered no OpenTelemetry providers: OTLP over
// HTTP to a real endpoint, and a Prometheus scrape endpoint that a real Prometheus scrapes and queries;
// and the OTLP transport's retries and shutdown against real collectors that refuse, stall or say "not yet".
import test from 'ava';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyHttpOptions } from '@opentelemetry/otlp-exporter-base/node-http';
import { init } from '../src/index.ts';
import { OtlpHttpTransport } from '../src/telemetry/otlp-transport.ts';
import { getBook } from './helpers/calls.ts';
import { startOtlpReceiver } from './helpers/otlp-receiver.ts';
import { scrapeJob, startPrometheus } from './helpers/prometheus.ts';
import { BookService } from './helpers/protos.ts';
import { ManualScheduler } from './helpers/scheduler.ts';
import { makeTestPki } from './helpers/tls.ts';
import { deadPort, startBookServer } from './helpers/servers.ts';
import { OPENSSL, PROMETHEUS, testNeeding } from './helpers/tools.ts';

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

/** A collector that answers each post with the next scripted answer (the last one repeats) and counts them. */
async function scriptedCollector(t: { teardown(fn: () => unknown): void }, answers: { status: number; retryAfter?: string }[]) {
  const posts: number[] = [];
  const arrivals: (() => void)[] = [];
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const answer = answers[Math.min(posts.length, answers.length - 1)]!;
      posts.push(answer.status);
      arrivals.shift()?.();
      response.writeHead(answer.status, answer.retryAfter ? { 'retry-after': answer.retryAfter } : {}).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => server.close());
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`,
    posts,
    /** Resolves when the next post arrives. */
    nextPost: () => new Promise<void>((resolve) => arrivals.push(resolve)),
  };
}

function transportTo(url: string, scheduler: ManualScheduler) {
  const lastAttempt = new AbortController();
  const cutOff = new AbortController();
  const settings = convertLegacyHttpOptions({ url, timeoutMillis: 10_000 }, 'TRACES', 'v1/traces', { 'Content-Type': 'application/json' });
  return { transport: new OtlpHttpTransport(settings, { lastAttempt: lastAttempt.signal, cutOff: cutOff.signal }, scheduler), lastAttempt, cutOff };
}

const BODY = new TextEncoder().encode('{}');

test('OTLP transport: a collector that is not ready yet (503) is asked again after the backoff, and the export succeeds', async (t) => {
  t.timeout(10_000); // an export that never schedules its retry fails here rather than hanging the file
  const collector = await scriptedCollector(t, [{ status: 503 }, { status: 200 }]);
  const scheduler = new ManualScheduler(0.5); // no jitter: the first backoff is exactly 1s
  const { transport } = transportTo(collector.url, scheduler);
  const sent = transport.send(BODY, 10_000);
  const backoff = await scheduler.nextTimer();
  t.is(backoff.ms, 1_000);
  scheduler.fire(backoff);
  t.is((await sent).status, 'success');
  t.deepEqual(collector.posts, [503, 200]);
});

test('OTLP transport: Retry-After sets the wait, and a wait longer than the export may take is not started', async (t) => {
  t.timeout(10_000); // an export that never schedules its retry fails here rather than hanging the file
  const collector = await scriptedCollector(t, [{ status: 429, retryAfter: '2' }, { status: 429, retryAfter: '60' }]);
  const scheduler = new ManualScheduler(0.5);
  const { transport } = transportTo(collector.url, scheduler);
  const sent = transport.send(BODY, 10_000);
  const wait = await scheduler.nextTimer();
  t.is(wait.ms, 2_000);
  scheduler.fire(wait);
  t.is((await sent).status, 'retryable', 'given up: 60s is past the 10s the export may take');
  t.deepEqual(collector.posts, [429, 429]);
});

test('OTLP transport: when shutdown starts, a retry waiting for its backoff is sent at once and its failure is final', async (t) => {
  t.timeout(10_000); // a retry that keeps waiting fails here rather than hanging the file
  const collector = await scriptedCollector(t, [{ status: 503 }]);
  const scheduler = new ManualScheduler(0.5);
  const { transport, lastAttempt } = transportTo(collector.url, scheduler);
  const sent = transport.send(BODY, 10_000);
  const backoff = await scheduler.nextTimer();
  const retried = collector.nextPost();
  lastAttempt.abort(); // the timer is never fired: only the shutdown can have woken the retry
  await retried;
  t.is((await sent).status, 'retryable');
  t.deepEqual(collector.posts, [503, 503]);
  t.true(backoff.cancelled, 'the backoff timer is cleared');
  t.is(scheduler.scheduled.length, 1, 'no further backoff after the last attempt');
});

test('OTLP transport: once cut off, a request in flight ends at once and nothing more is sent', async (t) => {
  t.timeout(10_000); // a request left hanging fails here rather than hanging the file
  const sockets = new Set<Socket>();
  const silent = createNetServer((socket) => sockets.add(socket));
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    silent.close();
  });
  const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/v1/traces`;
  const { transport, cutOff } = transportTo(url, new ManualScheduler(0.5));
  const connected = once(silent, 'connection');
  const sent = transport.send(BODY, 10_000);
  await connected;
  cutOff.abort();
  const response = await sent;
  t.is(response.status, 'failure');
  const [socket] = sockets;
  if (!socket!.closed) await once(socket!, 'close'); // the client side hung up
  t.is((await transport.send(BODY, 10_000)).status, 'failure');
  t.is(sockets.size, 1, 'the send after the cut-off did not connect');
});

testNeeding([OPENSSL], 'OTLP transport: posts to an https collector with the TLS and compression settings OpenTelemetry reads', async (t) => {
  const pki = makeTestPki(); // openssl runs synchronously: serial, so it holds up no other test's timers
  const bodies: { encoding: string | undefined; text: string }[] = [];
  const server = createHttpsServer({ cert: pki.read(pki.serverCert), key: pki.read(pki.serverKey) }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const encoding = request.headers['content-encoding'];
      bodies.push({ encoding, text: (encoding === 'gzip' ? gunzipSync(Buffer.concat(chunks)) : Buffer.concat(chunks)).toString() });
      response.writeHead(200).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => server.close());
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  // The options an application would set through OTEL_EXPORTER_OTLP_CERTIFICATE and OTEL_EXPORTER_OTLP_COMPRESSION.
  const settings = convertLegacyHttpOptions({ url, timeoutMillis: 10_000, compression: CompressionAlgorithm.GZIP, httpAgentOptions: { ca: pki.read(pki.caCert) } }, 'TRACES', 'v1/traces', { 'Content-Type': 'application/json' });
  const never = new AbortController().signal;
  const transport = new OtlpHttpTransport(settings, { lastAttempt: never, cutOff: never }, new ManualScheduler(0.5));
  t.is((await transport.send(new TextEncoder().encode('{"resourceSpans":[]}'), 10_000)).status, 'success');
  t.deepEqual(bodies, [{ encoding: 'gzip', text: '{"resourceSpans":[]}' }]);
}, { serial: true });
