// The order of the interceptor chain, written once. grpc-js runs the first interceptor outermost:
// it sees a call first on the way out and last on the way back. The manager puts its admission
// layer (in-flight tracking, refusal after close) in front of all of these.
import type { Interceptor } from '@grpc/grpc-js';
import type { RegisteredService } from '../channels/manager.ts';
import { deadlineInterceptor } from './deadline.ts';
import { errorContextInterceptor } from './error-context.ts';
import { retryInterceptor, type RetryLayerOptions } from './retry.ts';
import { waitForReadyInterceptor } from './wait-for-ready.ts';

/** Layers contributed by telemetry: some see the logical call once, some see every attempt. */
export interface ChainLayers {
  /** Once per logical call: the call span, call metrics, the call's log line. */
  call(service: RegisteredService): Interceptor[];
  /** Once per attempt: attempt span and metrics, trace-context propagation into the attempt's metadata. */
  attempt(service: RegisteredService): Interceptor[];
}

/** `retry` options are for tests that pin the jitter; production code passes none. */
export function interceptorChain(service: RegisteredService, layers?: ChainLayers, retry: RetryLayerOptions = {}): Interceptor[] {
  const { config, target } = service;
  return [
    // Outside the telemetry layers, so spans, logs and the caller all see details naming service and target.
    errorContextInterceptor(config.name, target.canonical, config.tls.enabled),
    ...(layers?.call(service) ?? []),
    // Before retry, so the one deadline bounds all attempts and backoff.
    deadlineInterceptor(config.deadline, config.retry.timeout),
    // Call-wide, so every attempt waits for a connection the same way.
    ...(config.wait_for_ready ? [waitForReadyInterceptor()] : []),
    // Outside the attempt layers, so each attempt gets its own span and metrics; it sets the
    // attempt number in the call record that those layers read. A service that never retries has no
    // retry layer at all: nothing to pass through on every call.
    ...(config.retry.max > 0 ? [retryInterceptor(service, retry)] : []),
    // Everything below runs once per attempt.
    ...(layers?.attempt(service) ?? []),
  ];
}
