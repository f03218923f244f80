// Telemetry cost with little noise: raw grpc-js, the promise client with telemetry off and the promise client
// with one telemetry profile, all in one process against the bench server, in short alternated slices. A busy
// shared machine slows every slice alike, so the per-slice differences (µs of client CPU per call over the
// telemetry-off client, and the ratio to raw) stay readable where separate processes' absolute numbers do not.
// The one telemetry-on init() starts OpenTelemetry for the process; the off client and raw grpc-js make no
// telemetry, but share the process's context manager, its garbage collector and any export running in the
// background, so the differences read here are at most what separate processes would show. Profiles:
// production and all as in the bench; traces-only, metrics-only and sampled-out (traceparent sent, ratio 0)
// leave one part out, to say what each part costs.
//   node bench/interleaved.ts [production|all|traces-only|metrics-only|sampled-out] [unary|stream] [--slices N] [--slice-ms MS] [--concurrency C]
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { init, type TelemetryConfigInput } from '../src/index.ts';
import { makeTestPki } from '../test/helpers/tls.ts';
import type { BookServiceClient } from '../protos/gen/book/v1/BookService.ts';
import { GET_BOOK_REQUEST, loadBookProto, STREAM_LIMIT } from './book-proto.ts';
import { runLoad } from './load.ts';
import { start, stop } from './processes.ts';
import { spread } from './stats.ts';
import { telemetryConfig } from './variants/grpcclient.ts';
import { streamCall, unaryCall } from './variants/grpc-js-calls.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { slices: { type: 'string', default: '12' }, 'slice-ms': { type: 'string', default: '700' }, concurrency: { type: 'string' } },
});
const [profile = 'production', kind = 'unary'] = positionals;
const slices = Number(values.slices);
const sliceMs = Number(values['slice-ms']);
const concurrency = Number(values.concurrency ?? (kind === 'unary' ? 64 : 16));

/** The profiles of the bench (production, all), and the same with one signal left out, to say what each costs. */
function profileConfig(sinkUrl: string): TelemetryConfigInput {
  if (profile === 'production' || profile === 'all') return telemetryConfig(profile, sinkUrl);
  // The production profile's parts: its Prometheus endpoint, and its OTLP traces at another ratio.
  const { metrics, logs } = telemetryConfig('production', sinkUrl);
  const traces = { exporter: 'otlp' as const, endpoint: sinkUrl };
  switch (profile) {
    case 'traces-only':
      return { enabled: true, traces: { ...traces, sample_ratio: 0.1 }, metrics: { exporter: 'none' }, logs };
    case 'metrics-only':
      return { enabled: true, traces: { exporter: 'none' }, metrics, logs };
    case 'sampled-out':
      return { enabled: true, traces: { ...traces, sample_ratio: 0 }, metrics, logs };
    default:
      throw new Error(`unknown profile ${profile}`);
  }
}

const pki = makeTestPki();
const server = await start<{ port: number; tlsPort: number }>('server.ts', [pki.caCert, pki.serverCert, pki.serverKey]);
const sink = await start<{ port: number }>('otlp-sink.ts');
const address = `127.0.0.1:${server.message.port}`;
const sinkUrl = `http://127.0.0.1:${sink.message.port}`;

const { BookService } = loadBookProto(grpc).book.v1;
const sdk = async (name: string, telemetry: TelemetryConfigInput) =>
  init({ service: name, config: { grpc_clients: { services: [{ name: 'book', address, connect: 'eager' }], telemetry } }, clients: { book: BookService }, env: {} });
// The telemetry-on init() first: it is the one that starts OpenTelemetry.
const on = await sdk('bench-on', profileConfig(sinkUrl));
const off = await sdk('bench-off', { enabled: false });
const rawClient = new BookService(address, grpc.credentials.createInsecure()) as unknown as BookServiceClient;

const promiseCall = (client: typeof on.clients.book) =>
  kind === 'unary'
    ? async () => void (await client.getBook(GET_BOOK_REQUEST))
    : async () => {
        for await (const _book of client.streamBooks({ limit: STREAM_LIMIT }));
      };
const clients: Record<string, () => Promise<void>> = {
  raw: kind === 'unary' ? () => unaryCall(rawClient) : () => streamCall(rawClient),
  off: promiseCall(off.clients.book),
  [profile]: promiseCall(on.clients.book),
};
const names = Object.keys(clients);
const cpu: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
const alloc: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));

for (let slice = 0; slice < slices; slice++) {
  // Rotated order: no client always runs right after another one's garbage.
  const order = names.map((_, index) => names[(index + slice) % names.length]!);
  for (const name of order) {
    const result = await runLoad(clients[name]!, { concurrency, warmupMs: 150, durationMs: sliceMs });
    if (result.errors > 0) throw new Error(`${name}: ${result.errors} failed calls (${result.firstError})`);
    cpu[name]!.push(result.cpuUsPerCall);
    alloc[name]!.push(result.allocatedBytesPerCall);
  }
}

const median = (values: number[]) => spread(values).median;
const perSlice = (name: string, against: string, f: (a: number, b: number) => number) => median(cpu[name]!.map((value, index) => f(value, cpu[against]![index]!)));
console.log(`${kind} c=${concurrency}, ${slices} slices of ${sliceMs} ms, Node ${process.version}`);
console.log('client'.padEnd(14), 'CPU µs/call', ' +µs vs off', ' CPU ratio to raw', ' alloc B/call');
for (const name of names) {
  console.log(
    name.padEnd(14),
    median(cpu[name]!).toFixed(1).padStart(11),
    perSlice(name, 'off', (a, b) => a - b).toFixed(1).padStart(11),
    perSlice(name, 'raw', (a, b) => b / a).toFixed(3).padStart(17),
    median(alloc[name]!).toFixed(0).padStart(13),
  );
}
rawClient.close();
await off.shutdown();
await on.shutdown();
await Promise.all([stop(server.child), stop(sink.child)]);
