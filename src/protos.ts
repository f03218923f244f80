// Loads .proto files into typed grpc-js client classes, with the options the SDK's generated types assume.
import { loadPackageDefinition, type GrpcObject } from '@grpc/grpc-js';
import { createRequire } from 'node:module';
import type { Options } from '@grpc/proto-loader';

/**
 * The proto-loader options that match `npm run gen:types` (proto-loader-gen-types with
 * --longs=String --enums=String --defaults --oneofs): generated types describe exactly these objects.
 */
export const PROTO_LOADER_OPTIONS: Options = { longs: String, enums: String, defaults: true, oneofs: true, keepCase: false };

/**
 * Loads proto files and returns their package tree typed as `T`, the `ProtoGrpcType` that
 * proto-loader-gen-types writes for them: `loadProtos<ProtoGrpcType>(['book.proto'], { includeDirs })`.
 * The one unchecked step of the typed route happens here, not in user code.
 */
export function loadProtos<T>(files: string | string[], options: Options = {}): T {
  // Loaded on first use (protobufjs is sizeable): an application that brings its own client classes never pays for it.
  const { loadSync } = createRequire(import.meta.url)('@grpc/proto-loader') as typeof import('@grpc/proto-loader');
  const definition = loadSync(files, { ...PROTO_LOADER_OPTIONS, ...options });
  const tree: GrpcObject = loadPackageDefinition(definition);
  return tree as unknown as T;
}
