// 7a. The pattern the SDK replaces: a new client (so a new channel and TCP connection) per call.
import * as grpc from '@grpc/grpc-js';
import { loadBookProto } from '../book-proto.ts';
import type { VariantFactory } from '../variant.ts';
import { streamCall, unaryCall } from './grpc-js-calls.ts';
import type { BookServiceClient } from '../../protos/gen/book/v1/BookService.ts';

/** Makes `call` on a fresh client and closes that client afterwards. */
export function perCallClient(make: () => BookServiceClient) {
  return async (call: (client: BookServiceClient) => Promise<void>) => {
    const client = make();
    try {
      await call(client);
    } finally {
      client.close();
    }
  };
}

export const create: VariantFactory = async ({ address }) => {
  const { BookService } = loadBookProto(grpc).book.v1;
  const withClient = perCallClient(() => new BookService(address, grpc.credentials.createInsecure()));
  return {
    unary: () => withClient(unaryCall),
    stream: () => withClient(streamCall),
    traceRatio: 0,
    close: async () => {},
  };
};
