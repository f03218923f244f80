// Errors the SDK throws: each says what went wrong, for which service and target, and keeps the cause.
import { status as Status, type Metadata } from '@grpc/grpc-js';
import type { ConnectivityStateName } from './channels/connectivity.ts';

/** One problem found in a config: where (a dotted path), why, and which environment variable set the value, if one did. */
export interface ConfigProblem {
  path: string;
  reason: string;
  /** The GRPC_CLIENTS_* variable the bad value came from: that variable, not the file, needs fixing. */
  env?: string;
}

/** Thrown by config loading with every problem found, not only the first. */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];
  readonly source: string;

  constructor(source: string, problems: ConfigProblem[]) {
    const lines = problems.map((problem) => `  ${problem.env ? `${problem.env} (${problem.path})` : problem.path}: ${problem.reason}`);
    super(`invalid grpcclient config (${source}), ${problems.length} problem(s):\n${lines.join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
    this.source = source;
  }
}

/** Base of errors about one configured backend. */
export class GrpcClientError extends Error {
  readonly service: string;
  readonly target: string;
  /** The message without the leading "service (target): ". */
  readonly reason: string;

  constructor(service: string, target: string, reason: string, options?: { cause?: unknown }) {
    super(`${service} (${target}): ${reason}`, options);
    this.name = 'GrpcClientError';
    this.service = service;
    this.target = target;
    this.reason = reason;
  }
}

/** Why one service's channel did not become usable. */
export interface ConnectFailure {
  readonly service: string;
  readonly target: string;
  /** Connectivity state when connecting gave up; READY when the channel came up but its health check failed. */
  readonly lastState: ConnectivityStateName;
  /** What broke, in words: the wait, and the TCP/TLS/HTTP/2 layer that failed or the health check's answer. */
  readonly reason: string;
  /** The underlying error (a HealthCheckError when the health check failed). */
  readonly cause: unknown;
}

/**
 * One or more channels did not become usable (connect(), connectAll(), init() with connect: eager).
 * `failures` lists every failed service; the message has one line per failure.
 */
export class ConnectError extends Error {
  readonly failures: readonly ConnectFailure[];
  /** The failed service when exactly one failed (always so for connect(name)); undefined when several did. */
  readonly service: string | undefined;
  /** The failed service's canonical target when exactly one failed. */
  readonly target: string | undefined;
  /** The failed service's last connectivity state when exactly one failed. */
  readonly lastState: ConnectivityStateName | undefined;

  /** `attempted`: how many services were being connected (default: just the failed ones). */
  constructor(failures: readonly ConnectFailure[], attempted = failures.length) {
    const lines = failures.map((failure) => `  ${failure.service} (${failure.target}): ${failure.reason} (last state ${failure.lastState})`);
    const single = failures.length === 1 ? failures[0] : undefined;
    super(`could not connect ${failures.length} of ${attempted} service(s):\n${lines.join('\n')}`, single ? { cause: single.cause } : undefined);
    this.name = 'ConnectError';
    this.failures = failures;
    this.service = single?.service;
    this.target = single?.target;
    this.lastState = single?.lastState;
  }
}

/** A name that is not in the config; lists the names that are. */
export class UnknownServiceError extends Error {
  constructor(name: string, known: readonly string[]) {
    super(`unknown service "${name}"; configured services: ${known.length > 0 ? known.join(', ') : '(none)'}`);
    this.name = 'UnknownServiceError';
  }
}

/** Work refused because the SDK (or one manager) is shutting down or closed. */
export class ClosedError extends Error {
  constructor(what: string) {
    super(`${what}: grpcclient is shut down`);
    this.name = 'ClosedError';
  }
}

/**
 * A call that ended with a status other than OK. `details` and `metadata` are exactly what the server
 * (or grpc-js, for local failures) sent; which backend and method it was is in fields of their own.
 */
export class CallError extends Error {
  /** The gRPC status code (grpc-js `status` enum). */
  readonly code: number;
  readonly details: string;
  /** Response trailers. */
  readonly metadata: Metadata;
  /** Configured service name, e.g. "book-service". */
  readonly service: string;
  /** Canonical target, e.g. "dns:///books.internal:9002". */
  readonly target: string;
  /** Full method name, e.g. "book.v1.BookService/GetBook". */
  readonly method: string;
  /** Attempts made, the first included. */
  readonly attempts: number;

  constructor(status: CallFailure, options?: { cause?: unknown }) {
    super(`${status.code} ${Status[status.code] ?? 'UNKNOWN'}: ${status.details}`, options);
    this.name = 'CallError';
    this.code = status.code;
    this.details = status.details;
    this.metadata = status.metadata;
    this.service = status.service;
    this.target = status.target;
    this.method = status.method;
    this.attempts = status.attempts;
  }
}

/** The fields every failed call's error carries, from either front door (see CallError for each). */
export type CallFailure = Pick<CallError, 'code' | 'details' | 'metadata' | 'service' | 'target' | 'method' | 'attempts'>;

/**
 * True for the error of a failed call: a promise client's CallError, or the ServiceError a grpc-js client
 * made by getClient() passes to its callback or 'error' event (grpc-js's type does not name the SDK's fields;
 * this guard does, without a cast).
 */
export function isCallFailure(error: unknown): error is Error & CallFailure {
  if (!(error instanceof Error)) return false;
  const fields = error as Partial<Record<keyof CallFailure, unknown>>;
  return typeof fields.code === 'number' && typeof fields.service === 'string' && typeof fields.target === 'string' && typeof fields.method === 'string' && typeof fields.attempts === 'number';
}
