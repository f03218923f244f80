// An application's own OpenTelemetry, registered before grpcclient's init(): the peers' tracing setup
// (100% sampled, OTLP to the sink) and a MeterProvider of its own read by a Prometheus exporter (not
// scraped, as in the other variants, so its server is not started: port 0 would mean 9464 to it).
// grpcclient then starts nothing and records through the API.
import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { startTracing } from './otel-tracing.ts';

export function startApplicationOpenTelemetry(sinkUrl: string): { shutdown(): Promise<void> } {
  const tracerProvider = startTracing(sinkUrl, 'bench-grpcclient-app-otel');
  const meterProvider = new MeterProvider({ readers: [new PrometheusExporter({ preventServerStart: true })] });
  metrics.setGlobalMeterProvider(meterProvider);
  return { shutdown: async () => void (await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()])) };
}
