// A grpc.health.v1.Health implementation whose answers a test sets: Check answers the current status,
// Watch streams every change (as the gRPC health protocol specifies), or answers UNIMPLEMENTED as a
// server that implements only Check does.
import { EventEmitter } from 'node:events';
import { status as Status, type ServerWritableStream } from '@grpc/grpc-js';
import type { HealthHandlers } from '../../protos/gen/grpc/health/v1/Health.ts';
import type { HealthCheckResponse } from '../../protos/gen/grpc/health/v1/HealthCheckResponse.ts';
import { protos } from './protos.ts';

type ServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

export interface TestHealthOptions {
  /** false: Watch answers UNIMPLEMENTED, what grpc-js sends for a method a server does not implement. */
  watch?: boolean;
}

export class TestHealthService extends EventEmitter<{ watch: [] }> {
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly watchers = new Set<{ service: string; call: ServerWritableStream<{ service: string }, HealthCheckResponse> }>();
  private readonly implementsWatch: boolean;
  /** Checks answered so far. */
  checks = 0;
  /** Watch calls received so far (each also emits 'watch'). */
  watches = 0;

  constructor(initial: Record<string, ServingStatus> = { '': 'SERVING' }, options: TestHealthOptions = {}) {
    super();
    this.implementsWatch = options.watch ?? true;
    for (const [service, status] of Object.entries(initial)) this.statuses.set(service, status);
  }

  set(service: string, status: ServingStatus): void {
    this.statuses.set(service, status);
    for (const watcher of this.watchers) if (watcher.service === service) watcher.call.write({ status });
  }

  /** What startBookServer({ extraServices }) takes. */
  get entry() {
    const handlers: HealthHandlers = {
      Check: (call, callback) => {
        this.checks += 1;
        const status = this.statuses.get(call.request.service);
        if (!status) return callback({ code: Status.NOT_FOUND, details: `unknown service ${call.request.service}` });
        callback(null, { status });
      },
      Watch: (call) => {
        this.watches += 1;
        this.emit('watch');
        if (!this.implementsWatch) return void call.emit('error', { code: Status.UNIMPLEMENTED, details: 'Method not found: grpc.health.v1.Health/Watch' });
        const watcher = { service: call.request.service, call };
        this.watchers.add(watcher);
        call.on('cancelled', () => this.watchers.delete(watcher));
        call.write({ status: this.statuses.get(call.request.service) ?? 'SERVICE_UNKNOWN' });
      },
    };
    return { definition: protos.grpc.health.v1.Health.service, handlers };
  }
}
