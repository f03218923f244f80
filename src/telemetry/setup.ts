// Telemetry for one init(): starts (or reuses) OpenTelemetry, creates the instruments, the logger and
// the chain layers, watches the manager's channels, and undoes it all in shutdown().
import { metrics, trace } from '@opentelemetry/api';
import type { MetricProducer } from '@opentelemetry/sdk-metrics';
import type { Logger } from 'winston';
import type { ConnectionManager } from '../channels/manager.ts';
import type { TelemetryConfig } from '../config/types.ts';
import type { ChainLayers } from '../interceptors/chain.ts';
import { SDK_PREFIX } from './attributes.ts';
import { countConnectionEvents, observeChannels } from './channel-metrics.ts';
import { createClientInstruments } from './instruments.ts';
import { telemetryLayers } from './layers.ts';
import { createSdkLogger } from './logger.ts';
import { resourceServiceName } from './exporters.ts';
import { startOpenTelemetry, type OpenTelemetryHandle } from './sdk.ts';

export interface Telemetry {
  readonly layers: ChainLayers;
  readonly logger: Logger;
  readonly otel: OpenTelemetryHandle;
  /** Starts the channel gauges and connection counters of a manager. */
  watch(manager: ConnectionManager): void;
  /** Stops watching and flushes (or, if the SDK started it, shuts down) OpenTelemetry. */
  shutdown(): Promise<void>;
}

export interface TelemetryOptions {
  env: NodeJS.ProcessEnv;
  service?: string;
  /** Use this logger instead of creating one. */
  logger?: Logger;
  /** Extra metric sources handed to every metric reader the SDK starts. */
  metricProducers?: MetricProducer[];
}

export async function startTelemetry(config: TelemetryConfig, options: TelemetryOptions): Promise<Telemetry> {
  const serviceName = resourceServiceName(config, options.env, options.service);
  const logger = options.logger ?? createSdkLogger(config.logs, serviceName ? { serviceName } : {});
  const otel = await startOpenTelemetry(config, {
    env: options.env,
    warn: (message) => logger.warn(message),
    ...(options.service ? { service: options.service } : {}),
    ...(options.metricProducers ? { metricProducers: options.metricProducers } : {}),
  });
  // Instruments are made after the providers exist: the metrics API has no proxy, and an instrument
  // taken from the no-op provider would stay a no-op.
  const meter = metrics.getMeter(SDK_PREFIX);
  const instruments = createClientInstruments(meter);
  const layers = telemetryLayers({ tracer: trace.getTracer(SDK_PREFIX), instruments, logger, config });
  const stops: (() => void)[] = [];
  return {
    layers,
    logger,
    otel,
    watch(manager) {
      stops.push(countConnectionEvents(manager, instruments), observeChannels(meter, manager));
    },
    async shutdown() {
      // Flush first, so the last export still carries the channel gauges. Bounded by flush_timeout, never rejects.
      await otel.shutdown();
      for (const stop of stops.splice(0)) stop();
    },
  };
}
