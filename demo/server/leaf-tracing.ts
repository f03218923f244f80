// Tracing for book-service, the one demo process that calls no other service and so has no
// grpcclient init() to start OpenTelemetry for it. It exports its SERVER spans the way the SDK does
// (OTLP over HTTP, JSON) to the same endpoint: GRPC_CLIENTS_TELEMETRY_TRACES_ENDPOINT, else
// OTEL_EXPORTER_OTLP_ENDPOINT, else http://localhost:4318.
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { otlpSpanExporter } from '../../src/telemetry/otlp-exporters.ts';

export function leafTracing(serviceName: string, env = process.env): { shutdown(): Promise<void> } {
  const base = env['GRPC_CLIENTS_TELEMETRY_TRACES_ENDPOINT'] || env['OTEL_EXPORTER_OTLP_ENDPOINT'] || 'http://localhost:4318';
  // The SDK's own OTLP exporter, stopped as the SDK stops it: one last attempt, then nothing held open.
  const lastAttempt = new AbortController();
  const cutOff = new AbortController();
  const exporter = otlpSpanExporter(`${base.replace(/\/$/, '')}/v1/traces`, 10_000, { lastAttempt: lastAttempt.signal, cutOff: cutOff.signal });
  // OTEL_BSP_SCHEDULE_DELAY is the standard knob; the orchestrator lowers it so the waterfall is ready sooner.
  const scheduledDelayMillis = Number(env['OTEL_BSP_SCHEDULE_DELAY']) || 5_000;
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': env['OTEL_SERVICE_NAME'] || serviceName }),
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis })],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  // Losing the last spans must not turn a clean stop into a failed one (the collector may be gone first).
  return {
    shutdown: () => {
      lastAttempt.abort();
      return provider
        .shutdown()
        .catch(() => undefined)
        .finally(() => cutOff.abort());
    },
  };
}
