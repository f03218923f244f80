// SERVER spans for the demo's gRPC handlers: the caller's W3C traceparent is extracted from the
// request metadata, so each server span is the child of the client span that made the call, and
// the handler runs inside it, so the calls it makes in turn are children of the server span.
//
// Why not @opentelemetry/instrumentation-grpc: it must patch @grpc/grpc-js before anything loads it,
// which under ESM needs a loader hook (--import), and it also adds a second CLIENT span to every call
// grpcclient already traces. Wrapping our own handlers needs neither.
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span, type TextMapGetter } from '@opentelemetry/api';
import { status as Status, type Metadata } from '@grpc/grpc-js';

const tracer = trace.getTracer('grpcclient-demo-server');

const metadataGetter: TextMapGetter<Metadata> = {
  keys: (metadata) => Object.keys(metadata.getMap()),
  get: (metadata, key) => {
    const values = metadata.get(key).map(String);
    return values.length > 0 ? values : undefined;
  },
};

/** Runs `handle` inside a SERVER span named after the full method (`book.v1.BookService/GetBook`). */
export async function inServerSpan<T>(fullMethod: string, metadata: Metadata, handle: (span: Span) => Promise<T>): Promise<T> {
  const parent = propagation.extract(ROOT_CONTEXT, metadata, metadataGetter);
  const [service = '', method = ''] = fullMethod.split('/');
  const span = tracer.startSpan(
    fullMethod,
    { kind: SpanKind.SERVER, attributes: { 'rpc.system.name': 'grpc', 'rpc.method': fullMethod, 'rpc.service': service, 'rpc.method.name': method } },
    parent,
  );
  try {
    const result = await context.with(trace.setSpan(parent, span), () => handle(span));
    span.setAttribute('rpc.response.status_code', 'OK');
    return result;
  } catch (error) {
    const code = grpcCode(error);
    span.setAttribute('rpc.response.status_code', Status[code]);
    // Server spans mark only server-side faults as errors (semconv): a NOT_FOUND is the caller's business.
    if (SERVER_FAULTS.has(code)) span.setStatus({ code: SpanStatusCode.ERROR, message: Status[code] });
    span.setAttribute('error.type', Status[code]);
    throw error;
  } finally {
    span.end();
  }
}

const SERVER_FAULTS = new Set<Status>([Status.UNKNOWN, Status.DEADLINE_EXCEEDED, Status.UNIMPLEMENTED, Status.INTERNAL, Status.UNAVAILABLE, Status.DATA_LOSS]);

/** The gRPC status code an error carries (a downstream ServiceError keeps its code), else UNKNOWN. */
export function grpcCode(error: unknown): Status {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' && Status[code] !== undefined ? code : Status.UNKNOWN;
}

/**
 * The status details an error carries: what the server said for a failed call (a CallError's or grpc-js
 * ServiceError's `details`; their message adds the code, "14 UNAVAILABLE: ..."), else the message.
 */
export function grpcDetails(error: unknown): string {
  const details = (error as { details?: unknown } | null)?.details;
  if (typeof details === 'string') return details;
  return error instanceof Error ? error.message : String(error);
}
