// The winston format that puts trace_id, span_id and trace_flags on every line written inside a span, for
// the SDK's logger and for the application's own. winston is loaded on the first use, not on
// import('grpcclient'): a service with telemetry off and no logger of its own never needs it.
import { createRequire } from 'node:module';
import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import type { Logform } from 'winston';

const require = createRequire(import.meta.url);
let format: Logform.FormatWrap | undefined;

/** A winston format adding trace_id, span_id and trace_flags from the active span; use it in your own loggers too. */
export function traceContextFormat(options?: object): Logform.Format {
  format ??= (require('winston') as typeof import('winston')).format((info) => {
    const spanContext = trace.getSpan(context.active())?.spanContext();
    if (spanContext && isSpanContextValid(spanContext)) {
      info['trace_id'] = spanContext.traceId;
      info['span_id'] = spanContext.spanId;
      info['trace_flags'] = spanContext.traceFlags.toString(16).padStart(2, '0');
    }
    return info;
  });
  return format(options);
}
