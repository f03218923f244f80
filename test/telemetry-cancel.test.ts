// A call the caller cancels (AbortSignal) is a failed call in its telemetry: span status ERROR with
// CANCELLED, in the middle of an attempt and while waiting to retry alike.
import test from 'ava';
import { SpanStatusCode } from '@opentelemetry/api';
import { status as Status } from '@grpc/grpc-js';
import { CallError, ConnectionManager, loadConfig } from '../src/index.ts';
import { callTelemetryFor } from './helpers/call-telemetry.ts';
import { BookService } from './helpers/protos.ts';
import { ManualScheduler } from './helpers/scheduler.ts';
import { startBookServer } from './helpers/servers.ts';
import { registerInMemoryTelemetry } from './helpers/telemetry.ts';

const telemetry = registerInMemoryTelemetry();

for (const [moment, retrying] of [
  ['during an attempt', false],
  ['while waiting to retry', true],
] as const) {
  test(`an abort ${moment} ends the call span with ERROR and CANCELLED, and no attempt follows`, async (t) => {
    const server = await startBookServer({ onGetBook: () => (retrying ? { code: Status.UNAVAILABLE, details: 'down' } : new Promise<never>(() => {})) });
    t.teardown(() => server.stop());
    const scheduler = new ManualScheduler();
    const manager = new ConnectionManager({ scheduler, telemetryFor: (service) => callTelemetryFor(service) });
    manager.register(loadConfig({ grpc_clients: { services: [{ name: 'cancelled', address: server.address, retry: { max: 3 } }] } }, { env: {} }).services[0]!);
    t.teardown(() => manager.close(0));
    const client = manager.client('cancelled', BookService);
    const aborting = new AbortController();
    const { traceId } = await telemetry.inRootSpan(async () => {
      const call = client.getBook({ id: 'b1' }, { signal: aborting.signal });
      if (retrying) await scheduler.nextTimer();
      else while (server.received.length === 0) await new Promise((resolve) => setImmediate(resolve));
      aborting.abort();
      const error = await t.throwsAsync(call, { instanceOf: CallError });
      t.is(error.code, Status.CANCELLED);
    });
    const [span] = telemetry.spansOf(traceId).filter((candidate) => candidate.name === 'book.v1.BookService/GetBook');
    t.is(span?.status.code, SpanStatusCode.ERROR);
    t.is(span?.attributes['rpc.status_code'], 'CANCELLED');
    t.is(server.received.length, 1, 'no attempt after the abort');
  });
}
