// Puts the call's trace context into each attempt's metadata through the global propagator (W3C
// traceparent/tracestate and baggage unless OTEL_PROPAGATORS says otherwise), and optionally the
// legacy X-Trace-ID header for callees that have not moved to OpenTelemetry yet.
import { isSpanContextValid, propagation, trace, type Context, type TextMapSetter } from '@opentelemetry/api';
import type { Metadata } from '@grpc/grpc-js';

export const LEGACY_TRACE_HEADER = 'x-trace-id';

const metadataSetter: TextMapSetter<Metadata> = {
  set: (metadata, key, value) => metadata.set(key, value),
};

/** `callContext` holds the call span: explicit, because a retried attempt starts from a timer, where the caller's context is gone. */
export function injectTraceContext(metadata: Metadata, callContext: Context, legacyHeader: boolean): void {
  propagation.inject(callContext, metadata, metadataSetter);
  if (legacyHeader) {
    const spanContext = trace.getSpanContext(callContext);
    if (spanContext && isSpanContextValid(spanContext)) metadata.set(LEGACY_TRACE_HEADER, spanContext.traceId);
  }
}
