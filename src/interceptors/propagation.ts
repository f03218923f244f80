// Puts the call's trace context into each attempt's metadata through the global propagator (W3C
// traceparent/tracestate and baggage unless OTEL_PROPAGATORS says otherwise), and optionally the
// legacy X-Trace-ID header for callees that have not moved to OpenTelemetry yet.
import { isSpanContextValid, propagation, trace, type TextMapSetter } from '@opentelemetry/api';
import type { Metadata } from '@grpc/grpc-js';
import type { CallState } from '../telemetry/call-state.ts';

export const LEGACY_TRACE_HEADER = 'x-trace-id';

const metadataSetter: TextMapSetter<Metadata> = {
  set: (metadata, key, value) => metadata.set(key, value),
};

export function injectTraceContext(metadata: Metadata, state: CallState, legacyHeader: boolean): void {
  // Explicit context: a retried attempt starts from a timer, where the caller's context is gone.
  propagation.inject(trace.setSpan(state.callerContext, state.span), metadata, metadataSetter);
  if (legacyHeader) {
    const spanContext = state.span.spanContext();
    if (isSpanContextValid(spanContext)) metadata.set(LEGACY_TRACE_HEADER, spanContext.traceId);
  }
}
