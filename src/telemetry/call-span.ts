// The call's CLIENT span, named and attributed per the OpenTelemetry RPC conventions, plus one child
// span per attempt when a call took more than one (retried or hedged). If
// @opentelemetry/instrumentation-grpc already opened a client span for this very call, that span is
// adopted instead, so a call has one span.
import { SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type SpanContext, type Tracer } from '@opentelemetry/api';
import { status as Status } from '@grpc/grpc-js';
import * as attr from './attributes.ts';
import type { CallSampling } from './call-sampling.ts';
import { statusName } from './status-names.ts';

const GRPC_INSTRUMENTATION = '@opentelemetry/instrumentation-grpc';

export interface CallSpan {
  span: Span;
  /** False when the span belongs to instrumentation-grpc, which ends it itself. */
  owned: boolean;
}

/**
 * Attributes known at the start go in at the start (cheaper than setAttribute, and seen by samplers).
 * `method` is the full method name instrumentation-grpc's span would be named by; `name` is the span's
 * own name ({rpc.method}, or "grpc" for a method no client declares). With `sampling` (the tracer provider
 * is grpcclient's), a call the sampler drops gets its span context instead of a span.
 */
export function startCallSpan(tracer: Tracer, method: string, name: string, attributes: Attributes, parent: Context, sampling: CallSampling | undefined): CallSpan | SpanContext {
  const active = trace.getSpan(parent);
  if (active && isInstrumentationGrpcSpanOf(active, method)) {
    active.updateName(name);
    active.setAttributes(attributes);
    return { span: active, owned: false };
  }
  if (!sampling) return { span: tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, parent), owned: true };
  const started = sampling.start(tracer, name, attributes, parent);
  return 'traceId' in started ? started : { span: started, owned: true };
}

/**
 * instrumentation-grpc names its client span "grpc.<path without the first slash>"; only SDK spans expose
 * name and scope, which SDK 1.x (an app's sdk-node 0.5x) calls instrumentationLibrary.
 */
function isInstrumentationGrpcSpanOf(span: Span, method: string): boolean {
  type Scope = { name?: string };
  const readable = span as Span & { name?: string; instrumentationScope?: Scope; instrumentationLibrary?: Scope };
  const scope = readable.instrumentationScope ?? readable.instrumentationLibrary;
  return scope?.name === GRPC_INSTRUMENTATION && readable.name === `grpc.${method}` && span.isRecording();
}

/** The status as a span shows it: rpc.status_code always, error.type and ERROR for every non-OK code. */
function setOutcome(span: Span, code: Status, details: string | undefined, deprecatedNames: boolean): void {
  const name = statusName(code);
  span.setAttribute(attr.RPC_STATUS_CODE, name);
  if (deprecatedNames) span.setAttribute(attr.DEPRECATED_RPC_RESPONSE_STATUS_CODE, name);
  if (code !== Status.OK) {
    span.setAttribute(attr.ERROR_TYPE, name);
    span.setStatus({ code: SpanStatusCode.ERROR, message: details ? `${name}: ${details}` : name });
  }
}

/** Parsed peers: a process talks to a bounded set of replicas, and parsing one per call showed in profiles. */
const peers = new Map<string, Attributes>();
const MAX_PEERS = 1_024;
const NO_PEER: Attributes = {};

/** "ipv4:127.0.0.2:9002", "127.0.0.2:9002" or "[::1]:9002" as network.peer.address and port. */
export function peerAttributes(peer: string | undefined): Attributes {
  if (!peer) return NO_PEER;
  let attributes = peers.get(peer);
  if (attributes) return attributes;
  const match = /^(?:ipv[46]:)?\[?([^\]]+?)\]?:(\d+)$/.exec(peer);
  attributes = match ? { [attr.NETWORK_PEER_ADDRESS]: match[1], [attr.NETWORK_PEER_PORT]: Number(match[2]) } : { [attr.NETWORK_PEER_ADDRESS]: peer };
  // Replica churn must not grow this without bound: start over past the cap.
  if (peers.size >= MAX_PEERS) peers.clear();
  peers.set(peer, attributes);
  return attributes;
}

export interface AttemptRecord {
  readonly number: number;
  readonly startedAt: number;
  readonly startedAtEpochMs: number;
  readonly endedAt?: number;
  readonly status?: { code: Status; details: string };
  readonly peer?: string;
  /** A lost hedge, cancelled because another attempt answered: not a failure. */
  readonly superseded?: boolean;
  /** The stream was grpc-js's transparent retry of a refused one. */
  readonly transparentRetry?: boolean;
}

/** Records the outcome on the call span (status ERROR for every non-OK code) and ends it. */
export function finishCallSpan(call: CallSpan, code: Status, details: string, servedBy: string | undefined, deprecatedNames: boolean): void {
  const { span } = call;
  setOutcome(span, code, code === Status.OK ? undefined : details, deprecatedNames);
  span.setAttributes(peerAttributes(servedBy));
  if (call.owned) span.end();
}

/**
 * Attempt spans are written once the call ends, from the times each attempt recorded: a call that
 * needs one attempt (nearly all) then costs one span, and a retried or hedged call shows every attempt,
 * overlapping ones included, each naming the replica that served it.
 */
export function recordAttemptSpans(tracer: Tracer, callContext: Context, call: { name: string; attributes: Attributes }, attempts: readonly AttemptRecord[], hedged: boolean, now: number, deprecatedNames: boolean): void {
  for (const attempt of attempts) {
    const span = tracer.startSpan(
      `Attempt.${call.name}`,
      {
        kind: SpanKind.INTERNAL,
        startTime: attempt.startedAtEpochMs,
        attributes: {
          [attr.RPC_SYSTEM_NAME]: call.attributes[attr.RPC_SYSTEM_NAME],
          [attr.RPC_METHOD]: call.attributes[attr.RPC_METHOD],
          ...(call.attributes[attr.RPC_METHOD_ORIGINAL] === undefined ? {} : { [attr.RPC_METHOD_ORIGINAL]: call.attributes[attr.RPC_METHOD_ORIGINAL] }),
          [attr.ATTEMPT_NUMBER]: attempt.number,
          [attr.PREVIOUS_RPC_ATTEMPTS]: attempt.number - 1,
          [attr.TRANSPARENT_RETRY]: attempt.transparentRetry === true,
          [attr.HEDGE]: hedged,
          ...peerAttributes(attempt.peer),
        },
      },
      callContext,
    );
    // A lost hedge was cancelled by its own call because another copy answered: CANCELLED, but no error.
    if (attempt.superseded) {
      span.setAttributes({ [attr.RPC_STATUS_CODE]: 'CANCELLED', [attr.SUPERSEDED]: true });
      if (deprecatedNames) span.setAttribute(attr.DEPRECATED_RPC_RESPONSE_STATUS_CODE, 'CANCELLED');
    } else {
      setOutcome(span, attempt.status?.code ?? Status.CANCELLED, attempt.status?.details, deprecatedNames);
    }
    span.end(attempt.startedAtEpochMs + ((attempt.endedAt ?? now) - attempt.startedAt));
  }
}

/** A72 message events on the call span: one per message, with its sequence number and size. */
export function messageEvent(span: Span, direction: 'Outbound message' | 'Inbound message', sequence: number, size: number): void {
  span.addEvent(direction, { [attr.SEQUENCE_NUMBER]: sequence, [attr.MESSAGE_SIZE]: size });
}

/** Request metadata as span attributes (values already redacted): rpc.request.header.<key> holds the values as an array. */
export function requestMetadataAttributes(span: Span, metadata: Record<string, string>, deprecatedNames: boolean): void {
  for (const [key, value] of Object.entries(metadata)) {
    span.setAttribute(attr.RPC_REQUEST_HEADER + key, [value]);
    if (deprecatedNames) span.setAttribute(attr.DEPRECATED_RPC_REQUEST_METADATA + key, value);
  }
}
