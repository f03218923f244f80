// Puts the call's trace context into each attempt's metadata through the global propagator (W3C
// traceparent/tracestate and baggage unless OTEL_PROPAGATORS says otherwise), and optionally the
// legacy X-Trace-ID header for callees that have not moved to OpenTelemetry yet.
import { INVALID_SPAN_CONTEXT, isSpanContextValid, propagation, ROOT_CONTEXT, trace, type Context, type Span, type SpanContext, type TextMapSetter } from '@opentelemetry/api';
import type { Metadata } from '@grpc/grpc-js';

export const LEGACY_TRACE_HEADER = 'x-trace-id';

const metadataSetter: TextMapSetter<Metadata> = {
  set: (metadata, key, value) => metadata.set(key, value),
};

/**
 * What the propagator sees is `caller` with the call span as its active span, as a context made with
 * trace.setSpan would show it; no such context is made per call. `caller` and `spanContext` are explicit
 * because a retried attempt starts from a timer, where the caller's context is gone.
 */
export function injectTraceContext(metadata: Metadata, caller: Context, spanContext: SpanContext, legacyHeader: boolean): void {
  if (callContext.busy) return injectFrom(trace.setSpanContext(caller, spanContext), metadata, legacyHeader);
  callContext.fill(caller, spanContext);
  try {
    injectFrom(callContext, metadata, legacyHeader);
  } finally {
    callContext.clear();
  }
}

function injectFrom(context: Context, metadata: Metadata, legacyHeader: boolean): void {
  propagation.inject(context, metadata, metadataSetter);
  if (legacyHeader) {
    const spanContext = trace.getSpanContext(context);
    if (spanContext && isSpanContextValid(spanContext)) metadata.set(LEGACY_TRACE_HEADER, spanContext.traceId);
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
 * One context that every call's inject reuses in turn, instead of a copy of the caller's context per call:
 * inject() reads its context synchronously and keeps nothing of it (TextMapPropagator contract).
 * The span key is answered by a context holding only our span (trace.setSpan knows the API's private key),
 * every other key (baggage, suppression) by the caller's context.
 */
class CallContext implements Context {
  busy = false;
  private caller: Context = ROOT_CONTEXT;
  private readonly span = new SpanContextOnly();
  private readonly spanOnly = trace.setSpan(ROOT_CONTEXT, this.span);

  fill(caller: Context, spanContext: SpanContext): void {
    this.caller = caller;
    this.span.current = spanContext;
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

const callContext = new CallContext();
