// Every PromQL query of the Grafana dashboard, run while the demo runs (one book-service replica slow,
// then book-service failing and dropping off for a moment) against two real Prometheus servers: one
// scraping the callers' own /metrics endpoints under a single job name, as a Kubernetes pod scrape
// does; one scraping what the collector of otel/collector.yaml serves for the callers' OTLP metrics,
// with otel/prometheus.yml's scrape config (collector-stand-in.ts: no otelcol binary runs here).
// On both every query returns data, and with one caller selected, that caller's data only.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectivityState, status as Status } from '@grpc/grpc-js';
import { parse } from 'yaml';
import { loadConfig } from '../src/index.ts';
import { chaosPhases } from '../demo/orchestrator/chaos.ts';
import { startDemo } from '../demo/orchestrator/demo.ts';
import { steadyTraffic } from '../demo/orchestrator/traffic.ts';
import { startCollectorStandIn, type CollectorConfig } from './helpers/collector-stand-in.ts';
import { demoMetricsPorts } from './helpers/demo-ports.ts';
import { scrapeJob, startPrometheus, type RunningPrometheus, type ScrapeConfig } from './helpers/prometheus.ts';
import { PROMETHEUS, testNeeding } from './helpers/tools.ts';

interface Dashboard {
  panels: { title: string; targets: { expr: string }[] }[];
  templating: { list: { name: string; query: { query: string } }[] };
}

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const dashboard = JSON.parse(read('otel/grafana/dashboards/grpc-clients.json')) as Dashboard;
const queries = [
  ...dashboard.templating.list.map((variable) => ({ title: `variable ${variable.name}`, expr: variable.query.query })),
  ...dashboard.panels.flatMap((panel) => panel.targets.map((target) => ({ title: panel.title, expr: target.expr }))),
];

/**
 * Grafana's variables as a user with a 20 s rate window would have them (`caller` one service.name, or
 * all), and a variable's query_result(...) or label_values(...) as the PromQL Grafana sends for it.
 */
function asPromQL(expr: string, caller = '.*'): string {
  return expr
    .replaceAll('$__rate_interval', '20s')
    .replaceAll('$caller', caller)
    .replaceAll('$service', '.*')
    .replace(/^query_result\((.+)\)$/, '$1')
    .replace(/^label_values\((.+), *(\w+)\)$/, 'count by ($2) ($1)');
}

/** The scrape config of otel/prometheus.yml, pointed at the stand-in instead of otel-collector:8889. */
function collectorScrape(metricsUrl: string): ScrapeConfig {
  const [scrape] = (parse(read('otel/prometheus.yml')) as { scrape_configs: ScrapeConfig[] }).scrape_configs;
  return { ...scrape!, static_configs: [{ targets: [new URL(metricsUrl).host] }] };
}

testNeeding([PROMETHEUS], 'every dashboard query returns each caller\'s own data, by service.name, from a direct scrape under one job name and through the collector', async (t) => {
  const collector = await startCollectorStandIn(parse(read('otel/collector.yaml'), { merge: true }) as CollectorConfig);
  const logDir = mkdtempSync(join(tmpdir(), 'demo-dashboard-logs-'));
  const demo = await startDemo({
    ports: { 'api-gateway': 0, 'user-service': 0, 'book-service-1': 0, 'book-service-2': 0, 'order-service': 0 },
    metricsPorts: await demoMetricsPorts(),
    logDir,
    // Each caller also pushes its metrics over OTLP, as in docker-compose.yml, every second (the demo's
    // OTEL_EXPORTER_OTLP_ENDPOINT takes its spans; the per-signal variable wins for metrics).
    env: { GRPC_CLIENTS_TELEMETRY_METRICS_EXPORTER: 'both', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${collector.otlpUrl}/v1/metrics`, OTEL_METRIC_EXPORT_INTERVAL: '1000' },
  });
  const metricsUrls = Object.values(demo.metricsUrls).filter((url) => url !== undefined);
  const paths: [string, RunningPrometheus][] = [
    ['direct scrape, one job', await startPrometheus([scrapeJob('kubernetes-pods', metricsUrls)])],
    ['through the collector', await startPrometheus([collectorScrape(collector.metricsUrl)])],
  ];
  const traffic = steadyTraffic(demo.gatewayUrl, 40);
  t.teardown(async () => {
    await traffic.stop();
    for (const [, prometheus] of paths) await prometheus.stop();
    await demo.stop();
    await collector.close();
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

  t.true(queries.length >= 12);
  const deadline = Date.now() + 45_000;
  for (const [path, prometheus] of paths) {
    const missing = new Map(queries.map((query) => [query.expr, query]));
    // Prometheus offers no signal for "data ingested": ask again each second until the deadline.
    while (missing.size > 0 && Date.now() < deadline) {
      for (const query of [...missing.values()]) {
        const result = await prometheus.query(asPromQL(query.expr)); // throws on a PromQL syntax error
        if (result.length > 0) missing.delete(query.expr);
      }
      if (missing.size > 0) await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    t.deepEqual([...missing.values()].map((query) => `${query.title}: ${query.expr}`), [], `${path}: queries that returned no data`);
  }

  const callers = Object.keys(demo.metricsUrls).sort();
  const callees = Object.fromEntries(callers.map((caller) => [caller, loadConfig(`configs/${caller}.yaml`, { env: {} }).services.map((service) => service.name)]));
  for (const [path, prometheus] of paths) {
    const variable = await prometheus.query(asPromQL(queries[0]!.expr));
    t.deepEqual(variable.map((series) => series.metric['service_name']).sort(), callers, `${path}: the caller variable lists the service names`);
    for (const caller of callers) {
      // With one caller selected, every series is that caller's: its service.name, services it calls.
      for (const query of queries.filter(({ expr }) => expr.includes('$caller'))) {
        for (const { metric } of await prometheus.query(asPromQL(query.expr, caller))) {
          if ('service_name' in metric) t.is(metric['service_name'], caller, `${path}, ${caller}: ${query.title}`);
          if ('grpcclient_service' in metric) t.true(callees[caller]!.includes(metric['grpcclient_service']!), `${path}, ${caller}: ${query.title} shows ${metric['grpcclient_service']}`);
        }
      }
      const callRate = dashboard.panels.find((panel) => panel.title === 'Call rate')!.targets[0]!.expr;
      t.true((await prometheus.query(asPromQL(callRate, caller))).length > 0, `${path}: ${caller} has a call rate of its own`);
    }

    // The outage was seen as a lost connection; the channel-state timeline has one row per channel,
    // valued gRPC's state number: the gateway's channel to user-service is READY (2, shown green).
    const lost = await prometheus.query('sum(grpc_subchannel_disconnections_total{grpcclient_service="book-service"})');
    t.true(Number(lost[0]?.value[1]) >= 1, `${path}: disconnections`);
    const timeline = dashboard.panels.find((panel) => panel.title === 'Channel state over time')!;
    const rows = await prometheus.query(asPromQL(timeline.targets[0]!.expr, 'api-gateway'));
    t.deepEqual(rows.filter((row) => row.metric['grpcclient_service'] === 'user-service').map((row) => row.value[1]), [String(connectivityState.READY)], path);
    // The endpoint timeline has one row per caller and replica: the gateway holds both book-service replicas.
    const endpointTimeline = dashboard.panels.find((panel) => panel.title === 'Endpoint state over time (each replica)')!;
    const endpoints = await prometheus.query(asPromQL(endpointTimeline.targets[0]!.expr, 'api-gateway'));
    t.deepEqual(
      endpoints.filter((row) => row.metric['grpcclient_service'] === 'book-service').map((row) => row.metric['endpoint']).sort(),
      books.map((book) => `127.0.0.1:${book.port}`).sort(),
      path,
    );
  }

  // The same metric names on both paths, so one dashboard serves both.
  const names = async (prometheus: RunningPrometheus) => (await prometheus.query('count by (__name__) ({__name__=~"grpc.+"})')).map((series) => series.metric['__name__']).sort();
  t.deepEqual(await names(paths[1]![1]), await names(paths[0]![1]));
  t.deepEqual(collector.problems, [], 'everything the SDK sent over OTLP is modelled by the collector stand-in');
});
