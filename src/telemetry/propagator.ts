// The global propagator: W3C trace context and baggage, or what OTEL_PROPAGATORS lists of those two.
import type { TextMapPropagator } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';

/** Undefined for OTEL_PROPAGATORS=none (or nothing usable): the SDK then registers no propagator. */
export function propagatorFor(env: NodeJS.ProcessEnv, warn: (message: string) => void): TextMapPropagator | undefined {
  const names = [...new Set((env['OTEL_PROPAGATORS'] || 'tracecontext,baggage').split(',').map((name) => name.trim()).filter(Boolean))];
  if (names.includes('none')) return undefined;
  const propagators: TextMapPropagator[] = [];
  for (const name of names) {
    if (name === 'tracecontext') propagators.push(new W3CTraceContextPropagator());
    else if (name === 'baggage') propagators.push(new W3CBaggagePropagator());
    // b3, jaeger, xray… live in packages of their own that the SDK does not depend on.
    else warn(`OTEL_PROPAGATORS entry "${name}" is not supported (tracecontext, baggage, none); ignored`);
  }
  if (propagators.length === 0) return undefined;
  return propagators.length === 1 ? propagators[0] : new CompositePropagator({ propagators });
}
