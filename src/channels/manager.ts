// The connection manager: one grpc-js channel per configured service, shared by every client of it,
// with connect modes, state tracking and a draining close().
import { EventEmitter } from 'node:events';
import { Channel, type Client, type ChannelCredentials, type ClientOptions, type ServiceDefinition } from '@grpc/grpc-js';
import type { ServiceConfig } from '../config/types.ts';
import { ClosedError, ConnectError, GrpcClientError, UnknownServiceError } from '../errors.ts';
import { InFlightCalls } from '../call/in-flight.ts';
import { realScheduler, type CallScheduler } from '../call/scheduler.ts';
import { ServiceCalls } from '../call/service-calls.ts';
import { callEngineInterceptor, SharedChannelView } from '../clients/grpc-js-client.ts';
import { promiseClient } from '../clients/promise-client.ts';
import type { PromiseClient } from '../clients/types.ts';
import type { CallTelemetry } from '../telemetry/call-telemetry.ts';
import { channelCredentials } from './credentials.ts';
import { followConnectivity, stateName, waitForReady, WaitError, type ConnectivityStateName } from './connectivity.ts';
import { channelOptions } from './options.ts';
import { parseTarget, type ParsedTarget } from './target.ts';
import { diagnoseConnectFailure } from './connect-diagnosis.ts';
import type { HealthChange } from '../health/monitor.ts';

/** A generated (or hand-written) grpc-js client class, e.g. proto.book.v1.BookService. */
export type ClientConstructor<C extends Client = Client> = new (address: string, credentials: ChannelCredentials, options?: ClientOptions) => C;

/** A client class with its method definitions, as grpc-js's makeClientConstructor (and so proto-loader) makes them. */
export type ServiceClientClass<C extends Client = Client> = ClientConstructor<C> & { service: ServiceDefinition };

/** A service as the manager holds it: its config, its parsed target and, once opened, its channel. */
export interface RegisteredService {
  readonly config: ServiceConfig;
  readonly target: ParsedTarget;
  channel?: Channel;
  credentials?: ChannelCredentials;
  ready?: Promise<Channel>;
  /** What every call of the service shares (made on first use). */
  calls?: ServiceCalls;
  readonly clients: Map<ClientConstructor, Client>;
  readonly promiseClients: Map<ClientConstructor, unknown>;
  /** Method definitions of every client class made for the service: the methods telemetry names (grpc.method). */
  readonly definitions: Set<ServiceDefinition>;
}

export interface StateChange {
  service: string;
  target: string;
  previous: ConnectivityStateName;
  current: ConnectivityStateName;
}

export interface ConnectionManagerOptions {
  /** The telemetry of a service's calls (none: calls are not traced, measured or logged). */
  telemetryFor?: (service: RegisteredService) => CallTelemetry | undefined;
  /** Clock, timers and randomness of calls; tests pass their own. */
  scheduler?: CallScheduler;
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
  /** One clock and randomness source for the call engine and the balancing policy alike. */
  private readonly scheduler: CallScheduler;

  constructor(options: ConnectionManagerOptions = {}) {
    super();
    this.options = options;
    this.scheduler = options.scheduler ?? realScheduler;
  }

  /** Adds a service; its channel opens on connect(), getChannel() or getClient(). */
  register(config: ServiceConfig): void {
    if (this.closing) throw new ClosedError(`register(${config.name})`);
    if (this.services.has(config.name)) throw new Error(`service "${config.name}" is already registered`);
    this.services.set(config.name, { config, target: parseTarget(config.address), clients: new Map(), promiseClients: new Map(), definitions: new Set() });
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

  /**
   * The promise client of a generated client class on the service's shared channel (the same instance for
   * the same class): unary methods return promises, streaming methods take and return async iterables.
   */
  client<C extends Client>(name: string, ctor: ServiceClientClass<C>): PromiseClient<C> {
    const service = this.service(name);
    const existing = service.promiseClients.get(ctor);
    if (existing) return existing as PromiseClient<C>;
    if (this.closing) throw new ClosedError(`client(${name})`);
    if (!ctor.service) throw new TypeError(`client(${name}): ${ctor.name || 'the class'} has no method definitions (.service); pass a class made by grpc-js/proto-loader`);
    service.definitions.add(ctor.service);
    const client = promiseClient<C>(this.callsOf(service), ctor.service);
    service.promiseClients.set(ctor, client);
    return client;
  }

  /**
   * A grpc-js client of `ctor` on the service's shared channel (the same instance for the same class), for
   * code written against grpc-js clients: its calls go through the same call engine as the promise clients.
   * Its close() releases that client only (the next getClient() makes a new one); the channel closes with
   * the manager.
   */
  getClient<C extends Client>(name: string, ctor: ClientConstructor<C>): C {
    const service = this.service(name);
    const existing = service.clients.get(ctor);
    if (existing) return existing as C;
    const channel = this.getChannel(name);
    const definition = (ctor as Partial<ServiceClientClass>).service;
    if (definition) service.definitions.add(definition);
    const view = new SharedChannelView(channel, () => {
      if (service.clients.get(ctor) === client) service.clients.delete(ctor);
    });
    // channelOverride makes grpc-js use our channel; address and credentials are only the constructor's required arguments.
    const client = new ctor(service.target.uri, service.credentials!, { channelOverride: view, interceptors: [callEngineInterceptor(this.callsOf(service), view)] });
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

  private callsOf(service: RegisteredService): ServiceCalls {
    service.calls ??= new ServiceCalls({
      config: service.config,
      target: service.target.canonical,
      // Not getChannel(): a call already in flight may still start its next attempt during the drain.
      channel: () => (service.channel ??= this.openChannel(service)),
      inFlight: this.inFlight,
      telemetry: this.options.telemetryFor?.(service),
      scheduler: this.scheduler,
    });
    return service.calls;
  }

  private openChannel(service: RegisteredService): Channel {
    service.credentials = channelCredentials(service.config);
    const channel = new Channel(service.target.uri, service.credentials, channelOptions(service.config, this.scheduler));
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
