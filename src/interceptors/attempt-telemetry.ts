// The attempt-level telemetry layer: it runs once per attempt (below the retry layer), so it is where
// trace context goes into the outgoing metadata and where attempts are counted and timed.
import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import type { Attributes } from '@opentelemetry/api';
import type { RegisteredService } from '../channels/manager.ts';
import { callStateOf, type AttemptState } from '../telemetry/call-state.ts';
import type { TelemetryDeps } from '../telemetry/layers.ts';
import { callRecordOf } from './call-record.ts';
import { baseAttributesFor, recordAttemptEnded, recordAttemptStarted } from './metrics.ts';
import { injectTraceContext } from './propagation.ts';

export function attemptTelemetryInterceptor(service: RegisteredService, deps: TelemetryDeps): Interceptor {
  const target = service.target.canonical;
  const { name } = service.config;
  const baseFor = baseAttributesFor(target, name);
  return (options, nextCall) => {
    const state = callStateOf(callRecordOf(options));
    if (!state) return new InterceptingCall(nextCall(options));
    const base: Attributes = baseFor(state.metricMethod);
    return new InterceptingCall(nextCall(options), {
      start: (metadata, _listener, next) => {
        const attempt: AttemptState = { number: state.attempts.length + 1, startedAt: performance.now(), startedAtEpochMs: Date.now(), sentBytes: 0, rcvdBytes: 0 };
        state.attempts.push(attempt);
        recordAttemptStarted(deps.instruments, base);
        injectTraceContext(metadata, state, deps.config.legacy_trace_header);
        next(metadata, {
          onReceiveStatus: (status, nextStatus) => {
            attempt.endedAt = performance.now();
            attempt.code = status.code;
            recordAttemptEnded(deps.instruments, base, attempt);
            nextStatus(status);
          },
        });
      },
    });
  };
}
