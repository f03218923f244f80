// 1. The floor: a raw grpc-js client on one channel, reused for every call.
import * as grpc from '@grpc/grpc-js';
import { loadBookProto } from '../book-proto.ts';
import type { VariantFactory } from '../variant.ts';
import { streamCall, unaryCall } from './grpc-js-calls.ts';

export const create: VariantFactory = async ({ address }) => {
  const { BookService } = loadBookProto(grpc).book.v1;
  const client = new BookService(address, grpc.credentials.createInsecure());
  return {
    unary: () => unaryCall(client),
    stream: () => streamCall(client),
    traceRatio: 0,
    close: async () => client.close(),
  };
};
