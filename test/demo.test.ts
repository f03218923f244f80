// The demo end to end: its real processes on loopback, one gateway request, one trace across all
// three hops with correct parent links, and the standard metric names on the callers' endpoints.
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemo, type Demo } from '../demo/orchestrator/demo.ts';
import { SPAN_KIND, type ReceivedSpan } from '../demo/orchestrator/otlp-receiver.ts';
import { parsePrometheusText } from '../demo/orchestrator/prometheus-text.ts';
import { send, sendRounds, SHOWCASE } from '../demo/orchestrator/traffic.ts';
import { demoMetricsPorts } from './helpers/demo-ports.ts';

let demo: Demo;
const logDir = mkdtempSync(join(tmpdir(), 'demo-test-logs-'));

test.before(async () => {
  demo = await startDemo({
    ports: { 'api-gateway': 0, 'user-service': 0, 'book-service': 0, 'order-service': 0 },
    metricsPorts: await demoMetricsPorts(),
    logDir,
  });
});

test.after.always(async () => {
  await demo?.stop();
  rmSync(logDir, { recursive: true, force: true });
});

const servers = (spans: ReceivedSpan[]) => spans.filter((span) => span.kind === SPAN_KIND.SERVER);

test.serial('one gateway request is one trace: gateway → user-service → book- and order-service, each span the child of its caller', async (t) => {
  const result = await send(demo.gatewayUrl, SHOWCASE);
  t.is(result.status, 200);
  const traceId = result.traceId!;
  t.regex(traceId, /^[0-9a-f]{32}$/);

  const backendServerSpans = (spans: ReceivedSpan[]) => servers(spans.filter((span) => span.traceId === traceId));
  await demo.otlp.waitFor((spans) => new Set(backendServerSpans(spans).map((span) => span.service)).size === 4 && backendServerSpans(spans).length >= 5, 20_000);
  // The gateway's CLIENT span ends after user-service's SERVER span; give its export a moment too.
  await demo.otlp.waitFor((spans) => spans.some((span) => span.traceId === traceId && span.kind === SPAN_KIND.CLIENT && span.service === 'api-gateway'), 5_000);
  const spans = demo.otlp.trace(traceId);
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  const parent = (span: ReceivedSpan) => byId.get(span.parentSpanId);

  const root = spans.filter((span) => !span.parentSpanId);
  t.is(root.length, 1, 'exactly one root');
  t.like(root[0], { service: 'api-gateway', kind: SPAN_KIND.SERVER, name: 'GET /users/:id/books' });

  const userServer = spans.find((span) => span.service === 'user-service' && span.kind === SPAN_KIND.SERVER)!;
  t.is(userServer.name, 'user.v1.UserService/GetUserBooks');
  t.like(parent(userServer), { service: 'api-gateway', kind: SPAN_KIND.CLIENT, name: 'user.v1.UserService/GetUserBooks' });
  t.is(parent(parent(userServer)!)?.spanId, root[0]!.spanId);

  for (const [service, method] of [
    ['book-service', 'book.v1.BookService/ListBooksByOwner'],
    ['order-service', 'order.v1.OrderService/ListOrdersByUser'],
    ['book-service', 'book.v1.BookService/GetBook'],
  ] as const) {
    const server = spans.find((span) => span.service === service && span.name === method && span.kind === SPAN_KIND.SERVER);
    t.truthy(server, `${service} ${method} server span`);
    const client = parent(server!);
    t.like(client, { service: 'user-service', kind: SPAN_KIND.CLIENT, name: method }, `${method}: parent is user-service's client span`);
    t.is(client?.parentSpanId, userServer.spanId, `${method}: user-service's call is a child of its server span`);
  }
  t.true(spans.every((span) => span.statusCode !== 2), 'no span in error');
});

test.serial('the callers\' Prometheus endpoints serve the gRPC standard metric names', async (t) => {
  await sendRounds(demo.gatewayUrl, 2);
  for (const [caller, url] of Object.entries(demo.metricsUrls)) {
    const samples = parsePrometheusText(await (await fetch(url!)).text());
    const names = new Set(samples.map((sample) => sample.name));
    for (const name of [
      'grpc_client_attempt_started_total',
      'grpc_client_attempt_duration_bucket',
      'grpc_client_call_duration_bucket',
      'grpc_client_call_duration_count',
      'grpc_subchannel_connection_attempts_succeeded_total',
      'grpc_subchannel_open_connections',
      'grpcclient_channel_state',
    ]) {
      t.true(names.has(name), `${caller} serves ${name}`);
    }
    const call = samples.find((sample) => sample.name === 'grpc_client_call_duration_count' && sample.labels['grpc_status'] === 'OK')!;
    t.regex(call.labels['grpc_method'] ?? '', /^[a-z]+\.v1\.[A-Za-z]+Service\/[A-Za-z]+$/, `${caller}: grpc.method is the full method name`);
    t.regex(call.labels['grpc_target'] ?? '', /^dns:\/\/\/127\.0\.0\.1:\d+$/, `${caller}: grpc.target is the canonical target`);
  }
});
