// The call-level telemetry layer: once per logical call it opens the span, measures every message,
// and when the call ends writes the log line, the call metrics and the span's outcome, in that order
// (the line is written while the span is still open). One interceptor instead of three keeps the
// per-call cost down; each concern lives in its own file (tracing, metrics, logging).
import { context, type Attributes } from '@opentelemetry/api';
import { InterceptingCall, type Interceptor, type InterceptorOptions } from '@grpc/grpc-js';
import type { RegisteredService } from '../channels/manager.ts';
import { currentAttempt, setCallState, type CallState } from '../telemetry/call-state.ts';
import type { TelemetryDeps } from '../telemetry/layers.ts';
import { registeredMethodNamer } from '../telemetry/method-names.ts';
import { metadataForTelemetry } from '../telemetry/redaction.ts';
import { callRecordOf } from './call-record.ts';
import { logCall } from './logging.ts';
import { baseAttributesFor, recordCallEnded } from './metrics.ts';
import { finishCallSpan, messageEvent, requestMetadataAttributes, startCallSpan } from './tracing.ts';

export function callTelemetryInterceptor(service: RegisteredService, deps: TelemetryDeps): Interceptor {
  const metricMethod = registeredMethodNamer(service);
  const { name } = service.config;
  const target = service.target.canonical;
  const baseFor = baseAttributesFor(target, name);
  return (options, nextCall) => {
    const record = callRecordOf(options);
    // Interceptors run synchronously inside the client method, so this is the caller's context.
    const callerContext = context.active();
    const callSpan = startCallSpan(deps.tracer, service, record.method, callerContext);
    const state: CallState = {
      fullMethod: record.method,
      metricMethod: metricMethod(record.method),
      startedAt: performance.now(),
      callerContext,
      span: callSpan.span,
      attempts: [],
      sentMessages: 0,
      rcvdMessages: 0,
      metadata: () => ({}),
    };
    record.span = callSpan.span;
    setCallState(record, state);
    measureMessages(options, state);
    const base: Attributes = baseFor(state.metricMethod);

    return new InterceptingCall(nextCall(options), {
      start: (metadata, _listener, next) => {
        let shown: Record<string, string> | undefined;
        state.metadata = () => (shown ??= metadataForTelemetry(metadata, deps.config.redact_metadata));
        if (callSpan.span.isRecording()) requestMetadataAttributes(callSpan.span, state.metadata());
        next(metadata, {
          onReceiveStatus: (status, nextStatus) => {
            const endedAt = performance.now();
            logCall(deps.logger, name, target, state, status, endedAt);
            recordCallEnded(deps.instruments, base, state, status.code, endedAt);
            finishCallSpan(deps.tracer, callSpan, state, status);
            nextStatus(status);
          },
        });
      },
    });
  };
}

/**
 * Message sizes without serializing twice: grpc-js serializes and parses with the method definition
 * it hands to interceptors (one object per call), so wrapping its two functions sees every message's
 * bytes as they go to and come from the wire. Sizes are of the uncompressed message; the SDK turns on
 * no compression, so they equal the "compressed" sizes gRFC A66 names.
 */
function measureMessages(options: InterceptorOptions, state: CallState): void {
  const definition = options.method_definition;
  const serialize = definition.requestSerialize;
  const deserialize = definition.responseDeserialize;
  // Message events only where they tell something the span does not: on streams. A unary call has
  // exactly one message each way, whose sizes the size histograms carry; two events per call would
  // add to every span's recording and export cost.
  const events = (definition.requestStream || definition.responseStream) && state.span.isRecording();
  definition.requestSerialize = (message) => {
    const bytes = serialize(message);
    const attempt = currentAttempt(state);
    if (attempt) attempt.sentBytes += bytes.length;
    if (events) messageEvent(state.span, 'Outbound message', state.sentMessages, bytes.length);
    state.sentMessages++;
    return bytes;
  };
  definition.responseDeserialize = (bytes) => {
    const attempt = currentAttempt(state);
    if (attempt) attempt.rcvdBytes += bytes.length;
    if (events) messageEvent(state.span, 'Inbound message', state.rcvdMessages, bytes.length);
    state.rcvdMessages++;
    return deserialize(bytes);
  };
}
