// Which exporters run and where they send: the telemetry config, overridden by the standard OTEL_*
// variables where OpenTelemetry defines one, so an operator's usual settings keep working.
import type { TelemetryConfig } from '../config/types.ts';

const DEFAULT_OTLP_HTTP = 'http://localhost:4318';

export type TraceExporterKind = 'otlp' | 'console' | 'none';
export type MetricExporterKind = 'otlp' | 'prometheus' | 'console';

/** OTEL_TRACES_EXPORTER (first entry) else the config. */
export function traceExporterKind(config: TelemetryConfig, env: NodeJS.ProcessEnv): TraceExporterKind {
  const fromEnv = env['OTEL_TRACES_EXPORTER']?.split(',')[0]?.trim();
  if (fromEnv === 'otlp' || fromEnv === 'console' || fromEnv === 'none') return fromEnv;
  return config.traces.exporter;
}

/** OTEL_METRICS_EXPORTER (a list: otlp, prometheus, console, none) else the config; empty means none. */
export function metricExporterKinds(config: TelemetryConfig, env: NodeJS.ProcessEnv): MetricExporterKind[] {
  const fromEnv = env['OTEL_METRICS_EXPORTER'];
  const names = fromEnv ? fromEnv.split(',').map((name) => name.trim()) : config.metrics.exporter === 'both' ? ['prometheus', 'otlp'] : [config.metrics.exporter];
  return [...new Set(names.filter((name): name is MetricExporterKind => name === 'otlp' || name === 'prometheus' || name === 'console'))];
}

/** Full OTLP HTTP URL of one signal: the per-signal variable as is, else a base URL plus /v1/<signal>. */
export function otlpUrl(signal: 'traces' | 'metrics', config: TelemetryConfig, env: NodeJS.ProcessEnv): string {
  const perSignal = env[`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`];
  if (perSignal) return perSignal;
  const configured = signal === 'metrics' ? config.metrics.endpoint || config.traces.endpoint : config.traces.endpoint;
  const base = env['OTEL_EXPORTER_OTLP_ENDPOINT'] || configured || DEFAULT_OTLP_HTTP;
  return `${base.replace(/\/+$/, '')}/v1/${signal}`;
}

/** OTEL_METRIC_EXPORT_INTERVAL (ms) else the config. */
export function metricExportIntervalMs(config: TelemetryConfig, env: NodeJS.ProcessEnv): number {
  const fromEnv = Number(env['OTEL_METRIC_EXPORT_INTERVAL']);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : config.metrics.export_interval;
}

/** service.name: OTEL_SERVICE_NAME, then init({ service }), then the config; undefined leaves the SDK default. */
export function resourceServiceName(config: TelemetryConfig, env: NodeJS.ProcessEnv, initService?: string): string | undefined {
  return env['OTEL_SERVICE_NAME'] || initService || config.service_name || undefined;
}

/**
 * Longest one OTLP export of a signal may take, retries included: OTEL_EXPORTER_OTLP_<SIGNAL>_TIMEOUT, then
 * OTEL_EXPORTER_OTLP_TIMEOUT (ms), else the config.
 */
export function exportTimeoutMs(signal: 'traces' | 'metrics', config: TelemetryConfig, env: NodeJS.ProcessEnv): number {
  for (const name of [`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_TIMEOUT`, 'OTEL_EXPORTER_OTLP_TIMEOUT']) {
    const fromEnv = Number(env[name]);
    if (Number.isFinite(fromEnv) && fromEnv > 0) return fromEnv;
  }
  return config.export_timeout;
}

/** The standard OTEL_BSP_SCHEDULE_DELAY (ms between batch exports), which the BatchSpanProcessor does not read when handed an exporter. */
export function spanBatchDelayMs(env: NodeJS.ProcessEnv): number | undefined {
  const delay = Number(env['OTEL_BSP_SCHEDULE_DELAY']);
  return Number.isFinite(delay) && delay > 0 ? delay : undefined;
}
