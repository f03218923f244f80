// The demo end to end: its real processes on loopback, one gateway request, one trace across all
// three hops with correct parent links, the standard metric names on the callers' endpoints, both
// book-service replicas serving, and the slow-replica chaos phase kept fast by hedging and least_request.
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status as Status } from '@grpc/grpc-js';
import { chaosPhases, SLOW_REPLICA_MS } from '../demo/orchestrator/chaos.ts';
import { startDemo, type Demo } from '../demo/orchestrator/demo.ts';
import { quantileMs, scrape, since, type MetricsSnapshot, type MethodRow } from '../demo/orchestrator/metrics-table.ts';
import { SPAN_KIND, type ReceivedSpan } from '../demo/orchestrator/otlp-receiver.ts';
import { parsePrometheusText } from '../demo/orchestrator/prometheus-text.ts';
import { send, sendRounds, SHOWCASE, steadyTraffic } from '../demo/orchestrator/traffic.ts';
import { NO_FAULTS } from '../demo/server/faults.ts';
import { demoMetricsPorts } from './helpers/demo-ports.ts';

let demo: Demo;
const logDir = mkdtempSync(join(tmpdir(), 'demo-test-logs-'));

test.before(async () => {
  demo = await startDemo({
    ports: { 'api-gateway': 0, 'user-service': 0, 'book-service-1': 0, 'book-service-2': 0, 'order-service': 0 },
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
  // As `npm run demo` does: the showcase request goes on warm channels, so connection set-up does not
  // push a book-service call past the 75 ms hedging delay.
  await sendRounds(demo.gatewayUrl, 1);
  const result = await send(demo.gatewayUrl, SHOWCASE);
  t.is(result.status, 200);
  const traceId = result.traceId!;
  t.regex(traceId, /^[0-9a-f]{32}$/);

  const wanted = ['api-gateway GET /users/:id/books', 'user-service user.v1.UserService/GetUserBooks', 'book-service book.v1.BookService/ListBooksByOwner', 'order-service order.v1.OrderService/ListOrdersByUser', 'book-service book.v1.BookService/GetBook'];
  const serverSpans = (spans: ReceivedSpan[]) => new Set(servers(spans.filter((span) => span.traceId === traceId)).map((span) => `${span.service} ${span.name}`));
  await demo.otlp.waitFor((spans) => wanted.every((name) => serverSpans(spans).has(name)), 20_000);
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
    // A hedged call (a busy machine can still be slower than the delay) has an attempt span in between.
    const client = parent(server!)?.name.startsWith('Attempt.') ? parent(parent(server!)!) : parent(server!);
    t.like(client, { service: 'user-service', kind: SPAN_KIND.CLIENT, name: method }, `${method}: parent is user-service's client span`);
    t.is(client?.parentSpanId, userServer.spanId, `${method}: user-service's call is a child of its server span`);
  }
  // No span in error: a hedged book-service call's losing copy (a busy machine can take longer than the
  // 75 ms hedging delay) is CANCELLED by its own call, which is not an error.
  t.deepEqual(spans.filter((span) => span.statusCode === 2).map((span) => `${span.service} ${span.name} ${span.statusMessage}`), [], 'no span in error');
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
    const calls = samples.filter((sample) => sample.name === 'grpc_client_call_duration_count' && sample.labels['grpc_status'] === 'OK');
    for (const call of calls) {
      t.regex(call.labels['grpc_method'] ?? '', /^[a-z]+\.v1\.[A-Za-z]+Service\/[A-Za-z]+$/, `${caller}: grpc.method is the full method name`);
      // book-service is two replicas behind one ipv4: list; the others are one host:port each.
      const target = call.labels['grpcclient_service'] === 'book-service' ? /^ipv4:127\.0\.0\.1:\d+,127\.0\.0\.1:\d+$/ : /^dns:\/\/\/127\.0\.0\.1:\d+$/;
      t.regex(call.labels['grpc_target'] ?? '', target, `${caller}: grpc.target is the canonical target`);
    }
  }
});

const metricsUrls = () => Object.fromEntries(Object.entries(demo.metricsUrls).map(([caller, url]) => [caller, url!]));
const bookRows = (snapshot: MetricsSnapshot) => snapshot.methods.filter((row) => row.service === 'book-service');

/** book-service's calls of all callers and methods as one row: counts and buckets summed. */
function merged(rows: MethodRow[]): MethodRow {
  const total: MethodRow = { caller: '*', service: 'book-service', method: '*', calls: 0, errors: 0, attempts: 0, hedges: 0, buckets: new Map() };
  for (const row of rows) {
    total.calls += row.calls;
    total.errors += row.errors;
    total.attempts += row.attempts;
    total.hedges += row.hedges;
    for (const [le, count] of row.buckets) total.buckets.set(le, (total.buckets.get(le) ?? 0) + count);
  }
  return total;
}

/** Polls the callers' endpoints until `enough` holds for what happened since `before`. */
async function waitForCalls(before: MetricsSnapshot, enough: (phase: MethodRow) => boolean, timeoutMs = 40_000): Promise<MetricsSnapshot> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const phase = since(await scrape(metricsUrls()), before);
    if (enough(merged(bookRows(phase)))) return phase;
    if (Date.now() > deadline) throw new Error(`not enough book-service calls: ${JSON.stringify(merged(bookRows(phase)), (_key, value: unknown) => (value instanceof Map ? [...value] : value))}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

test.serial('both book-service replicas serve calls, and every caller holds a READY connection to each', async (t) => {
  const replicas = demo.replicas('book-service');
  t.deepEqual(replicas.map((replica) => replica.name), ['book-service-1', 'book-service-2']);
  t.not(replicas[0]!.port, replicas[1]!.port);
  const before = await Promise.all(replicas.map((replica) => replica.served()));
  await sendRounds(demo.gatewayUrl, 4);
  const after = await Promise.all(replicas.map((replica) => replica.served()));
  for (const [index, replica] of replicas.entries()) t.true(after[index]!.calls > before[index]!.calls, `${replica.name} served calls`);

  const snapshot = await scrape(metricsUrls());
  for (const caller of ['api-gateway', 'user-service', 'order-service']) {
    const endpoints = snapshot.endpoints.filter((row) => row.caller === caller && row.service === 'book-service');
    t.deepEqual(endpoints.map((row) => `${row.endpoint} ${row.state}`).sort(), replicas.map((replica) => `127.0.0.1:${replica.port} READY`).sort(), `${caller} sees both replicas`);
  }
});

test.serial(`with one replica answering in ${SLOW_REPLICA_MS} ms, book-service calls stay fast: the slow one's calls are hedged to the other`, async (t) => {
  const replicas = demo.replicas('book-service');
  const slowPhase = chaosPhases(1_000)[0]!;
  const traffic = steadyTraffic(demo.gatewayUrl, 25);
  t.teardown(async () => {
    await traffic.stop();
    for (const replica of replicas) replica.control({ type: 'faults', settings: NO_FAULTS });
  });
  const servedBefore = await Promise.all(replicas.map((replica) => replica.served()));
  const before = await scrape(metricsUrls());
  slowPhase.apply(demo);
  t.is(slowPhase.marked?.index, 1, 'the phase marks the replica it slows');

  const phase = merged(bookRows(await waitForCalls(before, (calls) => calls.calls >= 200)));
  const servedAfter = await Promise.all(replicas.map((replica) => replica.served()));
  const [fast, slow] = servedAfter.map((counts, index) => ({ calls: counts.calls - servedBefore[index]!.calls, cancelled: counts.cancelled - servedBefore[index]!.cancelled }));

  t.true(phase.hedges > 0, 'hedges were sent');
  const p50 = quantileMs(phase, 0.5)!;
  t.true(p50 < SLOW_REPLICA_MS, `p50 ${p50} ms`);
  // Not only the median: at least three calls in four end before the slow replica would have answered.
  const underSlowDelay = phase.buckets.get(0.25)! / phase.calls;
  t.true(underSlowDelay >= 0.75, `${(underSlowDelay * 100).toFixed(0)}% of ${phase.calls} calls under 250 ms`);
  // The servers' own counts: the slow replica got calls, and most of them were given up for a hedge that won.
  t.true(slow!.calls > 0 && slow!.cancelled > 0, JSON.stringify({ fast, slow }));
  t.true(fast!.calls > slow!.calls, JSON.stringify({ fast, slow }));
});

test.serial('a backend failure reaches the HTTP client as the server\'s details, relayed unchanged through user-service and the gateway', async (t) => {
  const replicas = demo.replicas('book-service');
  t.teardown(() => {
    for (const replica of replicas) replica.control({ type: 'faults', settings: NO_FAULTS });
  });
  // A code no caller retries or hedges, so every call fails at once with the server's own status.
  for (const replica of replicas) replica.control({ type: 'faults', settings: { ...NO_FAULTS, errorRate: 1, errorCode: Status.FAILED_PRECONDITION } });
  // gateway → book-service, and gateway → user-service → book-service: each hop relays the CallError's
  // details, never its message ("9 FAILED_PRECONDITION: injected fault ..."), which adds the code once per hop.
  for (const path of ['/books/b1', '/users/u1/books']) {
    const response = await fetch(`${demo.gatewayUrl}${path}`);
    t.is(response.status, 400, path);
    t.deepEqual(await response.json(), { error: 'injected fault (FAILED_PRECONDITION)', grpcCode: Status.FAILED_PRECONDITION }, path);
  }
});
