// The sampling decision for a call span, taken before anything is made for it, on the tracer provider
// grpcclient built (its sampler from sampler.ts and the id generator below): a call the sampler drops
// gets a span context and no span, and a call it keeps gets a span on the very trace id it was judged by.
import { SamplingDecision, SpanKind, TraceFlags, trace, type Attributes, type Context, type Span, type SpanContext, type Tracer } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import { RandomIdGenerator, type IdGenerator, type Sampler } from '@opentelemetry/sdk-trace';

const NO_LINKS: never[] = [];

/**
 * The provider's id generator: random ids as the SDK's default makes them, except that a root call
 * span's trace id is the one its sampling was decided on (the ratio rule reads the trace id).
 */
class DecidedTraceIds implements IdGenerator {
  readonly random = new RandomIdGenerator();
  /** Set only across one synchronous tracer.startSpan() call. */
  decided: string | undefined;

  generateTraceId(): string {
    const decided = this.decided;
    if (decided === undefined) return this.random.generateTraceId();
    this.decided = undefined;
    return decided;
  }

  generateSpanId(): string {
    return this.random.generateSpanId();
  }
}

export class CallSampling {
  readonly sampler: Sampler;
  readonly ids = new DecidedTraceIds();

  /** `sampler` must be what the tracer provider samples with, and `ids` its id generator. */
  constructor(sampler: Sampler) {
    this.sampler = sampler;
  }

  /**
   * What the SDK's tracer would do for a CLIENT span under `parent`, in the same order (suppression, trace
   * id, sampler, span id), but without making a span, a context or a closure when the sampler drops it:
   * then the span context that the tracer's non-recording span would carry (the parent's trace id or a
   * new one, a new span id, flags 0, the parent's trace state) is returned instead of a span.
   */
  start(tracer: Tracer, name: string, attributes: Attributes, parent: Context): Span | SpanContext {
    if (isTracingSuppressed(parent)) return tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, parent);
    const parentSpanContext = trace.getSpanContext(parent);
    const validParent = parentSpanContext !== undefined && trace.isSpanContextValid(parentSpanContext);
    const traceId = validParent ? parentSpanContext.traceId : this.ids.random.generateTraceId();
    const result = this.sampler.shouldSample(parent, traceId, name, SpanKind.CLIENT, attributes, NO_LINKS);
    if (result.decision === SamplingDecision.NOT_RECORD) {
      const spanId = this.ids.random.generateSpanId();
      const traceState = result.traceState ?? (validParent ? parentSpanContext.traceState : undefined);
      return traceState ? { traceId, spanId, traceFlags: TraceFlags.NONE, traceState } : { traceId, spanId, traceFlags: TraceFlags.NONE };
    }
    // Kept: the tracer asks the same sampler again, about the same trace id, and records the span.
    this.ids.decided = validParent ? undefined : traceId;
    try {
      return tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, parent);
    } finally {
      this.ids.decided = undefined;
    }
  }
}
