// Telemetry of the calls of one service, as the call engine (call/client-call.ts) reports them: the
// call span and trace-context propagation, the A66/A96 measurements, message events on streams, and
// the log line. Everything a call needs is prepared once per service and method; an unsampled call
// costs its propagation header and a few additions.
import { context, trace, type Attributes, type Context, type Tracer } from '@opentelemetry/api';
import { status as Status, type Metadata } from '@grpc/grpc-js';
import type { Logger } from 'winston';
import type { Attempt, CallStatus } from '../call/client-call.ts';
import type { TelemetryConfig } from '../config/types.ts';
import * as attr from './attributes.ts';
import { logCall } from './call-log.ts';
import type { CallMetricsRecorder, MethodSeries } from './call-metrics.ts';
import { finishCallSpan, messageEvent, recordAttemptSpans, requestMetadataAttributes, startCallSpan, type CallSpan } from './call-span.ts';
import { injectTraceContext } from './propagation.ts';
import { metadataForTelemetry } from './redaction.ts';

const MS_PER_S = 1_000;

/** What telemetry keeps about one call between its start and its end. */
export interface CallTrace {
  readonly series: MethodSeries;
  readonly span: CallSpan;
  /** The caller's context with the call span: parent of attempt spans, source of the propagated header. */
  readonly context: Context;
  readonly requestMetadata: Metadata;
  /** Message events only on streams (a unary call's one message each way is in the size histograms). */
  readonly events: boolean;
  sentMessages: number;
  rcvdMessages: number;
}

/** The view of a call that telemetry reads when it ends. */
interface EndedCall {
  readonly attempts: readonly Attempt[];
  readonly policy: { readonly kind: 'none' | 'retry' | 'hedging' };
  /** The attempt whose response was the call's, if one committed. */
  readonly servedBy: Attempt | undefined;
}

export interface CallTelemetryOptions {
  service: string;
  target: string;
  /** Host and port of the configured target: server.address / server.port. */
  host: string;
  port: number | undefined;
  tracer: Tracer;
  metrics: CallMetricsRecorder;
  logger: Logger;
  config: TelemetryConfig;
  /** "pkg.Svc/Method" → grpc.method value: itself when registered, else "other" (bounded cardinality). */
  metricMethod: (method: string) => string;
}

export class CallTelemetry {
  private readonly options: CallTelemetryOptions;
  private readonly spanAttributes = new Map<string, Attributes>();
  private ended = 0;

  constructor(options: CallTelemetryOptions) {
    this.options = options;
  }

  /** Calls whose span, metrics and log line were handed to OpenTelemetry. */
  get callsEnded(): number {
    return this.ended;
  }

  /** `streaming`: the method streams in either direction, so its messages are span events. */
  startCall(method: string, metadata: Metadata, streaming: boolean): CallTrace {
    const { tracer, metrics, metricMethod } = this.options;
    // Called synchronously from the client method, so this is the caller's context.
    const callerContext = context.active();
    const span = startCallSpan(tracer, method, this.attributesOf(method), callerContext);
    const recording = span.span.isRecording();
    if (recording) requestMetadataAttributes(span.span, metadataForTelemetry(metadata, this.options.config.redact_metadata));
    return {
      series: metrics.series(metricMethod(method)),
      span,
      context: trace.setSpan(callerContext, span.span),
      requestMetadata: metadata,
      events: recording && streaming,
      sentMessages: 0,
      rcvdMessages: 0,
    };
  }

  attemptStarted(call: CallTrace | undefined, metadata: Metadata): void {
    if (!call) return;
    call.series.attemptStarted();
    injectTraceContext(metadata, call.context, this.options.config.legacy_trace_header);
  }

  messageSent(call: CallTrace | undefined, size: number): void {
    if (!call) return;
    if (call.events) messageEvent(call.span.span, 'Outbound message', call.sentMessages, size);
    call.sentMessages++;
  }

  messageReceived(call: CallTrace | undefined, size: number): void {
    if (!call) return;
    if (call.events) messageEvent(call.span.span, 'Inbound message', call.rcvdMessages, size);
    call.rcvdMessages++;
  }

  attemptEnded(call: CallTrace | undefined, attempt: Attempt): void {
    if (!call) return;
    const code = attempt.status?.code ?? Status.UNKNOWN;
    call.series.attemptEnded(code, (attempt.endedAt! - attempt.startedAt) / MS_PER_S, attempt.sentBytes, attempt.rcvdBytes);
  }

  /** The log line (while the span is open, so it carries the trace ids), the call metrics, then the span. */
  callEnded(call: CallTrace | undefined, ended: EndedCall, status: CallStatus, durationMs: number, now: number): void {
    if (!call) return;
    this.ended++;
    const { logger, config, tracer } = this.options;
    const { attempts } = ended;
    logCall(logger, call.context, {
      service: status.service,
      target: status.target,
      method: status.method,
      code: status.code,
      details: status.details,
      durationMs,
      attempts: attempts.length,
      metadata: () => metadataForTelemetry(call.requestMetadata, config.redact_metadata),
    });
    const extra = attempts.length - 1;
    const hedged = ended.policy.kind === 'hedging';
    call.series.callEnded(status.code, durationMs / MS_PER_S, hedged ? 0 : extra, hedged ? extra : 0, hedged ? 0 : retryDelayMs(attempts) / MS_PER_S);
    if (!call.span.span.isRecording()) return;
    const served = ended.servedBy ?? attempts[attempts.length - 1];
    if (attempts.length > 1) recordAttemptSpans(tracer, call.context, status.method, attempts, hedged, now);
    finishCallSpan(call.span, status.code, status.details, served?.peer ?? served?.wire.getPeer());
  }

  private attributesOf(method: string): Attributes {
    let attributes = this.spanAttributes.get(method);
    if (!attributes) {
      attributes = { [attr.RPC_SYSTEM_NAME]: 'grpc', [attr.RPC_METHOD]: method, [attr.SERVER_ADDRESS]: this.options.host };
      if (this.options.port !== undefined) attributes[attr.SERVER_PORT] = this.options.port;
      this.spanAttributes.set(method, attributes);
    }
    return attributes;
  }
}

/** Time with no attempt running (gRFC A96 retry_delay): the gaps between one attempt's end and the next one's start. */
export function retryDelayMs(attempts: readonly Attempt[]): number {
  let total = 0;
  for (let index = 1; index < attempts.length; index++) {
    const previous = attempts[index - 1]!;
    total += Math.max(0, attempts[index]!.startedAt - (previous.endedAt ?? previous.startedAt));
  }
  return total;
}
