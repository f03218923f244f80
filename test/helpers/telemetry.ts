// In-memory OpenTelemetry for tests: global tracer and meter providers whose spans and metrics a test
// reads back exactly, registered the way an application that brings its own providers would.
import { context, metrics, propagation, trace, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { MeterProvider, MetricReader, type DataPoint, type Histogram, type MetricData } from '@opentelemetry/sdk-metrics';

/** A reader that exports nothing by itself: collect() is called by the test. */
class TestMetricReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

export interface InMemoryTelemetry {
  exporter: InMemorySpanExporter;
  /** Finished spans of one trace. */
  spansOf(traceId: string): ReadableSpan[];
  /** Every metric as of now, by name. */
  collect(): Promise<Map<string, MetricData>>;
  /** Runs `fn` inside a fresh root span, so a test's spans share a trace id no other test uses. */
  inRootSpan<T>(fn: (root: Span) => Promise<T>): Promise<{ result: T; traceId: string; root: Span }>;
}

export function registerInMemoryTelemetry(): InMemoryTelemetry {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const reader = new TestMetricReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  const tracer = trace.getTracer('test');
  return {
    exporter,
    spansOf: (traceId) => exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId),
    async collect() {
      const { resourceMetrics } = await reader.collect();
      return new Map(resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).map((metric) => [metric.descriptor.name, metric]));
    },
    async inRootSpan(fn) {
      return tracer.startActiveSpan('test-root', async (root) => {
        try {
          const result = await fn(root);
          return { result, traceId: root.spanContext().traceId, root };
        } finally {
          root.end();
        }
      });
    },
  };
}

/** The data points of a metric whose attributes include every given attribute. */
export function pointsWhere<T = number>(metric: MetricData | undefined, attributes: Record<string, unknown>): DataPoint<T>[] {
  if (!metric) return [];
  return (metric.dataPoints as DataPoint<T>[]).filter((point) => Object.entries(attributes).every(([key, value]) => point.attributes[key] === value));
}

export type { Histogram };
