// What the telemetry layers know about one logical call and each of its attempts. The call layer
// creates it; the attempt layer fills in one AttemptState per attempt; at the end, spans, metrics and
// the log line are all written from this one record.
import type { Context, Span } from '@opentelemetry/api';
import type { status as Status } from '@grpc/grpc-js';
import type { CallRecord } from '../interceptors/call-record.ts';

export interface AttemptState {
  /** 1-based. */
  readonly number: number;
  /** performance.now() at start, and at the attempt's status. */
  readonly startedAt: number;
  endedAt?: number;
  /** Wall-clock start, for a span created after the fact. */
  readonly startedAtEpochMs: number;
  code?: Status;
  sentBytes: number;
  rcvdBytes: number;
}

export interface CallState {
  /** Full method name, "book.v1.BookService/GetBook". */
  readonly fullMethod: string;
  /** grpc.method as metrics report it: the full name, or "other" when not registered. */
  readonly metricMethod: string;
  readonly startedAt: number;
  /** The caller's context when the call started: parent of the call span, source of baggage. */
  readonly callerContext: Context;
  readonly span: Span;
  readonly attempts: AttemptState[];
  sentMessages: number;
  rcvdMessages: number;
  /**
   * Request metadata as telemetry may show it (sensitive values redacted), worked out only when a
   * recording span or a written log line needs it: most calls need neither.
   */
  metadata: () => Record<string, string>;
}

// A field on the record, not a WeakMap keyed by it: one WeakMap insert per call showed up in the
// benchmark's CPU profile (about 1.8 µs per call, plus ephemeron work for the GC).
type WithState = CallRecord & { telemetryState?: CallState };

export function setCallState(record: CallRecord, state: CallState): void {
  (record as WithState).telemetryState = state;
}

export function callStateOf(record: CallRecord): CallState | undefined {
  return (record as WithState).telemetryState;
}

/** The attempt that is sending or receiving right now (attempts never overlap: no hedging). */
export function currentAttempt(state: CallState): AttemptState | undefined {
  return state.attempts[state.attempts.length - 1];
}
