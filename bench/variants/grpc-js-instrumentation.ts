// 5. Raw grpc-js traced by @opentelemetry/instrumentation-grpc. The instrumentation patches grpc-js
// only when it is registered before grpc-js loads, through require(): so this module imports no
// grpc-js statically and requires it after registration (see REFERENCES.md, "patches nothing").
import { createRequire } from 'node:module';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import type * as GrpcJs from '@grpc/grpc-js';
import { loadBookProto } from '../book-proto.ts';
import type { VariantFactory } from '../variant.ts';
import { streamCall, unaryCall } from './grpc-js-calls.ts';
import { startTracing } from './otel-tracing.ts';

export const create: VariantFactory = async ({ address, sinkUrl }) => {
  const provider = startTracing(sinkUrl, 'bench-grpc-js-instrumentation');
  registerInstrumentations({ instrumentations: [new GrpcInstrumentation()], tracerProvider: provider });
  const grpc = createRequire(import.meta.url)('@grpc/grpc-js') as typeof GrpcJs;
  const { BookService } = loadBookProto(grpc).book.v1;
  const client = new BookService(address, grpc.credentials.createInsecure());
  return {
    unary: () => unaryCall(client),
    stream: () => streamCall(client),
    traceRatio: 1,
    close: async () => {
      client.close();
      await provider.shutdown();
    },
  };
};
