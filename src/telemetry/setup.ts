// Telemetry for one init(): starts (or reuses) OpenTelemetry, makes the logger and the per-service call
// telemetry, watches the manager's channels, and undoes it all in shutdown().
import { metrics, trace } from '@opentelemetry/api';
import type { Logger } from 'winston';
import type { ConnectionManager, RegisteredService } from '../channels/manager.ts';
import type { TelemetryConfig } from '../config/types.ts';
import { flushAppProviders, noticingInstruments, noticingTracer, type Recorded } from './app-providers.ts';
import { duplicatesDeprecatedRpcNames, SDK_PREFIX } from './attributes.ts';
import { AggregatingRecorder, InstrumentRecorder } from './call-metrics.ts';
import { CallTelemetry } from './call-telemetry.ts';
import { countConnectionEvents, observeChannels } from './channel-metrics.ts';
import { createClientInstruments } from './instruments.ts';
import { deferredSdkLogger, type SdkLogger } from './logger.ts';
import { callMetricsProducer } from './metric-producer.ts';
import { registeredMethodNamer } from './method-names.ts';
import { resourceServiceName } from './exporters.ts';
import { startOpenTelemetry, type OpenTelemetryHandle } from './sdk.ts';

export interface Telemetry {
  readonly logger: SdkLogger;
  readonly otel: OpenTelemetryHandle;
  /** The telemetry of one service's calls. */
  forService(service: RegisteredService): CallTelemetry;
  /** Starts the channel gauges and connection counters of a manager. */
  watch(manager: ConnectionManager): void;
  /** Stops watching; shuts down the OpenTelemetry this SDK started, or flushes the application's providers for what it recorded there. */
  shutdown(): Promise<void>;
}

export interface TelemetryOptions {
  env: NodeJS.ProcessEnv;
  service?: string;
  /** Use this logger instead of creating one. */
  logger?: Logger;
}

export async function startTelemetry(config: TelemetryConfig, options: TelemetryOptions): Promise<Telemetry> {
  const serviceName = resourceServiceName(config, options.env, options.service);
  const logger: SdkLogger = options.logger ?? deferredSdkLogger(config.logs, serviceName ? { serviceName } : {});
  const warn = (message: string) => logger.warn(message);
  const otel = await startOpenTelemetry(config, {
    env: options.env,
    warn,
    ...(options.service ? { service: options.service } : {}),
    metricProducers: [callMetricsProducer],
  });
  // Instruments are made after the providers exist: the metrics API has no proxy, and an instrument
  // taken from the no-op provider would stay a no-op.
  const meter = metrics.getMeter(SDK_PREFIX);
  // On the application's providers, what grpcclient records there is noted: shutdown flushes only for that.
  const recorded: Recorded = { spans: false, metrics: false };
  const instruments = otel.started ? createClientInstruments(meter) : noticingInstruments(createClientInstruments(meter), recorded);
  const tracer = otel.started ? trace.getTracer(SDK_PREFIX) : noticingTracer(trace.getTracer(SDK_PREFIX), recorded);
  const deprecatedNames = duplicatesDeprecatedRpcNames(options.env);
  const stops: (() => void)[] = [];
  return {
    logger,
    otel,
    forService(service) {
      const { name } = service.config;
      const target = service.target.canonical;
      let recorder;
      if (otel.started) {
        // Our own readers carry the producer: the fast path.
        const aggregating = new AggregatingRecorder(target, name);
        stops.push(callMetricsProducer.add(aggregating));
        recorder = aggregating;
      } else {
        // The application's MeterProvider: only the API instruments reach it.
        recorder = new InstrumentRecorder(instruments, target, name);
      }
      const telemetry = new CallTelemetry({
        service: name,
        target,
        host: service.target.host,
        port: service.target.port,
        tracer,
        sampling: otel.sampling,
        metrics: recorder,
        logger,
        ownLogger: !options.logger,
        config,
        metricMethod: registeredMethodNamer(service),
        deprecatedNames,
      });
      return telemetry;
    },
    watch(manager) {
      stops.push(countConnectionEvents(manager, instruments), observeChannels(meter, manager));
    },
    async shutdown() {
      // Flush first, so the last export still carries the channel gauges and call metrics. Bounded by flush_timeout, never rejects.
      await (otel.started ? otel.shutdown() : flushAppProviders(recorded, config.flush_timeout, warn));
      for (const stop of stops.splice(0)) stop();
    },
  };
}
