// The grpc.health.v1 client, loaded from the health.proto this package ships (protos/ in package.json
// "files"). The package finds its own folder through a self-reference, which works both from the
// repository and from node_modules/grpcclient, whatever the build layout.
import { fileURLToPath } from 'node:url';
import type { CallOptions, Client, ClientReadableStream, requestCallback } from '@grpc/grpc-js';
import type { ClientConstructor } from '../channels/manager.ts';
import { loadProtos } from '../protos.ts';

/** HealthCheckResponse.ServingStatus, with the enum as strings (the SDK's proto-loader options). */
export type ServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

interface HealthCheckResponse {
  status: ServingStatus;
}

/** The two methods of grpc.health.v1.Health the SDK calls. */
export interface HealthClient extends Client {
  check(request: { service: string }, options: CallOptions, callback: requestCallback<HealthCheckResponse>): unknown;
  watch(request: { service: string }, options?: CallOptions): ClientReadableStream<HealthCheckResponse>;
}

interface HealthProto {
  grpc: { health: { v1: { Health: ClientConstructor<HealthClient> } } };
}

let healthClass: ClientConstructor<HealthClient> | undefined;

/** The Health client class, loaded on first use (only services with health_check enabled need it). */
export function healthClientClass(): ClientConstructor<HealthClient> {
  healthClass ??= loadProtos<HealthProto>('grpc/health/v1/health.proto', { includeDirs: [packageProtoDir()] }).grpc.health.v1.Health;
  return healthClass;
}

function packageProtoDir(): string {
  return fileURLToPath(new URL('protos/', import.meta.resolve('grpcclient/package.json')));
}
