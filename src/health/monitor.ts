// Health checking per service (grpc.health.v1): one Check when a channel first becomes usable (its
// failure fails connect(), so init() with connect: eager), then a Watch stream that reports every change
// of serving status while the channel is up. Health calls bypass the interceptor chain: they are the
// SDK's own, so they are not counted as in-flight user calls and do not hold up shutdown's drain.
import { credentials, status as Status, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import type { ConnectionManager, RegisteredService } from '../channels/manager.ts';
import type { SdkLogger } from '../telemetry/logger.ts';
import { GrpcClientError } from '../errors.ts';
import { healthClientClass, type HealthClient, type ServingStatus } from './client.ts';

export type { ServingStatus };

/** A change of a backend's serving status; `previous` is undefined for the first status seen. */
export interface HealthChange {
  service: string;
  target: string;
  /** The grpc.health.v1 service name asked about ("" = the whole server). */
  healthService: string;
  previous: ServingStatus | undefined;
  current: ServingStatus;
}

/** The backend is reachable but its health check did not say SERVING (or could not be asked). */
export class HealthCheckError extends GrpcClientError {
  readonly status: ServingStatus | 'UNIMPLEMENTED' | 'FAILED';

  constructor(service: RegisteredService, status: HealthCheckError['status'], reason: string, options?: { cause?: unknown }) {
    super(service.config.name, service.target.canonical, `health check failed: ${reason}`, options);
    this.name = 'HealthCheckError';
    this.status = status;
  }
}

export class HealthMonitor {
  private readonly manager: ConnectionManager;
  private readonly logger: SdkLogger | undefined;
  private readonly clients = new Map<string, HealthClient>();
  private readonly watches = new Map<string, ClientReadableStream<{ status: ServingStatus }>>();
  private readonly statuses = new Map<string, ServingStatus>();
  /** Services whose server answered Watch with UNIMPLEMENTED: never asked again. */
  private readonly withoutWatch = new Set<string>();
  private stopped = false;

  /** Reports every change as a `health` event on the manager and a log line. */
  constructor(manager: ConnectionManager, logger?: SdkLogger) {
    this.manager = manager;
    this.logger = logger;
    // Lazy services (and reconnects) start or resume their watch whenever the channel is READY again.
    manager.on('state', ({ service, current }) => {
      if (current === 'READY' && checked(this.manager.service(service))) this.watch(this.manager.service(service));
    });
  }

  /** The last serving status seen for a service; undefined before its first check. */
  status(name: string): ServingStatus | undefined {
    return this.statuses.get(name);
  }

  /**
   * One Check with the service's connect timeout; resolves when SERVING, else rejects with a HealthCheckError.
   * Resolves at once for a service without health_check.enabled: its server need not implement grpc.health.v1.
   */
  async check(service: RegisteredService): Promise<void> {
    if (!checked(service)) return;
    const { timeout, health_check } = service.config;
    const response = await new Promise<{ status: ServingStatus }>((resolve, reject) => {
      this.client(service).check({ service: health_check.service }, { deadline: Date.now() + timeout }, (error, result) => {
        if (error) return reject(checkFailure(service, error));
        resolve(result!);
      });
    });
    this.update(service, response.status);
    if (response.status !== 'SERVING') throw new HealthCheckError(service, response.status, `${describe(health_check.service)} is ${response.status}`);
    this.watch(service);
  }

  /** Cancels every watch; no more reports. */
  stop(): void {
    this.stopped = true;
    for (const stream of this.watches.values()) stream.cancel();
    this.watches.clear();
    // Not client.close(): these clients share the service channel, which close() would shut.
    this.clients.clear();
  }

  private watch(service: RegisteredService): void {
    const name = service.config.name;
    if (this.stopped || this.watches.has(name) || this.withoutWatch.has(name)) return;
    const stream = this.client(service).watch({ service: service.config.health_check.service });
    this.watches.set(name, stream);
    stream.on('data', (response: { status: ServingStatus }) => this.update(service, response.status));
    // Any end (connection lost, server restart) is resumed by the next READY; but a server without Watch
    // keeps the connect-time Check's status, and is not asked again on every reconnect.
    const ended = () => {
      if (this.watches.get(name) === stream) this.watches.delete(name);
    };
    stream.on('error', (error: ServiceError) => {
      if (error.code === Status.UNIMPLEMENTED) this.withoutWatch.add(name);
      ended();
    });
    stream.on('end', ended);
  }

  private update(service: RegisteredService, current: ServingStatus): void {
    const name = service.config.name;
    const previous = this.statuses.get(name);
    if (previous === current || this.stopped) return;
    this.statuses.set(name, current);
    const change: HealthChange = { service: name, target: service.target.canonical, healthService: service.config.health_check.service, previous, current };
    this.manager.emit('health', change);
    // Anything but SERVING is a warning: calls to that backend are likely to fail.
    this.logger?.log(current === 'SERVING' ? 'info' : 'warn', 'grpc backend health changed', {
      service: name,
      target: change.target,
      health_service: change.healthService,
      previous: previous ?? 'none',
      status: current,
    });
  }

  private client(service: RegisteredService): HealthClient {
    const name = service.config.name;
    let client = this.clients.get(name);
    if (!client) {
      const Health = healthClientClass();
      // channelOverride: the service's own channel; the address and credentials arguments are then unused.
      client = new Health(service.target.uri, credentials.createInsecure(), { channelOverride: this.manager.getChannel(name) });
      this.clients.set(name, client);
    }
    return client;
  }
}

/** Health checking is per service, opt-in. */
function checked(service: RegisteredService): boolean {
  return service.config.health_check.enabled;
}

function describe(healthService: string): string {
  return healthService === '' ? 'the server' : `health service "${healthService}"`;
}

function checkFailure(service: RegisteredService, error: ServiceError): HealthCheckError {
  if (error.code === Status.UNIMPLEMENTED) {
    return new HealthCheckError(service, 'UNIMPLEMENTED', 'the server does not implement grpc.health.v1.Health (health_check.enabled is set)', { cause: error });
  }
  if (error.code === Status.NOT_FOUND) {
    return new HealthCheckError(service, 'SERVICE_UNKNOWN', `the server does not know ${describe(service.config.health_check.service)}`, { cause: error });
  }
  return new HealthCheckError(service, 'FAILED', `Check failed with ${Status[error.code]}: ${error.details}`, { cause: error });
}
