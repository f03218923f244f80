// Retries seen in telemetry: every attempt has its own span under the one call span, and the call's
// retries and retry delay are recorded (gRFC A72 attempt spans, A96 retry metrics).
import test from 'ava';
import { status as Status } from '@grpc/grpc-js';
import { init } from '../src/index.ts';
import { getBook } from './helpers/calls.ts';
import { BookService } from './helpers/protos.ts';
import { startBookServer } from './helpers/servers.ts';
import { pointsWhere, registerInMemoryTelemetry, type Histogram } from './helpers/telemetry.ts';

const telemetry = registerInMemoryTelemetry();

test('a call retried twice has 3 attempt spans under one call span, and grpc.client.call.retries records 2', async (t) => {
  let calls = 0;
  const server = await startBookServer({ onGetBook: () => (++calls <= 2 ? { code: Status.UNAVAILABLE, details: 'try again' } : undefined) });
  t.teardown(() => server.stop());
  const { clients, shutdown } = await init({
    config: {
      grpc_clients: {
        telemetry: { metrics: { exporter: 'none' }, traces: { exporter: 'none' } },
        services: [{ name: 'retry-telemetry', address: server.address, connect: 'eager', retry: { max: 2, backoff: '20ms' } }],
      },
    },
    clients: { 'retry-telemetry': BookService },
    env: {},
  });
  t.teardown(shutdown);

  const { traceId } = await telemetry.inRootSpan(() => getBook(clients['retry-telemetry'], 'b1'));
  const spans = telemetry.spansOf(traceId).filter((span) => span.name !== 'test-root');
  const callSpans = spans.filter((span) => !span.name.startsWith('Attempt.'));
  const attemptSpans = spans.filter((span) => span.name.startsWith('Attempt.'));
  t.is(callSpans.length, 1, spans.map((span) => span.name).join(', '));
  t.is(attemptSpans.length, 3);
  for (const attempt of attemptSpans) t.is(attempt.parentSpanContext?.spanId, callSpans[0]!.spanContext().spanId);
  t.deepEqual(attemptSpans.map((span) => span.attributes['previous-rpc-attempts']).sort(), [0, 1, 2]);

  const metrics = await telemetry.collect();
  const [retries] = pointsWhere<Histogram>(metrics.get('grpc.client.call.retries'), { 'grpc.method': 'book.v1.BookService/GetBook', 'grpc.target': `dns:///${server.address}` });
  t.is(retries?.value.count, 1);
  t.is(retries?.value.sum, 2);
  const [delay] = pointsWhere<Histogram>(metrics.get('grpc.client.call.retry_delay'), { 'grpc.target': `dns:///${server.address}` });
  // A96 retry_delay: the time with no attempt running, which the attempt spans show as the gaps between them.
  const seconds = ([s, ns]: [number, number]) => s + ns / 1e9;
  const ordered = [...attemptSpans].sort((a, b) => seconds(a.startTime) - seconds(b.startTime));
  const gaps = ordered.slice(1).reduce((sum, span, index) => sum + seconds(span.startTime) - seconds(ordered[index]!.endTime), 0);
  t.is(delay?.value.count, 1);
  t.true(Math.abs((delay?.value.sum ?? -1) - gaps) < 0.005, `retry delay ${delay?.value.sum}s, gaps between attempt spans ${gaps}s`);
});
