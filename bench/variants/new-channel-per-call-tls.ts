// 7b. A new client per call over TLS: a TCP connection and a TLS handshake per call.
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { loadBookProto } from '../book-proto.ts';
import type { VariantFactory } from '../variant.ts';
import { streamCall, unaryCall } from './grpc-js-calls.ts';
import { perCallClient } from './new-channel-per-call.ts';

export const create: VariantFactory = async ({ tlsAddress, caFile }) => {
  const { BookService } = loadBookProto(grpc).book.v1;
  const ca = readFileSync(caFile);
  // The server certificate names localhost too: checking that name keeps Node from sending an IP address as SNI.
  const withClient = perCallClient(() => new BookService(tlsAddress, grpc.credentials.createSsl(ca), { 'grpc.ssl_target_name_override': 'localhost' }));
  return {
    unary: () => withClient(unaryCall),
    stream: () => withClient(streamCall),
    traceRatio: 0,
    close: async () => {},
  };
};
