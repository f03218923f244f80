// An application that registered OpenTelemetry providers of its own before init(): grpcclient's
// shutdown() flushes them only for the calls it made, so an app whose exporter is stuck (here a
// collector that accepts connections and never answers) does not wait flush_timeout for nothing.
// Serial: the providers are process-wide globals.
import test, { type ExecutionContext } from 'ava';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { init } from '../src/index.ts';
import { captureLogger } from './helpers/logs.ts';
import { BookService } from './helpers/protos.ts';
import { startBookServer } from './helpers/servers.ts';

/** What the SDK warns when a flush of the app's providers did not end in time: its own bound, or the provider's. */
const FLUSH_WARNING = /OpenTelemetry flush (did not finish within flush_timeout \(300ms\)|failed: .*300 ?ms)/;

/** A collector that accepts connections and never answers; resolves `connected` on the first one. */
async function silentCollector(t: ExecutionContext) {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => sockets.add(socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/traces`, connected: once(server, 'connection') };
}

/** The application's tracer provider, exporting to `url`, with one span of its own already waiting in its batch. */
function registerAppProvider(t: ExecutionContext, url: string): void {
  // The exporter's own timeout is far longer than flush_timeout, so only flush_timeout can end a flush.
  const provider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url, timeoutMillis: 120_000 }) })] });
  trace.setGlobalTracerProvider(provider);
  t.teardown(() => trace.disable());
  trace.getTracer('the-app').startSpan('app-work').end();
}

test.serial('with no call made, shutdown() leaves the app\'s providers alone: no wait on its stuck exporter, no flush warning', async (t) => {
  const collector = await silentCollector(t);
  registerAppProvider(t, collector.url);
  const { logger, lines } = captureLogger();
  const flushTimeoutMs = 20_000;
  const sdk = await init({ config: { grpc_clients: { services: [{ name: 'books', address: '127.0.0.1:9' }], telemetry: { flush_timeout: `${flushTimeoutMs}ms` } } }, clients: {}, env: {}, logger });

  const started = performance.now();
  await sdk.shutdown();
  const elapsed = performance.now() - started;
  t.deepEqual(lines.filter((line) => /OpenTelemetry flush/.test(String(line['message']))), []);
  t.true(elapsed < flushTimeoutMs / 2, `took ${elapsed.toFixed(0)}ms`);
});

test.serial('after a call, shutdown() flushes the app\'s providers (bounded by flush_timeout), so that call\'s span is on its way', async (t) => {
  const collector = await silentCollector(t);
  registerAppProvider(t, collector.url);
  const server = await startBookServer();
  t.teardown(() => server.stop());
  const { logger, lines } = captureLogger();
  const services = [{ name: 'books', address: server.address }];
  const sdk = await init({ config: { grpc_clients: { services, telemetry: { flush_timeout: '300ms' } } }, clients: { books: BookService }, env: {}, logger });
  await sdk.clients.books.getBook({ id: 'b1' });

  await sdk.shutdown();
  t.true(lines.some((line) => FLUSH_WARNING.test(String(line['message']))), JSON.stringify(lines));
  await collector.connected; // the flush's export reached the app's (stuck) collector
  t.pass();
});
