// The connection manager: one grpc-js channel per configured service, shared by every client of it,
// with connect modes, state tracking and a draining close().
import { EventEmitter } from 'node:events';
import { Channel, type Client, type ChannelCredentials, type ClientOptions, type Interceptor } from '@grpc/grpc-js';
import type { ServiceConfig } from '../config/types.ts';
import { ClosedError, ConnectError, GrpcClientError, UnknownServiceError } from '../errors.ts';
import { InFlightCalls } from '../interceptors/admission.ts';
import { channelCredentials } from './credentials.ts';
import { followConnectivity, stateName, waitForReady, WaitError, type ConnectivityStateName } from './connectivity.ts';
import { channelOptions } from './options.ts';
import { parseTarget, type ParsedTarget } from './target.ts';
import { diagnoseConnectFailure } from './connect-diagnosis.ts';
import type { HealthChange } from '../health/monitor.ts';

/** A generated (or hand-written) grpc-js client class, e.g. proto.book.v1.BookService. */
export type ClientConstructor<C extends Client = Client> = new (address: string, credentials: ChannelCredentials, options?: ClientOptions) => C;

/** A service as the manager holds it: its config, its parsed target and, once opened, its channel. */
export interface RegisteredService {
  readonly config: ServiceConfig;
  readonly target: ParsedTarget;
  channel?: Channel;
  credentials?: ChannelCredentials;
  ready?: Promise<Channel>;
  readonly clients: Map<ClientConstructor, Client>;
}

export interface StateChange {
  service: string;
  target: string;
  previous: ConnectivityStateName;
  current: ConnectivityStateName;
}

export interface ConnectionManagerOptions {
  /** The interceptors of every call of a service, outermost first (see interceptors/chain.ts). */
  interceptorsFor?: (service: RegisteredService) => Interceptor[];
  /** Checks a freshly READY channel (the health check); a rejection fails connect() with its reason. */
  afterReady?: (service: RegisteredService) => Promise<void>;
  /** Default drain time of close(). */
  drainTimeoutMs?: number;
}

export interface ConnectionManagerEvents {
  state: [StateChange];
  /** A service's grpc.health.v1 serving status changed (only for services with health_check enabled). */
  health: [HealthChange];
}

export class ConnectionManager extends EventEmitter<ConnectionManagerEvents> {
  private readonly services = new Map<string, RegisteredService>();
  private readonly inFlight = new InFlightCalls();
  private closing: Promise<void> | undefined;
  private readonly options: ConnectionManagerOptions;

  constructor(options: ConnectionManagerOptions = {}) {
    super();
    this.options = options;
  }

  /** Adds a service; its channel opens on connect(), getChannel() or getClient(). */
  register(config: ServiceConfig): void {
    if (this.closing) throw new ClosedError(`register(${config.name})`);
    if (this.services.has(config.name)) throw new Error(`service "${config.name}" is already registered`);
    this.services.set(config.name, { config, target: parseTarget(config.address), clients: new Map() });
  }

  /** Names of the registered services, in registration order. */
  serviceNames(): string[] {
    return [...this.services.keys()];
  }

  service(name: string): RegisteredService {
    const service = this.services.get(name);
    if (!service) throw new UnknownServiceError(name, this.serviceNames());
    return service;
  }

  /** The service's one channel, opened on first use; it connects on its first call. */
  getChannel(name: string): Channel {
    const service = this.service(name);
    if (this.closing) throw new ClosedError(`getChannel(${name})`);
    service.channel ??= this.openChannel(service);
    return service.channel;
  }

  /** A client of `ctor` on the service's shared channel; the same instance for the same class. */
  getClient<C extends Client>(name: string, ctor: ClientConstructor<C>): C {
    const service = this.service(name);
    const existing = service.clients.get(ctor);
    if (existing) return existing as C;
    const channel = this.getChannel(name);
    const describe = (path: string) => `${name} (${service.target.canonical}) ${path}`;
    const interceptors = [this.inFlight.interceptor(describe), ...(this.options.interceptorsFor?.(service) ?? [])];
    // channelOverride makes grpc-js use our channel; address and credentials are only the constructor's required arguments.
    const client = new ctor(service.target.uri, service.credentials!, { channelOverride: channel, interceptors });
    service.clients.set(ctor, client);
    return client;
  }

  /**
   * Opens the channel and waits for READY up to the service's timeout, then runs its health check if one
   * is configured. Concurrent calls share one wait. Rejects with a ConnectError of one failure: the
   * service, the target, the last state and what broke (TCP, TLS, HTTP/2 or the health check's answer).
   */
  connect(name: string): Promise<Channel> {
    const service = this.service(name);
    const channel = this.getChannel(name);
    service.ready ??= this.waitUntilUsable(service, channel).catch((error: unknown) => {
      service.ready = undefined; // a later connect() tries again
      throw error;
    });
    return service.ready;
  }

  /** Connects the services in parallel; rejects with one ConnectError listing every service that failed. */
  async connectAll(names = this.serviceNames()): Promise<void> {
    const results = await Promise.allSettled(names.map((name) => this.connect(name)));
    const failures = results.flatMap((result) => {
      if (result.status === 'fulfilled') return [];
      if (result.reason instanceof ConnectError) return result.reason.failures;
      throw result.reason; // not a failure to connect but a bug: surface it as it is
    });
    if (failures.length > 0) throw new ConnectError(failures, names.length);
  }

  /** Current connectivity state of a service; IDLE before its channel is opened. */
  state(name: string): ConnectivityStateName {
    const { channel } = this.service(name);
    return channel ? stateName(channel.getConnectivityState(false)) : 'IDLE';
  }

  /** Calls in flight on every channel of this manager. */
  get inFlightCalls(): number {
    return this.inFlight.size;
  }

  /**
   * Refuses new calls, lets in-flight calls finish for up to `drainTimeoutMs`, cancels the rest
   * (CANCELLED, saying why) and closes every channel. Idempotent.
   */
  close(drainTimeoutMs = this.options.drainTimeoutMs ?? 10_000): Promise<void> {
    this.closing ??= (async () => {
      this.inFlight.refuseNew('client is shut down');
      const remaining = await this.inFlight.drain(drainTimeoutMs);
      if (remaining > 0) this.inFlight.cancelAll(`grpcclient shutdown: call cancelled after the ${drainTimeoutMs}ms drain time`);
      for (const service of this.services.values()) service.channel?.close();
    })();
    return this.closing;
  }

  private openChannel(service: RegisteredService): Channel {
    service.credentials = channelCredentials(service.config);
    const channel = new Channel(service.target.uri, service.credentials, channelOptions(service.config));
    followConnectivity(channel, (previous, current) => {
      this.emit('state', { service: service.config.name, target: service.target.canonical, previous: stateName(previous), current: stateName(current) });
    });
    return channel;
  }

  private async waitUntilUsable(service: RegisteredService, channel: Channel): Promise<Channel> {
    const failed = (lastState: ConnectivityStateName, reason: string, cause: unknown) =>
      new ConnectError([{ service: service.config.name, target: service.target.canonical, lastState, reason, cause }]);
    try {
      await waitForReady(channel, service.config.timeout);
    } catch (error) {
      const lastState = error instanceof WaitError ? error.lastState : stateName(channel.getConnectivityState(false));
      const diagnosis = await diagnoseConnectFailure(service.config, service.target);
      throw failed(lastState, diagnosis ? `${(error as Error).message}; ${diagnosis}` : (error as Error).message, error);
    }
    try {
      await this.options.afterReady?.(service);
    } catch (error) {
      const reason = error instanceof GrpcClientError ? error.reason : (error as Error).message;
      throw failed(stateName(channel.getConnectivityState(false)), reason, error);
    }
    return channel;
  }
}
