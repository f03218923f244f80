// Every PromQL query of the Grafana dashboard runs against a real Prometheus scraping the running
// demo and returns data, with one book-service replica slow, then book-service failing and dropping
// off for a moment, so that the hedge, retry, endpoint and connection-event panels have something to show.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectivityState, status as Status } from '@grpc/grpc-js';
import { chaosPhases } from '../demo/orchestrator/chaos.ts';
import { startDemo } from '../demo/orchestrator/demo.ts';
import { steadyTraffic } from '../demo/orchestrator/traffic.ts';
import { demoMetricsPorts } from './helpers/demo-ports.ts';
import { scrapeJob, startPrometheus } from './helpers/prometheus.ts';
import { PROMETHEUS, testNeeding } from './helpers/tools.ts';

interface Dashboard {
  panels: { title: string; targets: { expr: string }[] }[];
  templating: { list: { name: string; query: { query: string } }[] };
}

const dashboard = JSON.parse(readFileSync(new URL('../otel/grafana/dashboards/grpc-clients.json', import.meta.url), 'utf8')) as Dashboard;

/** Grafana's variables as a user with "All" selected and a 20 s rate window would have them. */
function asPromQL(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '20s')
    .replaceAll('$caller', '.*')
    .replaceAll('$service', '.*')
    .replace(/^label_values\((.+), *(\w+)\)$/, 'count by ($2) ($1)');
}

testNeeding([PROMETHEUS], 'every dashboard query returns data from a real Prometheus scraping the demo', async (t) => {
  const logDir = mkdtempSync(join(tmpdir(), 'demo-dashboard-logs-'));
  const demo = await startDemo({
    ports: { 'api-gateway': 0, 'user-service': 0, 'book-service-1': 0, 'book-service-2': 0, 'order-service': 0 },
    metricsPorts: await demoMetricsPorts(),
    logDir,
  });
  const prometheus = await startPrometheus(Object.entries(demo.metricsUrls).map(([job, url]) => scrapeJob(job, [url!])));
  const traffic = steadyTraffic(demo.gatewayUrl, 40);
  t.teardown(async () => {
    await traffic.stop();
    await prometheus.stop();
    await demo.stop();
    rmSync(logDir, { recursive: true, force: true });
  });

  // One book-service replica slow (hedges), then book- and order-service failing (hedges and retries),
  // then book-service off the network for a moment (connection events, endpoint states).
  const books = demo.replicas('book-service');
  const [slow, failing] = chaosPhases(2_000);
  slow!.apply(demo);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  failing!.apply(demo);
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  for (const process of [...books, demo.processes['order-service']]) process.control({ type: 'faults', settings: { errorRate: 0, errorCode: Status.UNAVAILABLE, latencyMs: 0 } });
  for (const book of books) book.control({ type: 'outage', ms: 1_500 });

  const queries = [
    ...dashboard.templating.list.map((variable) => ({ title: `variable ${variable.name}`, expr: variable.query.query })),
    ...dashboard.panels.flatMap((panel) => panel.targets.map((target) => ({ title: panel.title, expr: target.expr }))),
  ];
  t.true(queries.length >= 12);

  const missing = new Map(queries.map((query) => [query.expr, query]));
  const deadline = Date.now() + 45_000;
  while (missing.size > 0 && Date.now() < deadline) {
    for (const query of [...missing.values()]) {
      const result = await prometheus.query(asPromQL(query.expr)); // throws on a PromQL syntax error
      if (result.length > 0) missing.delete(query.expr);
    }
    if (missing.size > 0) await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  t.deepEqual([...missing.values()].map((query) => `${query.title}: ${query.expr}`), [], 'queries that returned no data');

  // The data is the demo's: all three callers, and the outage was seen as a lost connection.
  const callers = await prometheus.query('count by (job) (grpc_client_call_duration_count)');
  t.deepEqual(callers.map((series) => series.metric['job']).sort(), ['api-gateway', 'order-service', 'user-service']);
  const lost = await prometheus.query('sum(grpc_subchannel_disconnections_total{grpcclient_service="book-service"})');
  t.true(Number(lost[0]?.value[1]) >= 1);
  // The channel-state timeline has one row per channel, valued gRPC's state number: the gateway's
  // channel to user-service is READY (2, which the panel's value mapping shows green).
  const timeline = dashboard.panels.find((panel) => panel.title === 'Channel state over time')!;
  const rows = await prometheus.query(asPromQL(timeline.targets[0]!.expr));
  const gateway = rows.filter((row) => row.metric['job'] === 'api-gateway' && row.metric['grpcclient_service'] === 'user-service');
  t.deepEqual(gateway.map((row) => row.value[1]), [String(connectivityState.READY)]);
  // The endpoint timeline has one row per caller and replica: the gateway holds both book-service replicas.
  const endpointTimeline = dashboard.panels.find((panel) => panel.title === 'Endpoint state over time (each replica)')!;
  const endpoints = await prometheus.query(asPromQL(endpointTimeline.targets[0]!.expr));
  const gatewayToBooks = endpoints.filter((row) => row.metric['job'] === 'api-gateway' && row.metric['grpcclient_service'] === 'book-service');
  t.deepEqual(gatewayToBooks.map((row) => row.metric['endpoint']).sort(), books.map((book) => `127.0.0.1:${book.port}`).sort());
});
