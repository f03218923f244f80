// 6. nice-grpc with its OpenTelemetry (spans, 100% sampled, same exporter and sink) and Prometheus
// (prom-client histograms) client middleware, each attached first as their READMEs say.
import * as grpc from '@grpc/grpc-js';
import { createChannel, createClientFactory } from 'nice-grpc';
import { prometheusClientMiddleware } from 'nice-grpc-prometheus';
import { GET_BOOK_REQUEST, loadBookProto, STREAM_LIMIT } from '../book-proto.ts';
import type { VariantFactory } from '../variant.ts';
import { startTracing } from './otel-tracing.ts';

interface NiceBookClient {
  GetBook(request: typeof GET_BOOK_REQUEST): Promise<unknown>;
  StreamBooks(request: { limit: number }): AsyncIterable<unknown>;
}

export const create: VariantFactory = async ({ address, sinkUrl }) => {
  const provider = startTracing(sinkUrl, 'bench-nice-grpc');
  // Imported after the provider is global: the middleware takes its tracer at load time from the CommonJS
  // copy of @opentelemetry/api, whose proxy never learns of a provider registered later through the ESM copy.
  const { openTelemetryClientMiddleware } = await import('nice-grpc-opentelemetry');
  const { BookService } = loadBookProto(grpc).book.v1;
  const channel = createChannel(address);
  // proto-loader's generated definition types do not map onto nice-grpc's; the runtime object does.
  const client = createClientFactory().use(openTelemetryClientMiddleware()).use(prometheusClientMiddleware()).create(BookService.service, channel) as unknown as NiceBookClient;
  return {
    unary: async () => {
      await client.GetBook(GET_BOOK_REQUEST);
    },
    stream: async () => {
      let received = 0;
      for await (const _book of client.StreamBooks({ limit: STREAM_LIMIT })) received++;
      if (received !== STREAM_LIMIT) throw new Error(`stream ended after ${received} of ${STREAM_LIMIT} messages`);
    },
    traceRatio: 1,
    close: async () => {
      channel.close();
      await provider.shutdown();
    },
  };
};
