// The public surface of grpcclient: init() and the types user code needs to stay typed.
export { init, type ClientRegistry, type GrpcClients, type InitOptions, type TypedClients } from './init.ts';
export { loadConfig } from './config/load.ts';
export type { ConfigSource, GrpcClientsConfig, ServiceConfig } from './config/types.ts';
export type { GrpcClientsConfigInput, ServiceConfigInput, TelemetryConfigInput } from './config/input.ts';
export type { ByteSizeInput, DurationInput, StatusCodeName } from './config/formats.ts';
export { ConnectionManager, type ClientConstructor, type ServiceClientClass, type StateChange } from './channels/manager.ts';
export type { CallOptions, MetadataValue, PromiseClient, RequestStream, ResponseStream } from './clients/types.ts';
export { requestQueue, type RequestQueue, type RequestQueueOptions } from './clients/request-queue.ts';
export type { ConnectivityStateName } from './channels/connectivity.ts';
export { loadProtos, PROTO_LOADER_OPTIONS } from './protos.ts';
export { CallError, ClosedError, ConfigError, ConnectError, GrpcClientError, isCallFailure, UnknownServiceError, type CallFailure, type ConfigProblem, type ConnectFailure } from './errors.ts';
export { deadlineFrom, remainingMs, type DeadlineFromOptions, type IncomingCall } from './deadlines.ts';
export { HealthCheckError, type HealthChange, type ServingStatus } from './health/monitor.ts';
export type { ShutdownSignal } from './shutdown-signals.ts';
export { traceContextFormat } from './telemetry/trace-context-format.ts';
