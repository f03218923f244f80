// The grpcclient variants (2, 3, 4): one init() with the bench server as an eager service, differing
// only in the telemetry section of the config.
import { init } from '../../src/index.ts';
import type { BookServiceClient } from '../../protos/gen/book/v1/BookService.ts';
import * as grpc from '@grpc/grpc-js';
import { loadBookProto } from '../book-proto.ts';
import type { BenchTargets, Variant } from '../variant.ts';
import { streamCall, unaryCall } from './grpc-js-calls.ts';

export type TelemetryProfile = 'off' | 'all' | 'production';

/** grpc_clients.telemetry for each profile: traces to the sink, metrics on the (unscraped) Prometheus endpoint, logs at info. */
export function telemetryConfig(profile: TelemetryProfile, sinkUrl: string) {
  if (profile === 'off') return { enabled: false };
  return {
    enabled: true,
    traces: { exporter: 'otlp', endpoint: sinkUrl, sample_ratio: profile === 'all' ? 1 : 0.1 },
    metrics: { exporter: 'prometheus', prometheus_host: '127.0.0.1', prometheus_port: 0 },
    logs: { level: 'info' },
  };
}

export async function grpcclientVariant(profile: TelemetryProfile, { address, sinkUrl }: BenchTargets): Promise<Variant> {
  const { BookService } = loadBookProto(grpc).book.v1;
  const sdk = await init({
    service: `bench-grpcclient-${profile}`,
    config: { grpc_clients: { services: [{ name: 'book', address, connect: 'eager' }], telemetry: telemetryConfig(profile, sinkUrl) } },
    clients: { book: BookService },
    env: {},
  });
  const client: BookServiceClient = sdk.clients.book;
  return {
    unary: () => unaryCall(client),
    stream: () => streamCall(client),
    traceRatio: profile === 'off' ? 0 : profile === 'all' ? 1 : 0.1,
    close: () => sdk.shutdown(),
  };
}
