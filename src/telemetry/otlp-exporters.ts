// The OTLP/HTTP span and metric exporters: OpenTelemetry's own parts (settings read from OTEL_EXPORTER_OTLP_*,
// the JSON serializers, the export queue, the metric temporality choice) around the SDK's stoppable transport.
import { ExporterMetrics, OTLPExporterBase, createOtlpNetworkExportDelegate } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyHttpOptions } from '@opentelemetry/otlp-exporter-base/node-http';
import { JsonMetricsSerializer, JsonTraceSerializer, MetricsExporterMetricsHelper, TraceExporterMetricsHelper, type IExporterMetricsHelper } from '@opentelemetry/otlp-transformer';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import { OtlpHttpTransport, type TransportSignals } from './otlp-transport.ts';

const JSON_HEADERS = { 'Content-Type': 'application/json' };

export function otlpSpanExporter(url: string, timeoutMillis: number, signals: TransportSignals): SpanExporter {
  const settings = convertLegacyHttpOptions({ url, timeoutMillis }, 'TRACES', 'v1/traces', JSON_HEADERS);
  return new OTLPExporterBase(createOtlpNetworkExportDelegate(settings, JsonTraceSerializer, quietMetrics('otlp_http_span_exporter', TraceExporterMetricsHelper), new OtlpHttpTransport(settings, signals)));
}

/** Async: the metric exporter's package (its temporality choice) loads only when metrics go to OTLP. */
export async function otlpMetricExporter(url: string, timeoutMillis: number, signals: TransportSignals): Promise<PushMetricExporter> {
  const { OTLPMetricExporterBase } = await import('@opentelemetry/exporter-metrics-otlp-http');
  const settings = convertLegacyHttpOptions({ url, timeoutMillis }, 'METRICS', 'v1/metrics', JSON_HEADERS);
  return new OTLPMetricExporterBase(createOtlpNetworkExportDelegate(settings, JsonMetricsSerializer, quietMetrics('otlp_http_metric_exporter', MetricsExporterMetricsHelper), new OtlpHttpTransport(settings, signals)));
}

/** The exporter's self-observability metrics, off (no meter provider) as in the stock exporters by default. */
function quietMetrics<Internal>(componentType: string, metricsHelper: IExporterMetricsHelper<Internal>): ExporterMetrics<Internal> {
  return new ExporterMetrics({ componentType, metricsHelper, url: undefined, meterProvider: undefined, responseAttributesFromError: () => ({}) });
}
