// With @opentelemetry/instrumentation-grpc also active (client and server patched), a call through
// grpcclient still yields exactly one client span, and the server span is its child across a real socket.
// grpc-js must be loaded only after the instrumentation is enabled, hence the dynamic imports.
import test from 'ava';
import { createRequire } from 'node:module';
import { SpanKind } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { registerInMemoryTelemetry } from './helpers/telemetry.ts';

const telemetry = registerInMemoryTelemetry();
registerInstrumentations({ instrumentations: [new GrpcInstrumentation()] });
// Through require, so the instrumentation's require hook patches grpc-js; ESM imports below reuse this instance.
createRequire(import.meta.url)('@grpc/grpc-js');

test('one client span per call, parent of the instrumented server span', async (t) => {
  const { init } = await import('../src/index.ts');
  const { BookService } = await import('./helpers/protos.ts');
  const { startBookServer } = await import('./helpers/servers.ts');
  const { getBook } = await import('./helpers/calls.ts');
  const server = await startBookServer();
  const sdk = await init({ config: { grpc_clients: { services: [{ name: 'instrumented', address: server.address }] } }, clients: { instrumented: BookService }, env: { OTEL_METRICS_EXPORTER: 'none' } });

  const { traceId } = await telemetry.inRootSpan(() => getBook(sdk.clients.instrumented, 'b1'));
  await sdk.shutdown();
  await server.stop();

  const spans = telemetry.spansOf(traceId);
  const clientSpans = spans.filter((span) => span.kind === SpanKind.CLIENT);
  const serverSpans = spans.filter((span) => span.kind === SpanKind.SERVER);
  t.is(serverSpans.length, 1, 'the server side is instrumented (else this test proves nothing)');
  t.is(clientSpans.length, 1);
  t.is(clientSpans[0]!.name, 'book.v1.BookService/GetBook');
  t.is(clientSpans[0]!.attributes['rpc.system.name'], 'grpc');
  t.is(serverSpans[0]!.parentSpanContext?.spanId, clientSpans[0]!.spanContext().spanId);
  const [traceparent] = server.received[0]!.get('traceparent');
  t.is(traceparent, `00-${traceId}-${clientSpans[0]!.spanContext().spanId}-01`);
});
