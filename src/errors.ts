// Errors the SDK throws: each says what went wrong, for which service and target, and keeps the cause.
import { status as Status, type Metadata } from '@grpc/grpc-js';

/** One problem found in a config: where (a dotted path) and why. */
export interface ConfigProblem {
  path: string;
  reason: string;
}

/** Thrown by config loading with every problem found, not only the first. */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];
  readonly source: string;

  constructor(source: string, problems: ConfigProblem[]) {
    const lines = problems.map((problem) => `  ${problem.path}: ${problem.reason}`);
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

  constructor(service: string, target: string, message: string, options?: { cause?: unknown }) {
    super(`${service} (${target}): ${message}`, options);
    this.name = 'GrpcClientError';
    this.service = service;
    this.target = target;
  }
}

/** A channel did not become usable in time: names the last connectivity state seen and, for TLS, the handshake error. */
export class ConnectError extends GrpcClientError {
  readonly lastState: string;

  constructor(service: string, target: string, lastState: string, reason: string, options?: { cause?: unknown }) {
    super(service, target, `not connected: ${reason} (last state ${lastState})`, options);
    this.name = 'ConnectError';
    this.lastState = lastState;
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

  constructor(status: { code: number; details: string; metadata: Metadata; service: string; target: string; method: string; attempts: number }, options?: { cause?: unknown }) {
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
