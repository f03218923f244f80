// The grpcclient variants: one init() with the bench server as an eager service, differing in the
// telemetry section of the config and in the front door (promise client, or a grpc-js client through
// the SDK's one interceptor).
import { init, type TelemetryConfigInput } from '../../src/index.ts';
import type { BookServiceClient } from '../../protos/gen/book/v1/BookService.ts';
import * as grpc from '@grpc/grpc-js';
import { GET_BOOK_REQUEST, loadBookProto, STREAM_LIMIT } from '../book-proto.ts';
import type { BenchTargets, Variant } from '../variant.ts';
import { streamCall, unaryCall } from './grpc-js-calls.ts';

/** 'app': the application registered its own providers first (app-otel.ts); grpcclient adds logs and records through them. */
export type TelemetryProfile = 'off' | 'all' | 'production' | 'app';
export type FrontDoor = 'promise' | 'grpc-js';

/** grpc_clients.telemetry for each profile: traces to the sink, metrics on the (unscraped) Prometheus endpoint, logs at info. */
export function telemetryConfig(profile: TelemetryProfile, sinkUrl: string): TelemetryConfigInput {
  if (profile === 'off') return { enabled: false };
  if (profile === 'app') return { enabled: true, logs: { level: 'info' } };
  return {
    enabled: true,
    traces: { exporter: 'otlp', endpoint: sinkUrl, sample_ratio: profile === 'all' ? 1 : 0.1 },
    // A port per process (each variant runs in one): never scraped, and a taken one would only log a warning.
    metrics: { exporter: 'prometheus', prometheus_host: '127.0.0.1', prometheus_port: 20_000 + (process.pid % 40_000) },
    logs: { level: 'info' },
  };
}

export async function grpcclientVariant(profile: TelemetryProfile, door: FrontDoor, { address, sinkUrl }: BenchTargets): Promise<Variant> {
  const { BookService } = loadBookProto(grpc).book.v1;
  const sdk = await init({
    service: `bench-grpcclient-${profile}`,
    config: { grpc_clients: { services: [{ name: 'book', address, connect: 'eager' }], telemetry: telemetryConfig(profile, sinkUrl) } },
    clients: { book: BookService },
    env: {},
  });
  const traceRatio = profile === 'off' ? 0 : profile === 'production' ? 0.1 : 1;
  if (door === 'promise') {
    const client = sdk.clients.book;
    return {
      unary: async () => void (await client.getBook(GET_BOOK_REQUEST)),
      stream: async () => {
        let received = 0;
        for await (const _book of client.streamBooks({ limit: STREAM_LIMIT })) received++;
        if (received !== STREAM_LIMIT) throw new Error(`stream ended after ${received} of ${STREAM_LIMIT} messages`);
      },
      traceRatio,
      close: () => sdk.shutdown(),
    };
  }
  const client: BookServiceClient = sdk.manager.getClient('book', BookService);
  return {
    unary: () => unaryCall(client),
    stream: () => streamCall(client),
    traceRatio,
    close: () => sdk.shutdown(),
  };
}
