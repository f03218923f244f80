// Starts the OpenTelemetry Node SDK for the process, unless the application already registered its
// own providers; then the SDK's spans and metrics go to those and nothing is started twice.
import { context, metrics, propagation, trace, type MeterProvider, type TracerProvider } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, ConsoleSpanExporter, ParentBasedSampler, TraceIdRatioBasedSampler, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { ConsoleMetricExporter, PeriodicExportingMetricReader, type IMetricReader, type MetricProducer } from '@opentelemetry/sdk-metrics';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { TelemetryConfig } from '../config/types.ts';
import { metricExportIntervalMs, metricExporterKinds, otlpUrl, resourceServiceName, traceExporterKind } from './exporters.ts';

export interface OpenTelemetryHandle {
  /** True when this SDK started the providers (and so owns their shutdown). */
  readonly started: boolean;
  /** The Prometheus scrape endpoint, when one was started. */
  readonly prometheusUrl?: string;
  /** Flushes spans and metrics; shuts the providers down only if this SDK started them. */
  shutdown(): Promise<void>;
}

export interface StartOptions {
  env: NodeJS.ProcessEnv;
  /** init({ service }). */
  service?: string;
  /** Reports problems that must not stop the application (e.g. the Prometheus port is taken). */
  warn(message: string): void;
  /** Metrics aggregated outside the SDK, handed to every metric reader started here at collection time. */
  metricProducers?: MetricProducer[];
}

/** There is one global provider per process: an SDK started by the first init() serves later ones. */
let running: { refs: number; handle: OpenTelemetryHandle } | undefined;

export async function startOpenTelemetry(config: TelemetryConfig, options: StartOptions): Promise<OpenTelemetryHandle> {
  if (running) {
    running.refs += 1;
    return released(running);
  }
  if (globalProvidersRegistered()) return flushOnly();

  const readers = await metricReaders(config, options);
  const sdk = new NodeSDK({
    serviceName: resourceServiceName(config, options.env, options.service),
    spanProcessors: spanProcessors(config, options.env),
    metricReaders: readers.readers,
    // No OpenTelemetry log pipeline: the SDK logs through winston; an empty list stops the env default.
    logRecordProcessors: [],
    instrumentations: [],
    ...(options.env['OTEL_TRACES_SAMPLER'] ? {} : { sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(config.traces.sample_ratio) }) }),
  });
  sdk.start();
  const state = {
    refs: 1,
    handle: {
      started: true,
      ...(readers.prometheusUrl ? { prometheusUrl: readers.prometheusUrl } : {}),
      shutdown: async () => {
        running = undefined;
        await sdk.shutdown();
        // The SDK leaves its shut-down providers registered; unregister them so a later init() in this
        // process starts a working SDK instead of mistaking them for the application's own.
        trace.disable();
        metrics.disable();
        propagation.disable();
        context.disable();
      },
    },
  };
  running = state;
  return released(state);
}

/** A handle whose shutdown only takes effect when the last init() that shares the SDK shuts down. */
function released(state: { refs: number; handle: OpenTelemetryHandle }): OpenTelemetryHandle {
  let done = false;
  return {
    ...state.handle,
    shutdown: async () => {
      if (done) return;
      done = true;
      state.refs -= 1;
      if (state.refs === 0) await state.handle.shutdown();
      else await flushGlobalProviders();
    },
  };
}

function flushOnly(): OpenTelemetryHandle {
  return { started: false, shutdown: flushGlobalProviders };
}

/**
 * The API hands out no-op providers until someone registers real ones; their class names are the
 * only public sign of "nothing registered".
 */
export function globalProvidersRegistered(): boolean {
  const tracerProvider = (trace.getTracerProvider() as TracerProvider & { getDelegate?: () => TracerProvider }).getDelegate?.() ?? trace.getTracerProvider();
  return tracerProvider.constructor.name !== 'NoopTracerProvider' || metrics.getMeterProvider().constructor.name !== 'NoopMeterProvider';
}

async function flushGlobalProviders(): Promise<void> {
  type Flushable = { forceFlush?: () => Promise<unknown> };
  const tracerProvider = (trace.getTracerProvider() as TracerProvider & { getDelegate?: () => TracerProvider }).getDelegate?.();
  const meterProvider: MeterProvider = metrics.getMeterProvider();
  await Promise.allSettled([(tracerProvider as Flushable | undefined)?.forceFlush?.(), (meterProvider as Flushable).forceFlush?.()]);
}

function spanProcessors(config: TelemetryConfig, env: NodeJS.ProcessEnv): SpanProcessor[] {
  // The standard OTEL_BSP_SCHEDULE_DELAY (ms between batch exports, default 5000), which this
  // BatchSpanProcessor does not read by itself when handed an exporter.
  const delay = Number(env['OTEL_BSP_SCHEDULE_DELAY']);
  const batching = Number.isFinite(delay) && delay > 0 ? { scheduledDelayMillis: delay } : {};
  switch (traceExporterKind(config, env)) {
    case 'otlp':
      return [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: otlpUrl('traces', config, env) }), ...batching })];
    case 'console':
      return [new BatchSpanProcessor({ exporter: new ConsoleSpanExporter(), ...batching })];
    case 'none':
      return [];
  }
}

async function metricReaders(config: TelemetryConfig, options: StartOptions): Promise<{ readers: IMetricReader[]; prometheusUrl?: string }> {
  const readers: IMetricReader[] = [];
  let prometheusUrl: string | undefined;
  const exportIntervalMillis = metricExportIntervalMs(config, options.env);
  const metricProducers = options.metricProducers ?? [];
  for (const kind of metricExporterKinds(config, options.env)) {
    if (kind === 'otlp') readers.push(new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: otlpUrl('metrics', config, options.env) }), exportIntervalMillis, metricProducers }));
    if (kind === 'console') readers.push(new PeriodicExportingMetricReader({ exporter: new ConsoleMetricExporter(), exportIntervalMillis, metricProducers }));
    if (kind === 'prometheus') {
      const { prometheus_host: host, prometheus_port: port } = config.metrics;
      const exporter = await new Promise<PrometheusExporter | undefined>((resolve) => {
        const candidate: PrometheusExporter = new PrometheusExporter({ host, port, metricProducers }, (error) => {
          if (!error) return resolve(candidate);
          // A taken port must not stop the application: calls still work, only scraping does not.
          options.warn(`Prometheus endpoint not started on ${host}:${port}: ${error.message}`);
          resolve(undefined);
        });
      });
      if (exporter) {
        readers.push(exporter);
        prometheusUrl = `http://${host === '0.0.0.0' ? 'localhost' : host}:${port}/metrics`;
      }
    }
  }
  return prometheusUrl ? { readers, prometheusUrl } : { readers };
}
