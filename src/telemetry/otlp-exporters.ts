// The OTLP/HTTP span and metric exporters: OpenTelemetry's own parts (settings read from OTEL_EXPORTER_OTLP_*,
// the JSON serializers, the export queue, the metric temporality choice) around the SDK's stoppable transport.
// Both OpenTelemetry JS lines the package supports are served: 0.300+ (SDK 3.x) hands the export delegate the
// exporter's self-metrics, 0.2xx (SDK 2.x) has no such argument and no such helpers. Namespace imports, so a
// name one line lacks is read as undefined instead of failing the import.
import * as exporterBase from '@opentelemetry/otlp-exporter-base';
import { convertLegacyHttpOptions } from '@opentelemetry/otlp-exporter-base/node-http';
import * as transformer from '@opentelemetry/otlp-transformer';
import type { IExporterMetricsHelper, ISerializer } from '@opentelemetry/otlp-transformer';
import type { PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { OtlpHttpTransport, type TransportSignals } from './otlp-transport.ts';

const JSON_HEADERS = { 'Content-Type': 'application/json' };

type Settings = ReturnType<typeof convertLegacyHttpOptions>;

export function otlpSpanExporter(url: string, timeoutMillis: number, signals: TransportSignals): SpanExporter {
  const settings = convertLegacyHttpOptions({ url, timeoutMillis }, 'TRACES', 'v1/traces', JSON_HEADERS);
  const delegate = exportDelegate<ReadableSpan[]>(settings, transformer.JsonTraceSerializer, 'otlp_http_span_exporter', transformer.TraceExporterMetricsHelper, signals);
  return new exporterBase.OTLPExporterBase(delegate);
}

/** Async: the metric exporter's package (its temporality choice) loads only when metrics go to OTLP. */
export async function otlpMetricExporter(url: string, timeoutMillis: number, signals: TransportSignals): Promise<PushMetricExporter> {
  const { OTLPMetricExporterBase } = await import('@opentelemetry/exporter-metrics-otlp-http');
  const settings = convertLegacyHttpOptions({ url, timeoutMillis }, 'METRICS', 'v1/metrics', JSON_HEADERS);
  return new OTLPMetricExporterBase(exportDelegate<ResourceMetrics>(settings, transformer.JsonMetricsSerializer, 'otlp_http_metric_exporter', transformer.MetricsExporterMetricsHelper, signals));
}

/**
 * OpenTelemetry's export delegate (queue, timeouts, response handling) over our transport. On 0.300+ it also
 * takes the exporter's self-observability metrics, off (no meter provider) as in the stock exporters by default.
 */
function exportDelegate<Internal>(settings: Settings, serializer: ISerializer<Internal, unknown>, componentType: string, metricsHelper: IExporterMetricsHelper<Internal> | undefined, signals: TransportSignals) {
  const transport = new OtlpHttpTransport(settings, signals);
  const create = exporterBase.createOtlpNetworkExportDelegate as unknown as (...args: unknown[]) => ReturnType<typeof exporterBase.createOtlpNetworkExportDelegate<Internal, unknown>>;
  const ExporterMetrics = (exporterBase as Partial<typeof exporterBase>).ExporterMetrics;
  if (!ExporterMetrics || !metricsHelper) return create(settings, serializer, transport);
  const metrics = new ExporterMetrics({ componentType, metricsHelper, url: undefined, meterProvider: undefined, responseAttributesFromError: () => ({}) });
  return create(settings, serializer, metrics, transport);
}
