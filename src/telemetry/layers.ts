// The telemetry layers the interceptor chain inserts (see interceptors/chain.ts for where they sit).
import type { Tracer } from '@opentelemetry/api';
import type { Logger } from 'winston';
import type { TelemetryConfig } from '../config/types.ts';
import type { ChainLayers } from '../interceptors/chain.ts';
import { attemptTelemetryInterceptor } from '../interceptors/attempt-telemetry.ts';
import { callTelemetryInterceptor } from '../interceptors/call-telemetry.ts';
import type { ClientInstruments } from './instruments.ts';

/** What the telemetry interceptors write to. */
export interface TelemetryDeps {
  tracer: Tracer;
  instruments: ClientInstruments;
  logger: Logger;
  config: TelemetryConfig;
}

export function telemetryLayers(deps: TelemetryDeps): ChainLayers {
  return {
    call: (service) => [callTelemetryInterceptor(service, deps)],
    attempt: (service) => [attemptTelemetryInterceptor(service, deps)],
  };
}
