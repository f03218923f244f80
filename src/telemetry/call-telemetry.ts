// Telemetry of the calls of one service, as the call engine (call/client-call.ts) reports them: the
// call span and trace-context propagation, the A66/A96 measurements, message events on streams, and
// the log line. Everything a call needs is prepared once per service and method; a call the sampler
// drops costs its propagation header and a few additions: no span, no context, no closure.
import { context, trace, type Attributes, type Context, type SpanContext, type Tracer } from '@opentelemetry/api';
import { status as Status, type Metadata } from '@grpc/grpc-js';
import type { Attempt, RefusedStream } from '../call/attempt.ts';
import type { CallStatus } from '../call/client-call.ts';
import type { TelemetryConfig } from '../config/types.ts';
import * as attr from './attributes.ts';
import { callLogLevels, logCall, type CallLogLevel } from './call-log.ts';
import type { SdkLogger } from './logger.ts';
import type { CallMetricsRecorder, MethodSeries } from './call-metrics.ts';
import type { CallSampling } from './call-sampling.ts';
import { finishCallSpan, messageEvent, recordAttemptSpans, requestMetadataAttributes, startCallSpan, type CallSpan } from './call-span.ts';
import { OTHER_METHOD } from './method-names.ts';
import { injectTraceContext } from './propagation.ts';
import { metadataForTelemetry } from './redaction.ts';

const MS_PER_S = 1_000;

/** What telemetry keeps about one call between its start and its end. */
export interface CallTrace {
  readonly series: MethodSeries;
  readonly requestMetadata: Metadata;
  /** The caller's context: the call span's parent. */
  readonly callerContext: Context;
  /**
   * The recording call span; undefined for a call the sampler dropped (here before a span was made, or by
   * the application's tracer, which made a non-recording span).
   */
  readonly span: CallSpan | undefined;
  /** The call's span context, recorded or dropped: what each attempt's headers carry. */
  readonly spanContext: SpanContext;
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
  /** Refused before any attempt because shutdown() had started. */
  readonly refusedByShutdown: boolean;
  /** Streams the server refused and grpc-js retried transparently. */
  readonly refusedStreams: readonly RefusedStream[] | undefined;
}

export interface CallTelemetryOptions {
  service: string;
  target: string;
  /** Host and port of the configured target: server.address / server.port. */
  host: string;
  port: number | undefined;
  tracer: Tracer;
  /** Set when grpcclient built the tracer provider: sampling is then decided before a span is made. */
  sampling?: CallSampling | undefined;
  metrics: CallMetricsRecorder;
  logger: SdkLogger;
  /** The logger is the SDK's own, which nothing else can reconfigure: its levels are read once. */
  ownLogger?: boolean;
  config: TelemetryConfig;
  /** "pkg.Svc/Method" → grpc.method value: itself when registered, else "other" (bounded cardinality). */
  metricMethod: (method: string) => string;
  /** Also write the RPC attribute names deprecated by semantic conventions v1.45.0 (OTEL_SEMCONV_STABILITY_OPT_IN=rpc/dup). */
  deprecatedNames?: boolean;
}

/** A call span's name and start attributes, per the RPC conventions. */
interface SpanNaming {
  readonly name: string;
  readonly attributes: Attributes;
}

export class CallTelemetry {
  private readonly options: CallTelemetryOptions;
  private readonly deprecatedNames: boolean;
  private readonly logLevelOf: (code: Status, refusedByShutdown: boolean) => CallLogLevel | undefined;
  /** Only methods a client declares: their number is bounded, unlike the paths of generic calls. */
  private readonly namings = new Map<string, SpanNaming>();

  constructor(options: CallTelemetryOptions) {
    this.options = options;
    this.deprecatedNames = options.deprecatedNames ?? false;
    this.logLevelOf = callLogLevels(options.logger, options.ownLogger ?? false);
  }

  /** `streaming`: the method streams in either direction, so its messages are span events. */
  startCall(method: string, metadata: Metadata, streaming: boolean): CallTrace {
    const { tracer, metrics, metricMethod, sampling } = this.options;
    // Called synchronously from the client method, so this is the caller's context.
    const callerContext = context.active();
    const metricName = metricMethod(method);
    const naming = this.namingOf(method, metricName !== OTHER_METHOD);
    const series = metrics.series(metricName);
    const started = startCallSpan(tracer, method, naming.name, naming.attributes, callerContext, sampling);
    // No call gets a context of its own here: its headers are injected from the caller's context and its
    // span context (propagation.ts), and a context is made only for what needs one (a log line, attempt spans).
    if ('traceId' in started) return { series, requestMetadata: metadata, callerContext, span: undefined, spanContext: started, events: false, sentMessages: 0, rcvdMessages: 0 };
    const spanContext = started.span.spanContext();
    if (!started.span.isRecording()) return { series, requestMetadata: metadata, callerContext, span: undefined, spanContext, events: false, sentMessages: 0, rcvdMessages: 0 };
    requestMetadataAttributes(started.span, metadataForTelemetry(metadata, this.options.config.redact_metadata), this.deprecatedNames);
    return { series, requestMetadata: metadata, callerContext, span: started, spanContext, events: streaming, sentMessages: 0, rcvdMessages: 0 };
  }

  attemptStarted(call: CallTrace | undefined, metadata: Metadata): void {
    if (!call) return;
    call.series.attemptStarted();
    injectTraceContext(metadata, call.callerContext, call.spanContext, this.options.config.legacy_trace_header);
  }

  messageSent(call: CallTrace | undefined, size: number): void {
    if (!call) return;
    if (call.events) messageEvent(call.span!.span, 'Outbound message', call.sentMessages, size);
    call.sentMessages++;
  }

  messageReceived(call: CallTrace | undefined, size: number): void {
    if (!call) return;
    if (call.events) messageEvent(call.span!.span, 'Inbound message', call.rcvdMessages, size);
    call.rcvdMessages++;
  }

  attemptEnded(call: CallTrace | undefined, attempt: Attempt): void {
    if (!call) return;
    const code = attempt.status?.code ?? Status.UNKNOWN;
    call.series.attemptEnded(code, (attempt.endedAt! - attempt.startedAt) / MS_PER_S, attempt.sentBytes, attempt.rcvdBytes);
  }

  /** A refused stream ended and grpc-js started its transparent retry: one attempt more (A66). */
  streamRefused(call: CallTrace | undefined, refused: RefusedStream): void {
    if (!call) return;
    call.series.attemptEnded(refused.status.code, (refused.endedAt - refused.startedAt) / MS_PER_S, refused.sentBytes, refused.rcvdBytes);
    call.series.attemptStarted();
  }

  /** The log line (while the span is open, so it carries the trace ids), the call metrics, then the span. */
  callEnded(call: CallTrace | undefined, ended: EndedCall, status: CallStatus, durationMs: number, now: number): void {
    if (!call) return;
    const { logger, config, tracer } = this.options;
    const { attempts } = ended;
    const level = this.logLevelOf(status.code, ended.refusedByShutdown);
    if (level) {
      logCall(logger, level, callContext(call), {
        service: status.service,
        target: status.target,
        method: status.method,
        code: status.code,
        details: status.details,
        durationMs,
        attempts: attempts.length,
        metadata: metadataForTelemetry(call.requestMetadata, config.redact_metadata),
      });
    }
    const extra = attempts.length - 1;
    const hedged = ended.policy.kind === 'hedging';
    const refused = ended.refusedStreams;
    const transparentRetries = refused ? refused.length : 0;
    call.series.callEnded(status.code, durationMs / MS_PER_S, hedged ? 0 : extra, hedged ? extra : 0, transparentRetries, hedged ? 0 : retryDelayMs(attempts) / MS_PER_S);
    const { span } = call;
    // An adopted instrumentation-grpc span may have been ended by its owner meanwhile.
    if (!span?.span.isRecording()) return;
    const served = ended.servedBy ?? attempts[attempts.length - 1];
    if (attempts.length > 1 || refused) {
      const naming = this.namingOf(status.method, this.options.metricMethod(status.method) !== OTHER_METHOD);
      recordAttemptSpans(tracer, callContext(call), naming, refused ? [...refused, ...attempts] : attempts, hedged, now, this.deprecatedNames);
    }
    finishCallSpan(span, status.code, status.details, served?.peer ?? served?.wire.getPeer(), this.deprecatedNames);
  }

  /**
   * Span name {rpc.method} and rpc.method = the full name for a method a client declares; else (a generic
   * call's path) rpc.method "_OTHER" with the path in rpc.method_original, and the span named "grpc"
   * ({rpc.system.name}), as the conventions ask for methods an instrumentation does not recognise.
   */
  private namingOf(method: string, known: boolean): SpanNaming {
    let naming = known ? this.namings.get(method) : undefined;
    if (naming) return naming;
    const attributes: Attributes = { [attr.RPC_SYSTEM_NAME]: 'grpc', [attr.RPC_METHOD]: known ? method : attr.RPC_METHOD_OTHER };
    if (!known) attributes[attr.RPC_METHOD_ORIGINAL] = method;
    attributes[attr.SERVER_ADDRESS] = this.options.host;
    if (this.options.port !== undefined) attributes[attr.SERVER_PORT] = this.options.port;
    naming = { name: known ? method : 'grpc', attributes };
    if (known) this.namings.set(method, naming);
    return naming;
  }
}

/** The caller's context with the call span in it: the parent of attempt spans, and where the log line is written. */
function callContext(call: CallTrace): Context {
  return call.span ? trace.setSpan(call.callerContext, call.span.span) : trace.setSpanContext(call.callerContext, call.spanContext);
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
