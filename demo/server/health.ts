// grpc.health.v1 for the demo servers: Check and Watch for the server as a whole ("") and for each
// service it hosts; setServing(false) flips every one to NOT_SERVING (used while shutting down).
import type { ServerWritableStream } from '@grpc/grpc-js';
import { status as Status } from '@grpc/grpc-js';
import type { HealthHandlers } from '../../protos/gen/grpc/health/v1/Health.ts';
import type { HealthCheckRequest__Output } from '../../protos/gen/grpc/health/v1/HealthCheckRequest.ts';
import type { HealthCheckResponse } from '../../protos/gen/grpc/health/v1/HealthCheckResponse.ts';

type ServingStatus = 'SERVING' | 'NOT_SERVING';

export class HealthService {
  private status: ServingStatus = 'SERVING';
  private readonly known: Set<string>;
  private readonly watchers = new Set<{ service: string; call: ServerWritableStream<HealthCheckRequest__Output, HealthCheckResponse> }>();

  constructor(serviceNames: string[]) {
    this.known = new Set(['', ...serviceNames]);
  }

  setServing(serving: boolean): void {
    this.status = serving ? 'SERVING' : 'NOT_SERVING';
    for (const { service, call } of this.watchers) call.write({ status: this.statusOf(service) });
  }

  readonly handlers: HealthHandlers = {
    Check: (call, callback) => {
      if (!this.known.has(call.request.service)) return callback({ code: Status.NOT_FOUND, details: `unknown service "${call.request.service}"` });
      callback(null, { status: this.status });
    },
    Watch: (call) => {
      const watcher = { service: call.request.service, call };
      this.watchers.add(watcher);
      call.write({ status: this.statusOf(call.request.service) });
      call.on('cancelled', () => this.watchers.delete(watcher));
    },
  };

  private statusOf(service: string): HealthCheckResponse['status'] {
    return this.known.has(service) ? this.status : 'SERVICE_UNKNOWN';
  }
}
