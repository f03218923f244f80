// What the OpenTelemetry Collector of otel/collector.yaml serves Prometheus on :8889 for the OTLP/HTTP
// metrics the SDK's real exporter posts to it. No otelcol binary runs on this machine, so this stand-in
// applies the config's metrics processors and the prometheus exporter's naming as the collector's
// source defines them (exporter/prometheusexporter/collector.go, prometheus/otlptranslator), and throws
// on any processor, setting or unit it does not model, so otel/collector.yaml cannot drift unseen.
import { createServer, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';

interface AnyValue {
  stringValue?: string;
  intValue?: number | string;
  doubleValue?: number;
  boolValue?: boolean;
}
interface KeyValue {
  key: string;
  value: AnyValue;
}
interface NumberPoint {
  attributes?: KeyValue[];
  asDouble?: number;
  asInt?: number | string;
}
interface HistogramPoint {
  attributes?: KeyValue[];
  count: number | string;
  sum?: number;
  bucketCounts: (number | string)[];
  explicitBounds: number[];
}
interface OtlpMetric {
  name: string;
  unit?: string;
  sum?: { dataPoints: NumberPoint[]; isMonotonic?: boolean; aggregationTemporality: number };
  gauge?: { dataPoints: NumberPoint[] };
  histogram?: { dataPoints: HistogramPoint[]; aggregationTemporality: number };
}
interface OtlpMetrics {
  resourceMetrics: { resource?: { attributes?: KeyValue[] }; scopeMetrics: { scope?: { name?: string; version?: string }; metrics: OtlpMetric[] }[] }[];
}

/** The parts of otel/collector.yaml the metrics pipeline uses. */
export interface CollectorConfig {
  processors: Record<string, Record<string, unknown>>;
  exporters: Record<string, Record<string, unknown>>;
  service: { pipelines: { metrics: { processors?: string[]; exporters: string[] } } };
}

type Labels = Record<string, string>;
/** One metrics processor, as the stand-in applies it. */
interface Step {
  resource?(attributes: Labels): Labels;
  unit?(unit: string): string;
}

const CUMULATIVE = 2;
/** OTLP units → Prometheus unit suffixes, for the units the SDK emits (otlptranslator's unitMap). */
const UNIT_SUFFIX: Record<string, string> = { '': '', s: 'seconds', By: 'bytes', '1': '' };

function asString(value: AnyValue): string {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return String(value.intValue);
  if (value.doubleValue !== undefined) return String(value.doubleValue);
  if (value.boolValue !== undefined) return String(value.boolValue);
  throw new Error(`attribute value ${JSON.stringify(value)} is not modelled`);
}

const attributes = (list: KeyValue[] = []): Labels => Object.fromEntries(list.map(({ key, value }) => [key, asString(value)]));
/** otlptranslator's LabelNamer with UTF-8 escaping: every character outside [a-zA-Z0-9_] becomes "_". */
const labelName = (key: string) => key.replace(/[^a-zA-Z0-9_]/g, '_');

function stepOf(name: string, processor: Record<string, unknown>): Step {
  if (name === 'batch' || name.startsWith('batch/')) return {};
  if (name.startsWith('resource/')) {
    const actions = processor['attributes'] as { key?: string; pattern?: string; action: string }[];
    for (const action of actions) if (action.action !== 'delete') throw new Error(`${name}: action ${action.action} is not modelled`);
    return {
      resource: (labels) =>
        Object.fromEntries(Object.entries(labels).filter(([key]) => !actions.some((action) => action.key === key || (action.pattern !== undefined && new RegExp(action.pattern).test(key))))),
    };
  }
  if (name.startsWith('transform/')) {
    const groups = processor['metric_statements'] as { context: string; statements: string[] }[];
    const rules = groups.flatMap((group) => {
      if (group.context !== 'metric') throw new Error(`${name}: context ${group.context} is not modelled`);
      return group.statements.map((statement) => {
        const match = /^set\(metric\.unit, "([^"]*)"\)(?: where metric\.unit == "([^"]*)")?$/.exec(statement);
        if (!match) throw new Error(`${name}: statement ${statement} is not modelled`);
        return { to: match[1]!, when: match[2] };
      });
    });
    return { unit: (unit) => rules.reduce((current, rule) => (rule.when === undefined || rule.when === current ? rule.to : current), unit) };
  }
  throw new Error(`processor ${name} is not modelled`);
}

/** The exporter's metric namer: otlptranslator's with UTF-8 escaped, suffixes on unless the config turns them off. */
function metricNamer(exporter: Record<string, unknown>): (metric: { name: string; unit: string; type: 'counter' | 'gauge' | 'histogram' }) => string {
  for (const key of Object.keys(exporter)) {
    if (!['endpoint', 'resource_to_telemetry_conversion', 'translation_strategy', 'add_metric_suffixes'].includes(key)) throw new Error(`prometheus exporter: ${key} is not modelled`);
  }
  if ((exporter['resource_to_telemetry_conversion'] as { enabled?: boolean } | undefined)?.enabled) throw new Error('prometheus exporter: resource_to_telemetry_conversion is not modelled');
  const strategy = exporter['translation_strategy'] as string | undefined;
  if (strategy !== undefined && !['UnderscoreEscapingWithSuffixes', 'UnderscoreEscapingWithoutSuffixes'].includes(strategy)) throw new Error(`translation_strategy ${strategy} is not modelled`);
  const withSuffixes = strategy === undefined ? exporter['add_metric_suffixes'] !== false : strategy === 'UnderscoreEscapingWithSuffixes';
  return ({ name, unit, type }) => {
    const tokens = name.split(/[^a-zA-Z0-9:]+/).filter(Boolean);
    if (!withSuffixes) return tokens.join('_');
    const cleanUnit = unit.replace(/\{[^}]*\}/g, '');
    const suffix = UNIT_SUFFIX[cleanUnit];
    if (suffix === undefined) throw new Error(`unit ${unit} of ${name} is not modelled`);
    if (suffix !== '' && !tokens.includes(suffix)) tokens.push(suffix);
    if (type === 'counter') return [...tokens.filter((token) => token !== 'total'), 'total'].join('_');
    if (unit === '1' && type === 'gauge') return [...tokens.filter((token) => token !== 'ratio'), 'ratio'].join('_');
    return tokens.join('_');
  };
}

function labelText(labels: Labels): string {
  return `{${Object.entries(labels).map(([key, value]) => `${key}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}

export interface CollectorStandIn {
  /** OTLP/HTTP base URL (the SDK's exporter appends /v1/metrics). */
  otlpUrl: string;
  /** The prometheus exporter's scrape URL. */
  metricsUrl: string;
  /** What arrived that the stand-in does not model (a unit, a temporality, a value type): none, or the test fails. */
  problems: string[];
  close(): Promise<void>;
}

export async function startCollectorStandIn(config: CollectorConfig): Promise<CollectorStandIn> {
  const pipeline = config.service.pipelines.metrics;
  const steps = (pipeline.processors ?? []).map((name) => stepOf(name, config.processors[name] ?? {}));
  if (pipeline.exporters.length !== 1 || pipeline.exporters[0] !== 'prometheus') throw new Error(`metrics exporters ${pipeline.exporters.join(', ')} are not modelled`);
  const name = metricNamer(config.exporters['prometheus'] ?? {});
  // The exporter's accumulator: the latest cumulative value of each series, by its exposition line.
  const families = new Map<string, { type: string; samples: Map<string, string> }>();
  const targetInfo = new Map<string, Labels>();
  const problems: string[] = [];

  const record = (family: string, type: string, sample: string, value: string) => {
    if (!families.has(family)) families.set(family, { type, samples: new Map() });
    families.get(family)!.samples.set(sample, value);
  };
  const accept = (body: OtlpMetrics) => {
    for (const { resource, scopeMetrics } of body.resourceMetrics) {
      const attrs = steps.reduce((current, step) => step.resource?.(current) ?? current, attributes(resource?.attributes));
      // service.name (with service.namespace) becomes job and service.instance.id instance; target_info keeps the rest.
      const serviceName = attrs['service.name'];
      const namespace = attrs['service.namespace'];
      const identity: Labels = {
        ...(serviceName === undefined ? {} : { job: namespace ? `${namespace}/${serviceName}` : serviceName }),
        ...(attrs['service.instance.id'] === undefined ? {} : { instance: attrs['service.instance.id'] }),
      };
      const rest = Object.entries(attrs).filter(([key]) => !['service.name', 'service.namespace', 'service.instance.id'].includes(key));
      if (Object.keys(identity).length > 0) targetInfo.set(JSON.stringify(identity), { ...Object.fromEntries(rest.map(([key, value]) => [labelName(key), value])), ...identity });
      for (const { scope, metrics } of scopeMetrics) {
        const scopeLabels = { otel_scope_name: scope?.name ?? '', otel_scope_version: scope?.version ?? '', otel_scope_schema_url: '' };
        for (const metric of metrics) {
          const unit = steps.reduce((current, step) => step.unit?.(current) ?? current, metric.unit ?? '');
          const labelsOf = (point: { attributes?: KeyValue[] }) => ({
            ...Object.fromEntries(Object.entries(attributes(point.attributes)).map(([key, value]) => [labelName(key), value])),
            ...scopeLabels,
            ...identity,
          });
          if (metric.histogram) {
            if (metric.histogram.aggregationTemporality !== CUMULATIVE) throw new Error(`${metric.name}: delta temporality is not modelled`);
            const family = name({ name: metric.name, unit, type: 'histogram' });
            for (const point of metric.histogram.dataPoints) {
              const labels = labelsOf(point);
              let cumulative = 0;
              point.explicitBounds.forEach((bound, index) => {
                cumulative += Number(point.bucketCounts[index] ?? 0);
                record(family, 'histogram', `${family}_bucket${labelText({ ...labels, le: String(bound) })}`, String(cumulative));
              });
              record(family, 'histogram', `${family}_bucket${labelText({ ...labels, le: '+Inf' })}`, String(Number(point.count)));
              record(family, 'histogram', `${family}_sum${labelText(labels)}`, String(point.sum ?? 0));
              record(family, 'histogram', `${family}_count${labelText(labels)}`, String(Number(point.count)));
            }
            continue;
          }
          const counter = metric.sum?.isMonotonic === true;
          if (metric.sum && metric.sum.aggregationTemporality !== CUMULATIVE) throw new Error(`${metric.name}: delta temporality is not modelled`);
          const points = metric.sum?.dataPoints ?? metric.gauge?.dataPoints;
          if (!points) throw new Error(`${metric.name}: metric type is not modelled`);
          const family = name({ name: metric.name, unit, type: counter ? 'counter' : 'gauge' });
          for (const point of points) record(family, counter ? 'counter' : 'gauge', `${family}${labelText(labelsOf(point))}`, String(Number(point.asDouble ?? point.asInt ?? 0)));
        }
      }
    }
  };
  const exposition = () => {
    const lines = ['# TYPE target_info gauge', ...[...targetInfo.values()].map((labels) => `target_info${labelText(labels)} 1`)];
    for (const [family, { type, samples }] of families) lines.push(`# TYPE ${family} ${type}`, ...[...samples].map(([sample, value]) => `${sample} ${value}`));
    return `${lines.join('\n')}\n`;
  };

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method === 'POST' && request.url === '/v1/metrics') {
        const raw = Buffer.concat(chunks);
        try {
          accept(JSON.parse((request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8')) as OtlpMetrics);
          response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } catch (error) {
          problems.push((error as Error).message);
          response.writeHead(400).end((error as Error).message);
        }
      } else if (request.method === 'GET' && request.url === '/metrics') {
        response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(exposition());
      } else {
        response.writeHead(404).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    otlpUrl: `http://127.0.0.1:${port}`,
    metricsUrl: `http://127.0.0.1:${port}/metrics`,
    problems,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
