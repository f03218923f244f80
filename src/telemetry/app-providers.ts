// The application's own OpenTelemetry providers (it started @opentelemetry/sdk-node, or registered providers
// before init()): grpcclient only records into them. shutdown() flushes a provider only when grpcclient recorded
// something there, bounded by flush_timeout, and never shuts one down: their lifecycle is the application's.
import { metrics, trace, type Counter, type Histogram, type MeterProvider, type Tracer, type TracerProvider, type UpDownCounter } from '@opentelemetry/api';
import { settleWithin } from './bounded-wait.ts';
import type { ClientInstruments } from './instruments.ts';

/** What grpcclient handed the application's providers since init(). */
export interface Recorded {
  spans: boolean;
  metrics: boolean;
}

/**
 * The API hands out no-op providers until someone registers real ones; their class names are the
 * only public sign of "nothing registered".
 */
export function globalProvidersRegistered(): boolean {
  return registeredTracerProvider().constructor.name !== 'NoopTracerProvider' || metrics.getMeterProvider().constructor.name !== 'NoopMeterProvider';
}

/** The tracer provider behind the API's global proxy (the proxy itself when it has no delegate). */
function registeredTracerProvider(): TracerProvider {
  const proxy = trace.getTracerProvider() as TracerProvider & { getDelegate?: () => TracerProvider };
  return proxy.getDelegate?.() ?? proxy;
}

/** The tracer, noting each span that the application's provider records. */
export function noticingTracer(tracer: Tracer, recorded: Recorded): Tracer {
  return {
    startSpan(name, options, context) {
      const span = tracer.startSpan(name, options, context);
      if (span.isRecording()) recorded.spans = true;
      return span;
    },
    // Required by the Tracer interface; the SDK starts every span of its own with startSpan.
    startActiveSpan: tracer.startActiveSpan.bind(tracer),
  };
}

/** The instruments, each noting that it took a measurement. */
export function noticingInstruments(instruments: ClientInstruments, recorded: Recorded): ClientInstruments {
  const noticing = (instrument: Counter | Histogram | UpDownCounter) =>
    'record' in instrument
      ? { record: (...args: Parameters<Histogram['record']>) => ((recorded.metrics = true), instrument.record(...args)) }
      : { add: (...args: Parameters<Counter['add']>) => ((recorded.metrics = true), instrument.add(...args)) };
  return Object.fromEntries(Object.entries(instruments).map(([name, instrument]) => [name, noticing(instrument)])) as unknown as ClientInstruments;
}

/**
 * Flushes the providers grpcclient recorded into, so its last spans and measurements leave even if the
 * application exits without shutting its SDK down; a provider it did not use is not waited for at all.
 */
export function flushAppProviders(recorded: Recorded, timeoutMs: number, warn: (message: string) => void): Promise<void> {
  type Flushable = { forceFlush?: (options?: { timeoutMillis?: number }) => Promise<unknown> };
  const tracerProvider: TracerProvider & Flushable = registeredTracerProvider();
  const meterProvider: MeterProvider & Flushable = metrics.getMeterProvider();
  // The SDK providers' own flush timers (30 s by default) would otherwise outlive ours.
  const options = { timeoutMillis: timeoutMs };
  const flushes = [recorded.spans ? tracerProvider.forceFlush?.(options) : undefined, recorded.metrics ? meterProvider.forceFlush?.(options) : undefined];
  return settleWithin(timeoutMs, flushes.filter((flush) => flush !== undefined), 'flush', warn);
}
