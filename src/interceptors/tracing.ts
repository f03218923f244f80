// The call's CLIENT span, named and attributed per the OpenTelemetry RPC conventions, plus one child
// span per attempt when a call took more than one. If @opentelemetry/instrumentation-grpc already
// opened a client span for this very call, that span is adopted instead, so a call has one span.
import { SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { status as Status, type StatusObject } from '@grpc/grpc-js';
import type { RegisteredService } from '../channels/manager.ts';
import * as attr from '../telemetry/attributes.ts';
import type { CallState } from '../telemetry/call-state.ts';
import { statusName } from '../telemetry/status-names.ts';

const GRPC_INSTRUMENTATION = '@opentelemetry/instrumentation-grpc';

export interface CallSpan {
  span: Span;
  /** False when the span belongs to instrumentation-grpc, which ends it itself. */
  owned: boolean;
}

export function startCallSpan(tracer: Tracer, service: RegisteredService, method: string, parent: Context): CallSpan {
  const attributes: Attributes = { [attr.RPC_SYSTEM_NAME]: 'grpc', [attr.RPC_METHOD]: method, [attr.SERVER_ADDRESS]: service.target.host };
  if (service.target.port !== undefined) attributes[attr.SERVER_PORT] = service.target.port;
  const active = trace.getSpan(parent);
  if (active && isInstrumentationGrpcSpanOf(active, method)) {
    active.updateName(method);
    active.setAttributes(attributes);
    return { span: active, owned: false };
  }
  return { span: tracer.startSpan(method, { kind: SpanKind.CLIENT, attributes }, parent), owned: true };
}

/** instrumentation-grpc names its client span "grpc.<path without the first slash>"; only SDK spans expose name and scope. */
function isInstrumentationGrpcSpanOf(span: Span, method: string): boolean {
  const readable = span as Span & { name?: string; instrumentationScope?: { name?: string } };
  return readable.instrumentationScope?.name === GRPC_INSTRUMENTATION && readable.name === `grpc.${method}` && span.isRecording();
}

/** Records the outcome on the call span (status ERROR for every non-OK code) and ends it. */
export function finishCallSpan(tracer: Tracer, call: CallSpan, state: CallState, status: StatusObject): void {
  const { span } = call;
  const code = statusName(status.code);
  span.setAttribute(attr.RPC_RESPONSE_STATUS_CODE, code);
  if (status.code !== Status.OK) {
    span.setAttribute(attr.ERROR_TYPE, code);
    span.setStatus({ code: SpanStatusCode.ERROR, message: status.details ? `${code}: ${status.details}` : code });
  }
  if (state.attempts.length > 1) recordAttemptSpans(tracer, call.span, state);
  if (call.owned) span.end();
}

/**
 * Attempt spans are written once the call ends, from the times the attempt layer recorded: a call
 * that needs one attempt (nearly all) then costs one span, and a retried call shows every attempt.
 */
function recordAttemptSpans(tracer: Tracer, callSpan: Span, state: CallState): void {
  const parent = trace.setSpan(state.callerContext, callSpan);
  for (const attempt of state.attempts) {
    const span = tracer.startSpan(
      `Attempt.${state.fullMethod}`,
      {
        kind: SpanKind.INTERNAL,
        startTime: attempt.startedAtEpochMs,
        attributes: {
          [attr.RPC_SYSTEM_NAME]: 'grpc',
          [attr.RPC_METHOD]: state.fullMethod,
          [attr.ATTEMPT_NUMBER]: attempt.number,
          [attr.PREVIOUS_RPC_ATTEMPTS]: attempt.number - 1,
          [attr.TRANSPARENT_RETRY]: false,
        },
      },
      parent,
    );
    const code = attempt.code === undefined ? 'UNKNOWN' : statusName(attempt.code);
    span.setAttribute(attr.RPC_RESPONSE_STATUS_CODE, code);
    if (attempt.code !== Status.OK) {
      span.setAttribute(attr.ERROR_TYPE, code);
      span.setStatus({ code: SpanStatusCode.ERROR, message: code });
    }
    span.end(attempt.startedAtEpochMs + ((attempt.endedAt ?? attempt.startedAt) - attempt.startedAt));
  }
}

/** A72 message events on the call span: one per message, with its sequence number and size. */
export function messageEvent(span: Span, direction: 'Outbound message' | 'Inbound message', sequence: number, size: number): void {
  span.addEvent(direction, { [attr.SEQUENCE_NUMBER]: sequence, [attr.MESSAGE_SIZE]: size });
}

/** Request metadata as span attributes (values already redacted). */
export function requestMetadataAttributes(span: Span, metadata: Record<string, string>): void {
  for (const [key, value] of Object.entries(metadata)) span.setAttribute(attr.RPC_REQUEST_METADATA + key, value);
}
