// Per-call state shared down the interceptor chain. The admission layer creates it, the retry layer
// counts attempts and backoff in it, and the telemetry layers read it (attempt number, parent span).
// It rides inside the grpc-js interceptor options, which every layer hands on to the next.
import type { InterceptorOptions } from '@grpc/grpc-js';
import type { Span } from '@opentelemetry/api';

const CALL_RECORD = Symbol('grpcclient.callRecord');

export interface CallRecord {
  /** Full method name without the leading slash: "book.v1.BookService/GetBook". */
  readonly method: string;
  /** Attempts started so far: 1 from the start (the first attempt), raised by the retry layer. */
  attempts: number;
  /**
   * Sum of the backoff and pushback delays the retry layer scheduled. The retry_delay metric measures
   * the actual gaps between attempts instead (gRFC A96), which include timer lateness.
   */
  retryDelayMs: number;
  /** The call's CLIENT span, parent of attempt spans, when tracing is on. */
  span?: Span;
}

type WithRecord = InterceptorOptions & { [CALL_RECORD]?: CallRecord };

export function attachCallRecord(options: InterceptorOptions): InterceptorOptions {
  const record: CallRecord = { method: options.method_definition.path.slice(1), attempts: 1, retryDelayMs: 0 };
  return { ...options, [CALL_RECORD]: record } as WithRecord;
}

/** The record of the call these options belong to; every call made through a manager has one. */
export function callRecordOf(options: InterceptorOptions): CallRecord {
  const record = (options as WithRecord)[CALL_RECORD];
  if (!record) throw new Error('grpcclient: interceptor used outside a ConnectionManager chain (no call record)');
  return record;
}
