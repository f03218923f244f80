// Puts the call's trace context into each attempt's metadata through the global propagator (W3C
// traceparent/tracestate and baggage unless OTEL_PROPAGATORS says otherwise), and optionally the
// legacy X-Trace-ID header for callees that have not moved to OpenTelemetry yet.
import { INVALID_SPAN_CONTEXT, isSpanContextValid, propagation, ROOT_CONTEXT, trace, type Context, type Span, type SpanContext, type TextMapSetter } from '@opentelemetry/api';
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

/**
 * The same headers for a call the sampler dropped (call-sampling.ts), which has a span context but no span
 * and no context of its own: what the propagator sees is `caller` with `dropped` as its span, exactly what
 * the context of the SDK's non-recording span would show it.
 */
export function injectDroppedTraceContext(metadata: Metadata, caller: Context, dropped: SpanContext, legacyHeader: boolean): void {
  if (droppedCall.busy) return injectTraceContext(metadata, trace.setSpanContext(caller, dropped), legacyHeader);
  droppedCall.fill(caller, dropped);
  try {
    injectTraceContext(metadata, droppedCall, legacyHeader);
  } finally {
    droppedCall.clear();
  }
}

/** A span that only shows a span context, which its owner changes from call to call. */
class SpanContextOnly implements Span {
  current: SpanContext = INVALID_SPAN_CONTEXT;
  spanContext(): SpanContext {
    return this.current;
  }
  isRecording(): boolean {
    return false;
  }
  setAttribute(): this {
    return this;
  }
  setAttributes(): this {
    return this;
  }
  addEvent(): this {
    return this;
  }
  addLink(): this {
    return this;
  }
  addLinks(): this {
    return this;
  }
  setStatus(): this {
    return this;
  }
  updateName(): this {
    return this;
  }
  end(): void {}
  recordException(): void {}
}

/**
 * One context that every dropped call's inject reuses in turn, instead of a copy of the caller's context
 * per call: inject() reads its context synchronously and keeps nothing of it (TextMapPropagator contract).
 * The span key is answered by a context holding only our span (trace.setSpan knows the API's private key),
 * every other key (baggage, suppression) by the caller's context.
 */
class DroppedCallContext implements Context {
  busy = false;
  private caller: Context = ROOT_CONTEXT;
  private readonly span = new SpanContextOnly();
  private readonly spanOnly = trace.setSpan(ROOT_CONTEXT, this.span);

  fill(caller: Context, dropped: SpanContext): void {
    this.caller = caller;
    this.span.current = dropped;
    this.busy = true;
  }

  /** Keeps no call's context alive between injects. */
  clear(): void {
    this.caller = ROOT_CONTEXT;
    this.span.current = INVALID_SPAN_CONTEXT;
    this.busy = false;
  }

  getValue(key: symbol): unknown {
    return this.spanOnly.getValue(key) ?? this.caller.getValue(key);
  }

  /** A propagator that derives a context of its own gets a real one. */
  setValue(key: symbol, value: unknown): Context {
    return trace.setSpanContext(this.caller, this.span.current).setValue(key, value);
  }

  deleteValue(key: symbol): Context {
    return trace.setSpanContext(this.caller, this.span.current).deleteValue(key);
  }
}

const droppedCall = new DroppedCallContext();
