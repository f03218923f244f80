// Starts OpenTelemetry for the process (tracer and meter providers, context manager, propagator), unless
// the application already registered its own providers; shares it across init()s and bounds its shutdown.
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, type MetricProducer } from '@opentelemetry/sdk-metrics';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import type { TelemetryConfig } from '../config/types.ts';
import { globalProvidersRegistered } from './app-providers.ts';
import { SDK_PREFIX } from './attributes.ts';
import { settleWithin } from './bounded-wait.ts';
import { EXPORT_FAILURES, exportFailures } from './export-failures.ts';
import { resourceServiceName } from './exporters.ts';
import { metricReaders, spanProcessors } from './pipelines.ts';
import { propagatorFor } from './propagator.ts';
import { CallSampling } from './call-sampling.ts';
import { buildResource } from './resource.ts';
import { samplerFor } from './sampler.ts';

export interface OpenTelemetryHandle {
  /** True when this SDK started the providers (and so owns their shutdown). */
  readonly started: boolean;
  /** The Prometheus scrape endpoint, when one was started. */
  readonly prometheusUrl?: string;
  /** The sampler and id generator of the tracer provider this SDK started (none: no provider of ours). */
  readonly sampling?: CallSampling;
  /**
   * The last init() using the providers this SDK started shuts them down; an earlier one only flushes.
   * Never rejects and takes at most flush_timeout: a refused export is final, what is still in flight then
   * is cut off. Once it resolved nothing of the SDK runs (no retry, socket or timer) and nothing more is
   * logged. Does nothing when the SDK started no providers: the application's are its own (app-providers.ts).
   */
  shutdown(): Promise<void>;
}

export interface StartOptions {
  env: NodeJS.ProcessEnv;
  /** init({ service }). */
  service?: string;
  /** Reports problems that must not stop the application (a taken Prometheus port, a failing exporter). */
  warn(message: string): void;
  /** Extra metric sources (e.g. the call engine's pre-aggregated metrics), handed to every metric reader. */
  metricProducers?: MetricProducer[];
  /** Clock of the once-a-minute export failure warning (ms). */
  now?: () => number;
}

interface Started {
  prometheusUrl?: string;
  sampling?: CallSampling;
  /** Flushes the providers within the given time, for an init() that ends while another still uses them. */
  flush(timeoutMs: number): Promise<void>;
  /** Unregisters the globals, then shuts the providers down within the given time, and stops every export. */
  stop(timeoutMs: number): Promise<void>;
}

/** There is one set of global providers per process: the SDK started by the first init() serves later ones. */
let shared: { refs: number; started: Promise<Started | undefined> } | undefined;

export async function startOpenTelemetry(config: TelemetryConfig, options: StartOptions): Promise<OpenTelemetryHandle> {
  const notStarted = { started: false, shutdown: async () => {} };
  if (!shared) {
    // OTEL_SDK_DISABLED is the standard switch for "record nothing" while the API stays usable.
    if (globalProvidersRegistered() || options.env['OTEL_SDK_DISABLED'] === 'true') return notStarted;
    shared = { refs: 0, started: start(config, options) };
  }
  const state = shared;
  state.refs += 1;
  const sdk = await state.started;
  if (!sdk) {
    if (shared === state) shared = undefined;
    return notStarted;
  }
  let done = false;
  return {
    started: true,
    ...(sdk.prometheusUrl ? { prometheusUrl: sdk.prometheusUrl } : {}),
    ...(sdk.sampling ? { sampling: sdk.sampling } : {}),
    shutdown: async () => {
      if (done) return;
      done = true;
      state.refs -= 1;
      if (state.refs > 0) return sdk.flush(config.flush_timeout);
      if (shared === state) shared = undefined;
      await sdk.stop(config.flush_timeout);
    },
  };
}

/** Undefined (after a warning) when the SDK could not start: telemetry must not fail init(). */
async function start(config: TelemetryConfig, options: StartOptions): Promise<Started | undefined> {
  try {
    return await compose(config, options);
  } catch (error) {
    options.warn(`OpenTelemetry not started: ${(error as Error).message}`);
    return undefined;
  }
}

async function compose(config: TelemetryConfig, options: StartOptions): Promise<Started> {
  const { env } = options;
  const lastAttempt = new AbortController();
  const cutOff = new AbortController();
  // Once shutdown is over the SDK says nothing more: what its cut-off exports report comes after the fact.
  const warn = (message: string) => {
    if (!cutOff.signal.aborted) options.warn(message);
  };
  const failures = exportFailures({ warn, ...(options.now ? { now: options.now } : {}) });
  const signals = { lastAttempt: lastAttempt.signal, cutOff: cutOff.signal };
  const pipelines = { env, warn, failures, signals, ...(options.metricProducers ? { metricProducers: options.metricProducers } : {}) };
  const [processors, { readers, prometheusUrl }] = await Promise.all([spanProcessors(config, pipelines), metricReaders(config, pipelines)]);
  const resource = buildResource(config, env, resourceServiceName(config, env, options.service), warn);

  const contextManager = new AsyncLocalStorageContextManager().enable();
  const ownsContext = context.setGlobalContextManager(contextManager);
  const propagator = propagatorFor(env, warn);
  const ownsPropagation = propagator ? propagation.setGlobalPropagator(propagator) : false;
  // Like the OpenTelemetry Node SDK: a signal with no exporter gets no provider, so its API stays a cheap no-op.
  const meterProvider = readers.length > 0 ? new MeterProvider({ resource, readers }) : undefined;
  if (meterProvider) {
    metrics.setGlobalMeterProvider(meterProvider);
    failures.countWith(meterProvider.getMeter(SDK_PREFIX).createCounter(EXPORT_FAILURES, { unit: '{export}', description: 'Span and metric exports that failed (collector unreachable, timed out or refused), by signal and exporter.' }));
  }
  // Call spans are sampled before they are made (call-sampling.ts), with this provider's own sampler and ids.
  const sampling = processors.length > 0 ? new CallSampling(samplerFor(config, env, warn)) : undefined;
  const tracerProvider = sampling ? new TracerProvider({ resource, spanProcessors: processors, sampler: sampling.sampler, idGenerator: sampling.ids }) : undefined;
  if (tracerProvider) trace.setGlobalTracerProvider(tracerProvider);

  const providers = [tracerProvider, meterProvider].filter((provider) => provider !== undefined);
  return {
    ...(prometheusUrl ? { prometheusUrl } : {}),
    ...(sampling ? { sampling } : {}),
    flush: (timeoutMs) => settleWithin(timeoutMs, providers.map((provider) => provider.forceFlush({ timeoutMillis: timeoutMs })), 'flush', warn),
    async stop(timeoutMs) {
      // Unregistered first, so an init() that starts while this one still flushes gets providers of its own.
      if (tracerProvider) trace.disable();
      if (meterProvider) metrics.disable();
      if (ownsPropagation) propagation.disable();
      if (ownsContext) context.disable();
      else contextManager.disable();
      // The final exports get one attempt each: a refused collector is final, waiting on a retry is not worth a deploy's time.
      lastAttempt.abort();
      // A final export that failed was reported as such already; the flush that rejects with it says nothing new.
      const shutdowns = providers.map((provider) => provider.shutdown().catch((error: unknown) => {
        if (!failures.reported(error)) throw error;
      }));
      await settleWithin(timeoutMs, shutdowns, 'shutdown', warn);
      // A collector that took the connection and never answered: its requests are cut off here, silently.
      cutOff.abort();
    },
  };
}
