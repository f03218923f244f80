// The bench's one service, loaded against whichever grpc-js instance the caller passes in: the
// instrumentation-grpc variant must load grpc-js itself, after its instrumentation is registered.
import { fileURLToPath } from 'node:url';
import { loadSync } from '@grpc/proto-loader';
import type * as GrpcJs from '@grpc/grpc-js';
import type { ProtoGrpcType } from '../protos/gen/book.ts';

export const PROTO_DIR = fileURLToPath(new URL('../protos', import.meta.url));

/** The request every unary call sends, and the size of every streamed response. */
export const GET_BOOK_REQUEST = { id: 'b1' };
export const STREAM_LIMIT = 20;

/** Same options as src/protos.ts PROTO_LOADER_OPTIONS (not imported: that module loads grpc-js). */
const LOADER_OPTIONS = { longs: String, enums: String, defaults: true, oneofs: true, keepCase: false, includeDirs: [PROTO_DIR] };

export function loadBookProto(grpc: typeof GrpcJs): ProtoGrpcType {
  return grpc.loadPackageDefinition(loadSync(['book.proto'], LOADER_OPTIONS)) as unknown as ProtoGrpcType;
}
