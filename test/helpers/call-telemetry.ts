// The call telemetry of one service, wired to whatever the test registered as global OpenTelemetry
// providers, for tests that build a ConnectionManager themselves (to own its timers).
import { metrics, trace } from '@opentelemetry/api';
import type { RegisteredService } from '../../src/channels/manager.ts';
import { loadConfig } from '../../src/index.ts';
import { InstrumentRecorder, type CallMetricsRecorder } from '../../src/telemetry/call-metrics.ts';
import { CallTelemetry } from '../../src/telemetry/call-telemetry.ts';
import { createClientInstruments } from '../../src/telemetry/instruments.ts';
import { createSdkLogger } from '../../src/telemetry/logger.ts';
import { registeredMethodNamer } from '../../src/telemetry/method-names.ts';

export function callTelemetryFor(service: RegisteredService, recorder?: CallMetricsRecorder): CallTelemetry {
  const target = service.target.canonical;
  return new CallTelemetry({
    service: service.config.name,
    target,
    host: service.target.host,
    port: service.target.port,
    tracer: trace.getTracer('grpcclient'),
    metrics: recorder ?? new InstrumentRecorder(createClientInstruments(metrics.getMeter('grpcclient')), target, service.config.name),
    logger: createSdkLogger({ level: 'silent', format: 'json' }),
    config: loadConfig({ grpc_clients: { services: [{ name: 'unused', address: 'unused:1' }] } }, { env: {} }).telemetry,
    metricMethod: registeredMethodNamer(service),
  });
}
