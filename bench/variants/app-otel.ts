// An application's own OpenTelemetry, registered before grpcclient's init(): the peers' tracing setup
// (100% sampled, OTLP to the sink) and a MeterProvider of its own read by a Prometheus endpoint (not
// scraped, as in the other variants). grpcclient then starts nothing and records through the API.
import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { startTracing } from './otel-tracing.ts';

export async function startApplicationOpenTelemetry(sinkUrl: string): Promise<{ shutdown(): Promise<void> }> {
  const tracerProvider = startTracing(sinkUrl, 'bench-grpcclient-app-otel');
  const reader = await new Promise<PrometheusExporter>((resolve, reject) => {
    const exporter: PrometheusExporter = new PrometheusExporter({ host: '127.0.0.1', port: 0 }, (error) => (error ? reject(error) : resolve(exporter)));
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  metrics.setGlobalMeterProvider(meterProvider);
  return { shutdown: async () => void (await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()])) };
}
