// The sampling decision for a call span, taken before anything is made for it, on the tracer provider
// grpcclient built (with the sampler and id generator below, around the sampler from sampler.ts): a call
// the sampler drops gets a span context and no span, and a call it keeps gets a span on the very trace id
// and decision it was judged by.
import { SamplingDecision, SpanKind, TraceFlags, trace, type Attributes, type Context, type Span, type SpanContext, type Tracer } from '@opentelemetry/api';
import { randomFillSync } from 'node:crypto';
import { isTracingSuppressed } from '@opentelemetry/core';
import type { IdGenerator, Sampler, SamplingResult } from '@opentelemetry/sdk-trace';

const NO_LINKS: never[] = [];
const TRACE_ID_BYTES = 16;
const SPAN_ID_BYTES = 8;
const POOL_BYTES = 4_096;

/**
 * Random trace and span ids, hex as W3C writes them, cut from a pool of random bytes refilled 4 KiB at a
 * time: one native call per id. (The SDK's own generator writes four Math.random() words per trace id,
 * each a boxed number, which showed in the allocation profile of every call.)
 */
export class RandomIds {
  private readonly fill: (pool: Buffer) => void;
  private readonly pool = Buffer.allocUnsafe(POOL_BYTES);
  private used = POOL_BYTES;

  /** `fill` writes random bytes into the pool (tests pass their own). */
  constructor(fill: (pool: Buffer) => void = randomFillSync) {
    this.fill = fill;
  }

  traceId(): string {
    return this.next(TRACE_ID_BYTES);
  }

  spanId(): string {
    return this.next(SPAN_ID_BYTES);
  }

  private next(bytes: number): string {
    if (this.used + bytes > POOL_BYTES) {
      this.fill(this.pool);
      this.used = 0;
    }
    const start = this.used;
    this.used += bytes;
    // An id of zeros is invalid (W3C trace context): like the SDK's generator, make its last byte 1.
    let zeros = 0;
    while (zeros < bytes && this.pool[start + zeros] === 0) zeros++;
    if (zeros === bytes) this.pool[start + bytes - 1] = 1;
    return this.pool.toString('hex', start, start + bytes);
  }
}

/**
 * A decision taken for the span the tracer is about to start, handed to the provider's id generator and
 * sampler for that one synchronous tracer.startSpan() call: the root trace id it was judged on, and the result.
 */
interface Decided {
  traceId: string;
  root: boolean;
  result: SamplingResult;
}

/** The provider's id generator: random ids, except the trace id a root call span was judged on. */
class DecidedTraceIds implements IdGenerator {
  readonly random = new RandomIds();
  decided: Decided | undefined;

  generateTraceId(): string {
    const decided = this.decided;
    return decided?.root ? decided.traceId : this.random.traceId();
  }

  generateSpanId(): string {
    return this.random.spanId();
  }
}

/** The provider's sampler: the configured one, except that the call span being started gets the decision already taken. */
class DecidedSampler implements Sampler {
  private readonly configured: Sampler;
  private readonly ids: DecidedTraceIds;

  constructor(configured: Sampler, ids: DecidedTraceIds) {
    this.configured = configured;
    this.ids = ids;
  }

  shouldSample(...args: Parameters<Sampler['shouldSample']>): SamplingResult {
    const decided = this.ids.decided;
    if (decided && decided.traceId === args[1]) return decided.result;
    return this.configured.shouldSample(...args);
  }

  toString(): string {
    return this.configured.toString();
  }
}

export class CallSampling {
  readonly ids = new DecidedTraceIds();
  /** What the tracer provider must sample with (the configured sampler), as `ids` must be its id generator. */
  readonly sampler: Sampler;
  private readonly configured: Sampler;

  constructor(configured: Sampler) {
    this.configured = configured;
    this.sampler = new DecidedSampler(configured, this.ids);
  }

  /**
   * What the SDK's tracer would do for a CLIENT span under `parent`, in the same order (suppression, trace
   * id, sampler, span id), but without making a span, a context or a closure when the sampler drops it:
   * then the span context that the tracer's non-recording span would carry (the parent's trace id or a
   * new one, a new span id, flags 0, the parent's trace state) is returned instead of a span. A span the
   * sampler keeps is started by the tracer on that trace id and decision (judged once, not twice).
   */
  start(tracer: Tracer, name: string, attributes: Attributes, parent: Context): Span | SpanContext {
    if (isTracingSuppressed(parent)) return tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, parent);
    const parentSpanContext = trace.getSpanContext(parent);
    const validParent = parentSpanContext !== undefined && trace.isSpanContextValid(parentSpanContext);
    const traceId = validParent ? parentSpanContext.traceId : this.ids.random.traceId();
    const result = this.configured.shouldSample(parent, traceId, name, SpanKind.CLIENT, attributes, NO_LINKS);
    if (result.decision === SamplingDecision.NOT_RECORD) {
      const spanId = this.ids.random.spanId();
      const traceState = result.traceState ?? (validParent ? parentSpanContext.traceState : undefined);
      return traceState ? { traceId, spanId, traceFlags: TraceFlags.NONE, traceState } : { traceId, spanId, traceFlags: TraceFlags.NONE };
    }
    this.ids.decided = { traceId, root: !validParent, result };
    try {
      return tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, parent);
    } finally {
      this.ids.decided = undefined;
    }
  }
}
