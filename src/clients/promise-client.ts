// The primary front door: a client whose unary methods return promises and whose streaming methods
// read and write async iterables, built from the method definitions of a generated grpc-js client class.
// Each method call is one ClientCall of the engine; this file only adapts its callbacks.
import { Metadata, status as Status, type MethodDefinition, type ServiceDefinition } from '@grpc/grpc-js';
import { ClientCall, type CallStatus, type ClientCallOptions } from '../call/client-call.ts';
import type { ServiceCalls } from '../call/service-calls.ts';
import { CallError } from '../errors.ts';
import type { CallOptions, MetadataValue, PromiseClient, RequestStream, ResponseStream } from './types.ts';

type AnyMethod = MethodDefinition<unknown, unknown> & { originalName?: string };

/** Builds the promise client of a generated client class (`ctor.service` holds its method definitions). */
export function promiseClient<C>(service: ServiceCalls, definition: ServiceDefinition): PromiseClient<C> {
  const client: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(definition) as [string, AnyMethod][]) {
    const call = method.requestStream
      ? method.responseStream
        ? (requests: RequestStream<unknown>, options?: CallOptions) => bidiStreaming(service, method, requests, options)
        : (requests: RequestStream<unknown>, options?: CallOptions) => clientStreaming(service, method, requests, options)
      : method.responseStream
        ? (request: unknown, options?: CallOptions) => serverStreaming(service, method, request, options)
        : (request: unknown, options?: CallOptions) => unary(service, method, request, options);
    client[name] = call;
    // proto-loader names methods as in the .proto (GetBook) and also in lowerCamelCase (getBook).
    if (method.originalName) client[method.originalName] = call;
  }
  return Object.freeze(client) as PromiseClient<C>;
}

function unary(service: ServiceCalls, method: AnyMethod, request: unknown, options: CallOptions = {}): Promise<unknown> {
  return singleResponse(service, method, options, (call) => {
    call.sendMessage(request);
    call.halfClose();
    return undefined;
  });
}

function clientStreaming(service: ServiceCalls, method: AnyMethod, requests: RequestStream<unknown>, options: CallOptions = {}): Promise<unknown> {
  return singleResponse(service, method, options, (call) => new RequestWriter(call, requests));
}

/**
 * A call with one response (unary, client streaming): starts it, lets `send` write the requests (a stream's
 * writer is stopped when the call ends), and settles with the response or a CallError (whose cause is what
 * made the requests fail, if anything did).
 */
function singleResponse(service: ServiceCalls, method: AnyMethod, options: CallOptions, send: (call: ClientCall) => RequestWriter | undefined): Promise<unknown> {
  const prepared = prepare(service, method, options);
  if (prepared instanceof CallError) return Promise.reject(prepared);
  return new Promise((resolve, reject) => {
    const call = new ClientCall(service, method, prepared.engine);
    let response: unknown;
    let received = false;
    let writer: RequestWriter | undefined;
    const detach = cancelOnAbort(call, options.signal);
    call.start(prepared.metadata, {
      onReceiveMetadata: (headers) => options.onHeaders?.(headers),
      onReceiveMessage: (message) => {
        response = message;
        received = true;
      },
      onReceiveStatus: (status) => {
        detach();
        options.onTrailers?.(status.metadata);
        const final = status as CallStatus;
        writer?.stop();
        const cause = writer?.failure;
        if (status.code !== Status.OK) return reject(new CallError(final, cause === undefined ? undefined : { cause }));
        if (!received) return reject(new CallError({ ...final, code: Status.UNIMPLEMENTED, details: 'No message received' }));
        resolve(response);
      },
    });
    writer = send(call);
  });
}

function serverStreaming(service: ServiceCalls, method: AnyMethod, request: unknown, options: CallOptions = {}): ResponseStream<unknown> {
  const prepared = prepare(service, method, options);
  if (prepared instanceof CallError) return refusedStream(prepared);
  const call = new ClientCall(service, method, prepared.engine);
  const responses = new Responses(call, prepared.metadata, options);
  call.sendMessage(request);
  call.halfClose();
  return responses.asStream();
}

function bidiStreaming(service: ServiceCalls, method: AnyMethod, requests: RequestStream<unknown>, options: CallOptions = {}): ResponseStream<unknown> {
  const prepared = prepare(service, method, options);
  if (prepared instanceof CallError) return refusedStream(prepared);
  const call = new ClientCall(service, method, prepared.engine);
  const responses = new Responses(call, prepared.metadata, options);
  responses.writer = new RequestWriter(call, requests);
  return responses.asStream();
}

// ---- Before anything is sent: the call's options, checked and turned into what the engine takes ----------

interface PreparedCall {
  engine: ClientCallOptions;
  metadata: Metadata;
}

/** A number deadline below this (2001-09-09) cannot be meant as a time: it is a duration passed by mistake. */
const EARLIEST_DEADLINE_MS = 1e12;

/**
 * The engine's options and the request metadata of a call, or the CallError that refuses it before any
 * attempt starts: an already-aborted signal (CANCELLED), or an option grpc-js would throw on or misread
 * (INVALID_ARGUMENT naming the option or metadata key).
 */
function prepare(service: ServiceCalls, method: AnyMethod, options: CallOptions): PreparedCall | CallError {
  const refuse = (code: Status, details: string) =>
    new CallError({ code, details, metadata: new Metadata(), service: service.name, target: service.target, method: method.path.slice(1), attempts: 0 });
  if (options.signal?.aborted) return refuse(Status.CANCELLED, abortReason(options.signal));
  const deadline = callDeadline(options);
  if (typeof deadline === 'string') return refuse(Status.INVALID_ARGUMENT, deadline);
  const metadata = requestMetadata(options);
  if (typeof metadata === 'string') return refuse(Status.INVALID_ARGUMENT, metadata);
  return {
    // The metadata is ours unless it is the caller's own object, passed on as it is (see requestMetadata).
    engine: { deadline, parent: options.parent, ownsMetadata: metadata !== options.metadata },
    metadata,
  };
}

/** The call's deadline in epoch ms or as a Date (undefined: the service default), or what is wrong with the options. */
function callDeadline({ deadline, timeout }: CallOptions): Date | number | undefined | string {
  if (deadline !== undefined) {
    if (deadline instanceof Date) {
      if (Number.isNaN(deadline.getTime())) return 'options.deadline is an invalid Date';
    } else if (typeof deadline !== 'number' || Number.isNaN(deadline)) {
      return `options.deadline must be a Date or epoch milliseconds, got ${typeof deadline}`;
    } else if (deadline < EARLIEST_DEADLINE_MS) {
      return `options.deadline ${deadline} is not a time: a number deadline is epoch milliseconds, as in grpc-js (Date.now() + ${deadline}); for ${deadline} ms from now, write { timeout: ${deadline} }`;
    }
  }
  if (timeout === undefined) return deadline;
  if (typeof timeout !== 'number' || !(timeout >= 0)) return `options.timeout must be a number of milliseconds >= 0, got ${String(timeout)}`;
  const end = Date.now() + timeout;
  if (deadline === undefined) return end;
  return Math.min(end, deadline instanceof Date ? deadline.getTime() : deadline);
}

/**
 * The request metadata, or what is wrong with it. The caller's own grpc-js Metadata is never changed (it may
 * be reused for other calls); one from another copy of grpc-js is copied into this copy's, so grpc-js never
 * meets a foreign object.
 */
function requestMetadata(options: CallOptions): Metadata | string {
  const given = options.metadata;
  let metadata: Metadata;
  if (given instanceof Metadata) {
    metadata = options.waitForReady === undefined ? given : given.clone();
  } else {
    metadata = new Metadata(isMetadata(given) ? given.getOptions() : undefined);
    const entries = isMetadata(given) ? Object.entries(given.toJSON()) : Object.entries(given ?? {});
    for (const [key, value] of entries) {
      for (const item of Array.isArray(value) ? value : [value]) {
        try {
          metadata.add(key, item as MetadataValue);
        } catch (error) {
          return `metadata key "${key}": ${(error as Error).message}`;
        }
      }
    }
  }
  if (options.waitForReady !== undefined) metadata.setOptions({ ...metadata.getOptions(), waitForReady: options.waitForReady });
  return metadata;
}

/** A grpc-js Metadata, possibly of another copy of grpc-js than the SDK's (an application may bring its own). */
function isMetadata(value: unknown): value is Metadata {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<keyof Metadata, unknown>>;
  return typeof candidate.getMap === 'function' && typeof candidate.toJSON === 'function' && typeof candidate.getOptions === 'function';
}

/**
 * Writes every request of a request stream as the transport accepts it (each write waits for the previous one
 * to be flushed), then half-closes. A throwing request iterable cancels the call (`failure` keeps why). When
 * the call ends first, stop() ends the loop and returns the iterable (a generator's finally runs; a
 * requestQueue refuses further pushes) instead of leaving it waiting on a write that will never be flushed.
 */
class RequestWriter {
  private readonly call: ClientCall;
  private readonly iterator: AsyncIterator<unknown> | Iterator<unknown>;
  private stopped = false;
  private written: (() => void) | undefined;
  /** Why the requests failed, if they did. */
  failure: unknown;

  constructor(call: ClientCall, requests: RequestStream<unknown>) {
    this.call = call;
    this.iterator = Symbol.asyncIterator in requests ? requests[Symbol.asyncIterator]() : requests[Symbol.iterator]();
    void this.run();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.written?.();
    void Promise.resolve(this.iterator.return?.()).catch(() => {});
  }

  private async run(): Promise<void> {
    try {
      for (;;) {
        const next = await this.iterator.next();
        if (this.stopped) return;
        if (next.done) break;
        await new Promise<void>((written) => {
          this.written = written;
          this.call.sendMessageWithContext({ callback: () => written() }, next.value);
        });
        this.written = undefined;
        if (this.stopped) return;
      }
      this.call.halfClose();
    } catch (error) {
      this.failure = error;
      this.stopped = true;
      this.call.cancelWithStatus(Status.CANCELLED, `the request stream failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** The async iterable of a streaming call's responses, reading one message ahead of the consumer at most. */
class Responses implements Omit<ResponseStream<unknown>, 'then'> {
  private readonly call: ClientCall;
  private readonly queue: unknown[] = [];
  private status: CallStatus | undefined;
  /** A bidi call's request writer, stopped when the call ends. */
  writer: RequestWriter | undefined;
  private waiting: { resolve: (result: IteratorResult<unknown>) => void; reject: (error: unknown) => void } | undefined;
  /** The engine reads the first message by itself; later reads are asked for by next(). */
  private reading = true;
  private detach: () => void;

  constructor(call: ClientCall, metadata: Metadata, options: CallOptions) {
    this.call = call;
    this.detach = cancelOnAbort(call, options.signal);
    call.start(metadata, {
      onReceiveMetadata: (headers) => options.onHeaders?.(headers),
      onReceiveMessage: (message) => {
        this.reading = false;
        if (this.waiting) {
          const { resolve } = this.waiting;
          this.waiting = undefined;
          resolve({ value: message, done: false });
        } else {
          this.queue.push(message);
        }
      },
      onReceiveStatus: (status) => {
        this.detach();
        this.writer?.stop();
        options.onTrailers?.(status.metadata);
        this.status = status as CallStatus;
        if (this.waiting && this.queue.length === 0) this.settle(this.waiting);
      },
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    return this;
  }

  /** ResponseStream's `then` exists only in its type (so that awaiting a stream does not compile). */
  asStream(): ResponseStream<unknown> {
    return this as Omit<ResponseStream<unknown>, 'then'> as ResponseStream<unknown>;
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.queue.length > 0) return Promise.resolve({ value: this.queue.shift(), done: false });
    return new Promise((resolve, reject) => {
      if (this.status) return this.settle({ resolve, reject });
      this.waiting = { resolve, reject };
      if (!this.reading) {
        this.reading = true;
        this.call.startRead();
      }
    });
  }

  /** Leaving a for-await loop early: the call is cancelled, and the server sees it. */
  return(): Promise<IteratorResult<unknown>> {
    this.cancel();
    return Promise.resolve({ value: undefined, done: true });
  }

  cancel(): void {
    if (!this.status) this.call.cancelWithStatus(Status.CANCELLED, 'Cancelled on client');
  }

  private settle(waiter: { resolve: (result: IteratorResult<unknown>) => void; reject: (error: unknown) => void }): void {
    const status = this.status!;
    if (status.code === Status.OK) return waiter.resolve({ value: undefined, done: true });
    const cause = this.writer?.failure;
    waiter.reject(new CallError(status, cause === undefined ? undefined : { cause }));
  }
}

/** The response stream of a call refused before it started: its loop throws the refusal, and nothing was sent. */
function refusedStream(refusal: CallError): ResponseStream<unknown> {
  let thrown = false;
  const stream: Omit<ResponseStream<unknown>, 'then'> & AsyncIterator<unknown> = {
    [Symbol.asyncIterator]: () => stream,
    next: () => (thrown ? Promise.resolve({ value: undefined, done: true }) : ((thrown = true), Promise.reject(refusal))),
    cancel: () => {},
  };
  return stream as Omit<ResponseStream<unknown>, 'then'> as ResponseStream<unknown>;
}

const NOTHING_TO_DETACH = () => {};

/** Cancels the call when the signal aborts (prepare() refused it if it already had); returns a function that stops listening. */
function cancelOnAbort(call: ClientCall, signal: AbortSignal | undefined): () => void {
  if (!signal) return NOTHING_TO_DETACH;
  const onAbort = () => call.cancelWithStatus(Status.CANCELLED, abortReason(signal));
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  const text = reason instanceof Error ? reason.message : reason === undefined ? '' : String(reason);
  return text ? `Cancelled on client: ${text}` : 'Cancelled on client';
}
