// Starts OpenTelemetry for the process (tracer and meter providers, context manager, propagator), unless
// the application already registered its own providers; shares it across init()s and bounds its shutdown.
import { context, metrics, propagation, trace, type MeterProvider as ApiMeterProvider, type TracerProvider as ApiTracerProvider } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, type MetricProducer } from '@opentelemetry/sdk-metrics';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import type { TelemetryConfig } from '../config/types.ts';
import { SDK_PREFIX } from './attributes.ts';
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
   * Flushes spans and metrics; shuts the providers down only if this SDK started them. Never rejects and
   * takes at most flush_timeout: what is not exported by then is dropped, with a warning.
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
  /** Unregisters the globals, then shuts the providers down within the given time. */
  stop(timeoutMs: number): Promise<void>;
}

/** There is one set of global providers per process: the SDK started by the first init() serves later ones. */
let shared: { refs: number; started: Promise<Started | undefined> } | undefined;

export async function startOpenTelemetry(config: TelemetryConfig, options: StartOptions): Promise<OpenTelemetryHandle> {
  const flushOnly = { started: false, shutdown: () => flushGlobalProviders(config.flush_timeout, options.warn) };
  if (!shared) {
    // OTEL_SDK_DISABLED is the standard switch for "record nothing" while the API stays usable.
    if (globalProvidersRegistered() || options.env['OTEL_SDK_DISABLED'] === 'true') return flushOnly;
    shared = { refs: 0, started: start(config, options) };
  }
  const state = shared;
  state.refs += 1;
  const sdk = await state.started;
  if (!sdk) {
    if (shared === state) shared = undefined;
    return flushOnly;
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
      if (state.refs > 0) return flushGlobalProviders(config.flush_timeout, options.warn);
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
  const { env, warn } = options;
  const failures = exportFailures({ warn, ...(options.now ? { now: options.now } : {}) });
  const pipelines = { env, warn, failures, ...(options.metricProducers ? { metricProducers: options.metricProducers } : {}) };
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

  return {
    ...(prometheusUrl ? { prometheusUrl } : {}),
    ...(sampling ? { sampling } : {}),
    async stop(timeoutMs) {
      // Unregistered first, so an init() that starts while this one still flushes gets providers of its own.
      if (tracerProvider) trace.disable();
      if (meterProvider) metrics.disable();
      if (ownsPropagation) propagation.disable();
      if (ownsContext) context.disable();
      else contextManager.disable();
      const providers = [tracerProvider, meterProvider].filter((provider) => provider !== undefined);
      await settleWithin(timeoutMs, providers.map((provider) => provider.shutdown()), 'shutdown', warn);
    },
  };
}

/**
 * The API hands out no-op providers until someone registers real ones; their class names are the
 * only public sign of "nothing registered".
 */
export function globalProvidersRegistered(): boolean {
  return registeredTracerProvider().constructor.name !== 'NoopTracerProvider' || metrics.getMeterProvider().constructor.name !== 'NoopMeterProvider';
}

/** The tracer provider behind the API's global proxy (the proxy itself when it has no delegate). */
function registeredTracerProvider(): ApiTracerProvider {
  const proxy = trace.getTracerProvider() as ApiTracerProvider & { getDelegate?: () => ApiTracerProvider };
  return proxy.getDelegate?.() ?? proxy;
}

function flushGlobalProviders(timeoutMs: number, warn: (message: string) => void): Promise<void> {
  type Flushable = { forceFlush?: () => Promise<unknown> };
  const tracerProvider: ApiTracerProvider & Flushable = registeredTracerProvider();
  const meterProvider: ApiMeterProvider & Flushable = metrics.getMeterProvider();
  const flushes = [tracerProvider.forceFlush?.(), meterProvider.forceFlush?.()].filter((flush) => flush !== undefined);
  return settleWithin(timeoutMs, flushes, 'flush', warn);
}

/** Waits for every promise, at most timeoutMs; never rejects: failures and the timeout become warnings. */
async function settleWithin(timeoutMs: number, work: Promise<unknown>[], what: string, warn: (message: string) => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
    // A flush still waiting on a dead collector must not be what keeps the process alive.
    timer.unref();
  });
  const outcome = await Promise.race([Promise.allSettled(work), timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    warn(`OpenTelemetry ${what} did not finish within flush_timeout (${timeoutMs}ms); spans and metrics not exported by then are dropped`);
    return;
  }
  for (const result of outcome) if (result.status === 'rejected') warn(`OpenTelemetry ${what} failed: ${String((result.reason as Error)?.message ?? result.reason)}`);
}
