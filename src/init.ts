// init(): config → connection manager → typed promise clients, in one call, with one shutdown() to undo it.
import type { Client } from '@grpc/grpc-js';
import { CONFIG_FILE_VARIABLE } from './config/env.ts';
import { loadConfig } from './config/load.ts';
import type { ConfigSource, GrpcClientsConfig } from './config/types.ts';
import { ConnectionManager, type ServiceClientClass } from './channels/manager.ts';
import type { PromiseClient } from './clients/types.ts';
import { ConfigError, ConnectError, UnknownServiceError } from './errors.ts';
import { HealthMonitor } from './health/monitor.ts';
import { DEFAULT_SHUTDOWN_SIGNALS, handleShutdownSignals, type ShutdownSignal } from './shutdown-signals.ts';
import type { Telemetry } from './telemetry/setup.ts';
import type { Logger } from 'winston';

/** Service name → generated client class, e.g. `{ 'book-service': proto.book.v1.BookService }`. */
export type ClientRegistry = Record<string, ServiceClientClass>;

/** The clients init() returns: per registry entry, the promise client of that entry's class. */
export type TypedClients<R extends ClientRegistry> = { readonly [K in keyof R]: PromiseClient<InstanceType<R[K]>> };

export interface InitOptions<R extends ClientRegistry> {
  /** A YAML/JSON file path or the config object; defaults to the file named by GRPC_CLIENTS_CONFIG. */
  config?: ConfigSource;
  /** This process's name, for telemetry (service.name) and logs. */
  service?: string;
  /** The clients to build, keyed by configured service name. */
  clients: R;
  /** Where env overrides are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /**
   * Run shutdown() on SIGTERM and SIGINT (true), or on the signals listed. After the drain the signal is
   * raised again if nothing else listens for it, so the process still ends. Default false.
   */
  handleSignals?: boolean | readonly ShutdownSignal[];
  /** A winston logger for the SDK's lines (default: one of its own, per grpc_clients.telemetry.logs). */
  logger?: Logger;
}

export interface GrpcClients<R extends ClientRegistry> {
  readonly clients: TypedClients<R>;
  readonly config: GrpcClientsConfig;
  /** The manager behind the clients: channels, states, more clients of other classes. */
  readonly manager: ConnectionManager;
  /** Stops new calls, drains in-flight ones (up to drain_timeout), closes channels. Idempotent. */
  shutdown(): Promise<void>;
}

/** The telemetry modules, imported by the first init() with telemetry on and kept for every later one. */
let telemetryModule: Promise<typeof import('./telemetry/setup.ts')> | undefined;

export async function init<R extends ClientRegistry>(options: InitOptions<R>): Promise<GrpcClients<R>> {
  const env = options.env ?? process.env;
  const source = options.config ?? (env[CONFIG_FILE_VARIABLE] || undefined);
  if (source === undefined) {
    throw new ConfigError('none given', [
      {
        path: CONFIG_FILE_VARIABLE,
        reason: 'is not set and init() got no config: pass init({ config }) (a YAML/JSON file path or the config object) or set GRPC_CLIENTS_CONFIG to a file',
      },
    ]);
  }
  const config = loadConfig(source, { env });

  const configured = config.services.map((service) => service.name);
  const unknown = Object.keys(options.clients).filter((name) => !configured.includes(name));
  if (unknown.length > 0) throw new UnknownServiceError(unknown.join('", "'), configured);

  // Before the manager, so the first channel's state changes and calls are already observed. Imported
  // only when enabled: the OpenTelemetry SDK packages are most of the cost of loading grpcclient.
  const telemetry: Telemetry | undefined = config.telemetry.enabled
    ? await (await (telemetryModule ??= import('./telemetry/setup.ts'))).startTelemetry(config.telemetry, { env, ...(options.service ? { service: options.service } : {}), ...(options.logger ? { logger: options.logger } : {}) })
    : undefined;
  // Created after the manager (it watches its channels); the manager's afterReady hook reaches it through this.
  let health: HealthMonitor | undefined;
  const manager = new ConnectionManager({
    telemetryFor: (service) => telemetry?.forService(service),
    drainTimeoutMs: config.drain_timeout,
    afterReady: (service) => health?.check(service) ?? Promise.resolve(),
  });
  telemetry?.watch(manager);
  for (const service of config.services) manager.register(service);
  // The SDK's own lines (connect failures, health changes) go where the call lines go: the app's logger if given.
  const logger = telemetry?.logger ?? options.logger;
  if (config.services.some((service) => service.health_check.enabled)) health = new HealthMonitor(manager, logger);
  let removeSignalHandlers: (() => void) | undefined;
  // No new calls and no more health reports, then the drain.
  const closeClients = () => {
    removeSignalHandlers?.();
    health?.stop();
    return manager.close();
  };

  let closing: Promise<void> | undefined;
  const shutdown = () => (closing ??= closeClients().then(() => telemetry?.shutdown()));
  try {
    await manager.connectAll(config.services.filter((service) => service.connect === 'eager').map((service) => service.name));
  } catch (error) {
    // Logged here once, per service, as the application may only print the rejection's first line.
    for (const failure of error instanceof ConnectError ? error.failures : []) {
      const { service, target, lastState, reason } = failure;
      logger?.error('grpc connect failed', { service, target, last_state: lastState, reason });
    }
    // Nothing was called yet, so nothing of this init() needs flushing: an unreachable collector (the
    // exporter retries for seconds) must not delay the connect error.
    await closeClients();
    telemetry?.shutdown().catch(() => {});
    throw error;
  }

  const clients = Object.fromEntries(
    Object.entries(options.clients).map(([name, ctor]) => [name, manager.client<Client>(name, ctor)]),
  ) as TypedClients<R>;
  if (options.handleSignals) {
    const signals = options.handleSignals === true ? DEFAULT_SHUTDOWN_SIGNALS : options.handleSignals;
    removeSignalHandlers = handleShutdownSignals(shutdown, signals, (error) => process.emitWarning(`grpcclient shutdown on signal failed: ${String(error)}`));
  }
  return { clients, config, manager, shutdown };
}
