// One log line per finished call, at a level chosen by its status, written in the call span's context
// so it carries the trace and span ids.
import { context, trace } from '@opentelemetry/api';
import { status as Status, type StatusObject } from '@grpc/grpc-js';
import type { Logger } from 'winston';
import type { CallState } from '../telemetry/call-state.ts';
import { statusName } from '../telemetry/status-names.ts';

/** Server-side or transport trouble an operator should look at; every other failure is the caller's business. */
const WARN_CODES = new Set([Status.UNAVAILABLE, Status.INTERNAL, Status.DATA_LOSS, Status.UNKNOWN]);

export function logLevelFor(code: Status): 'debug' | 'info' | 'warn' {
  if (code === Status.OK) return 'debug';
  return WARN_CODES.has(code) ? 'warn' : 'info';
}

export function logCall(logger: Logger, serviceName: string, target: string, state: CallState, status: StatusObject, endedAt: number): void {
  const level = logLevelFor(status.code);
  if (!logger.isLevelEnabled(level)) return;
  const fields: Record<string, unknown> = {
    service: serviceName,
    target,
    method: state.fullMethod,
    status: statusName(status.code),
    duration_ms: Math.round((endedAt - state.startedAt) * 1000) / 1000,
    attempts: state.attempts.length,
  };
  if (status.code !== Status.OK) fields['details'] = status.details;
  const metadata = state.metadata();
  if (Object.keys(metadata).length > 0) fields['metadata'] = metadata;
  context.with(trace.setSpan(state.callerContext, state.span), () => logger.log(level, 'grpc call finished', fields));
}
