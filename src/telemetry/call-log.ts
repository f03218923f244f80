// One log line per finished call, at a level chosen by who caused the outcome, written in the call
// span's context so it carries the trace and span ids. The line is built only when its level is enabled
// (enabledLogLevel first, then logCall).
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

export type CallLogLevel = 'debug' | 'info' | 'warn';

/**
 * debug for OK and caller-caused outcomes, warn for server/transport trouble, info for the rest (UNIMPLEMENTED,
 * RESOURCE_EXHAUSTED). A call refused because shutdown() had started is UNAVAILABLE yet no backend's trouble:
 * the caller's own lifecycle, so debug like the other outcomes it caused (it gets the error and decides).
 */
export function logLevelFor(code: Status, refusedByShutdown = false): CallLogLevel {
  if (refusedByShutdown) return 'debug';
  if (WARN_CODES.has(code)) return 'warn';
  return CALLER_CODES.has(code) ? 'debug' : 'info';
}

/** The level of a call's line, or undefined when the logger would drop it: then nothing of the line is built. */
export function enabledLogLevel(logger: SdkLogger, code: Status, refusedByShutdown = false): CallLogLevel | undefined {
  const level = logLevelFor(code, refusedByShutdown);
  return logger.isLevelEnabled(level) ? level : undefined;
}

/**
 * enabledLogLevel for every call of a service. winston's isLevelEnabled builds arrays and a closure on each
 * call (about 670 bytes); the SDK's own logger (`fixed`: no one else holds it, so its level and transports
 * never change) is asked once per status code. An application's logger is asked every time, as its level may
 * be changed while it runs.
 */
export function callLogLevels(logger: SdkLogger, fixed: boolean): (code: Status, refusedByShutdown: boolean) => CallLogLevel | undefined {
  if (!fixed) return (code, refusedByShutdown) => enabledLogLevel(logger, code, refusedByShutdown);
  const byCode = new Map<Status, CallLogLevel | undefined>();
  return (code, refusedByShutdown) => {
    // A refusal by shutdown is rare (the last calls of a process): asked as it is, not cached.
    if (refusedByShutdown) return enabledLogLevel(logger, code, true);
    if (!byCode.has(code)) byCode.set(code, enabledLogLevel(logger, code));
    return byCode.get(code);
  };
}

export interface CallLogFields {
  service: string;
  target: string;
  method: string;
  code: Status;
  details: string;
  durationMs: number;
  attempts: number;
  /** Request metadata, redacted. */
  metadata: Record<string, string>;
}

/** Writes the line at `level` (from enabledLogLevel) inside `callContext`, so it carries the call's trace ids. */
export function logCall(logger: SdkLogger, level: CallLogLevel, callContext: Context, call: CallLogFields): void {
  const fields: Record<string, unknown> = {
    service: call.service,
    target: call.target,
    method: call.method,
    status: statusName(call.code),
    duration_ms: Math.round(call.durationMs * 1000) / 1000,
    attempts: call.attempts,
  };
  if (call.code !== Status.OK) fields['details'] = call.details;
  if (Object.keys(call.metadata).length > 0) fields['metadata'] = call.metadata;
  context.with(callContext, () => logger.log(level, 'grpc call finished', fields));
}
