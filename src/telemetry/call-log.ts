// One log line per finished call, at a level chosen by who caused the outcome, written in the call
// span's context so it carries the trace and span ids. The line is built only when its level is enabled.
import { context, type Context } from '@opentelemetry/api';
import { status as Status } from '@grpc/grpc-js';
import type { SdkLogger } from './logger.ts';
import { statusName } from './status-names.ts';

/** Server-side or transport trouble an operator should look at. */
const WARN_CODES = new Set([Status.UNAVAILABLE, Status.INTERNAL, Status.DATA_LOSS, Status.UNKNOWN]);
/**
 * Outcomes the caller caused or asked for: its own cancel or deadline, and the client-error codes that
 * answer a bad request. They are the caller's business (it gets the error), so they log at debug.
 */
const CALLER_CODES = new Set([
  Status.OK,
  Status.CANCELLED,
  Status.DEADLINE_EXCEEDED,
  Status.INVALID_ARGUMENT,
  Status.NOT_FOUND,
  Status.ALREADY_EXISTS,
  Status.PERMISSION_DENIED,
  Status.UNAUTHENTICATED,
  Status.FAILED_PRECONDITION,
  Status.OUT_OF_RANGE,
  Status.ABORTED,
]);

/**
 * debug for OK and caller-caused outcomes, warn for server/transport trouble, info for the rest (UNIMPLEMENTED,
 * RESOURCE_EXHAUSTED). A call refused because shutdown() had started is UNAVAILABLE yet no backend's trouble:
 * the caller's own lifecycle, so debug like the other outcomes it caused (it gets the error and decides).
 */
export function logLevelFor(code: Status, refusedByShutdown = false): 'debug' | 'info' | 'warn' {
  if (refusedByShutdown) return 'debug';
  if (WARN_CODES.has(code)) return 'warn';
  return CALLER_CODES.has(code) ? 'debug' : 'info';
}

export interface CallLogFields {
  service: string;
  target: string;
  method: string;
  code: Status;
  details: string;
  durationMs: number;
  attempts: number;
  refusedByShutdown: boolean;
  /** Request metadata, redacted; worked out only for a line that is written. */
  metadata: () => Record<string, string>;
}

export function logCall(logger: SdkLogger, callContext: Context, call: CallLogFields): void {
  const level = logLevelFor(call.code, call.refusedByShutdown);
  if (!logger.isLevelEnabled(level)) return;
  const fields: Record<string, unknown> = {
    service: call.service,
    target: call.target,
    method: call.method,
    status: statusName(call.code),
    duration_ms: Math.round(call.durationMs * 1000) / 1000,
    attempts: call.attempts,
  };
  if (call.code !== Status.OK) fields['details'] = call.details;
  const metadata = call.metadata();
  if (Object.keys(metadata).length > 0) fields['metadata'] = metadata;
  context.with(callContext, () => logger.log(level, 'grpc call finished', fields));
}
