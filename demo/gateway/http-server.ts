// The gateway's HTTP side: one SERVER span per request (continuing a caller's traceparent if sent),
// JSON in and out, gRPC failures mapped to HTTP statuses. The response carries the W3C
// `traceresponse` header so a client (the demo orchestrator) can find the request's trace.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { context, isSpanContextValid, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { grpcCode, grpcDetails } from '../server/server-span.ts';
import { httpStatusOf } from './http-status.ts';
import { match, type Route } from './routes.ts';

const tracer = trace.getTracer('grpcclient-demo-gateway');

export function gatewayServer(table: Route[]): Server {
  return createServer((request, response) => {
    void serve(table, request, response);
  });
}

async function serve(table: Route[], request: IncomingMessage, response: ServerResponse): Promise<void> {
  const method = request.method ?? 'GET';
  const { pathname } = new URL(request.url ?? '/', 'http://gateway');
  if (pathname === '/healthz') return send(response, 200, { status: 'ok' });
  const found = match(table, method, pathname);
  if (!found) return send(response, 404, { error: `no route for ${method} ${pathname}` });

  const parent = propagation.extract(ROOT_CONTEXT, request.headers);
  const span = tracer.startSpan(
    `${method} ${found.route.path}`,
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'http.route': found.route.path, 'url.path': pathname } },
    parent,
  );
  const spanContext = span.spanContext();
  if (isSpanContextValid(spanContext)) response.setHeader('traceresponse', `00-${spanContext.traceId}-${spanContext.spanId}-01`);
  try {
    const body = method === 'POST' ? await readJson(request) : undefined;
    const result = await context.with(trace.setSpan(parent, span), () => found.route.handle(found.params, body));
    span.setAttribute('http.response.status_code', 200);
    send(response, 200, result);
  } catch (error) {
    const code = grpcCode(error);
    const httpStatus = httpStatusOf(code);
    span.setAttribute('http.response.status_code', httpStatus);
    // The client gets what the backend said (details), not the CallError's message, which prefixes the code.
    const details = grpcDetails(error);
    if (httpStatus >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: details });
    send(response, httpStatus, { error: details, grpcCode: code });
  } finally {
    span.end();
  }
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // the route reports what it needed
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
