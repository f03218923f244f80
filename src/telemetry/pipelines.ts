// The export pipelines the config asks for: span processors and metric readers. Each exporter module is
// imported only when it is used, so a Prometheus-only service never loads the OTLP exporters, and once.
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { BatchSpanProcessor, ConsoleSpanExporter, type ReadableSpan, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { ConsoleMetricExporter, PeriodicExportingMetricReader, type IMetricReader, type MetricProducer, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { TelemetryConfig } from '../config/types.ts';
import type { ExportFailures } from './export-failures.ts';
import type { TransportSignals } from './otlp-transport.ts';
import { exportTimeoutMs, metricExportIntervalMs, metricExporterKinds, otlpUrl, spanBatchDelayMs, traceExporterKind, type MetricExporterKind } from './exporters.ts';

// Each exporter module, imported on first use and kept: an SDK started again by a later init() does not import it again.
let otlpExportersModule: Promise<typeof import('./otlp-exporters.ts')> | undefined;
let prometheusModule: Promise<typeof import('@opentelemetry/exporter-prometheus')> | undefined;

export interface PipelineOptions {
  env: NodeJS.ProcessEnv;
  warn(message: string): void;
  failures: ExportFailures;
  /** Extra metric sources handed to every reader. */
  metricProducers?: MetricProducer[];
  /** How shutdown stops the OTLP exports: their retries, then what is still in flight. */
  signals: TransportSignals;
}

export async function spanProcessors(config: TelemetryConfig, options: PipelineOptions): Promise<SpanProcessor[]> {
  const kind = traceExporterKind(config, options.env);
  if (kind === 'none') return [];
  const timeout = exportTimeoutMs('traces', config, options.env);
  const delay = spanBatchDelayMs(options.env);
  let exporter: SpanExporter;
  if (kind === 'otlp') {
    const url = otlpUrl('traces', config, options.env);
    exporter = new LoadedOnFirstExport(async () => (await (otlpExportersModule ??= import('./otlp-exporters.ts'))).otlpSpanExporter(url, timeout, options.signals));
  } else {
    exporter = new ConsoleSpanExporter();
  }
  return [new BatchSpanProcessor({ exporter: options.failures.spans(exporter, kind), exportTimeoutMillis: timeout, ...(delay ? { scheduledDelayMillis: delay } : {}) })];
}

/**
 * The OTLP span exporter, made when the first batch of spans is exported rather than in init(): its modules
 * (otlp-exporter-base, otlp-transformer and the ES module view of node:http) were a fifth of init()'s time with
 * telemetry, and the first batch goes out seconds later, off the application's startup path. (The metric
 * exporter cannot wait: its reader asks it for the temporality when it is made.)
 */
class LoadedOnFirstExport implements SpanExporter {
  private readonly load: () => Promise<SpanExporter>;
  private loaded: Promise<SpanExporter> | undefined;

  constructor(load: () => Promise<SpanExporter>) {
    this.load = load;
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    (this.loaded ??= this.load()).then(
      (exporter) => exporter.export(spans, done),
      (error: unknown) => done({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) }),
    );
  }

  /** Nothing to shut down or flush before the first export made the exporter. */
  async shutdown(): Promise<void> {
    const exporter = await this.loaded?.catch(() => undefined);
    await exporter?.shutdown();
  }

  async forceFlush(): Promise<void> {
    const exporter = await this.loaded?.catch(() => undefined);
    await exporter?.forceFlush?.();
  }
}

export async function metricReaders(config: TelemetryConfig, options: PipelineOptions): Promise<{ readers: IMetricReader[]; prometheusUrl?: string }> {
  const readers: IMetricReader[] = [];
  let prometheusUrl: string | undefined;
  const producers = options.metricProducers?.length ? { metricProducers: options.metricProducers } : {};
  const interval = metricExportIntervalMs(config, options.env);
  // An export that outlives the interval would make the reader skip the next one.
  const timeout = Math.min(exportTimeoutMs('metrics', config, options.env), interval);
  const periodic = (exporter: PushMetricExporter, kind: MetricExporterKind) =>
    new PeriodicExportingMetricReader({ exporter: options.failures.metrics(exporter, kind), exportIntervalMillis: interval, exportTimeoutMillis: timeout, ...producers });
  for (const kind of metricExporterKinds(config, options.env)) {
    if (kind === 'otlp') {
      const { otlpMetricExporter } = await (otlpExportersModule ??= import('./otlp-exporters.ts'));
      readers.push(periodic(await otlpMetricExporter(otlpUrl('metrics', config, options.env), timeout, options.signals), kind));
    }
    if (kind === 'console') readers.push(periodic(new ConsoleMetricExporter(), kind));
    if (kind === 'prometheus') {
      const { prometheus_host: host, prometheus_port: port } = config.metrics;
      const exporter = await startPrometheus(host, port, producers, options.warn);
      if (exporter) {
        readers.push(exporter);
        prometheusUrl = `http://${host === '0.0.0.0' ? 'localhost' : host}:${port}/metrics`;
      }
    }
  }
  return prometheusUrl ? { readers, prometheusUrl } : { readers };
}

/** The scrape endpoint, or undefined (with a warning) when it cannot listen. */
async function startPrometheus(host: string, port: number, producers: { metricProducers?: MetricProducer[] }, warn: (message: string) => void): Promise<PrometheusExporter | undefined> {
  const { PrometheusExporter } = await (prometheusModule ??= import('@opentelemetry/exporter-prometheus'));
  return new Promise((resolve) => {
    const reader: PrometheusExporter = new PrometheusExporter({ host, port, ...producers }, (error) => {
      // A taken port must not stop the application: calls still work, only scraping does not.
      if (error) {
        warn(`Prometheus endpoint not started on ${host}:${port}: ${error.message}`);
        return resolve(undefined);
      }
      resolve(reader);
    });
  });
}

