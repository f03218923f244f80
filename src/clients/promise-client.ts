// The primary front door: a client whose unary methods return promises and whose streaming methods
// read and write async iterables, built from the method definitions of a generated grpc-js client class.
// Each method call is one ClientCall of the engine; this file only adapts its callbacks.
import { Metadata, status as Status, type MethodDefinition, type ServiceDefinition } from '@grpc/grpc-js';
import { ClientCall, type CallStatus, type ClientCallOptions } from '../call/client-call.ts';
import type { ServiceCalls } from '../call/service-calls.ts';
import { CallError } from '../errors.ts';
import type { CallOptions, PromiseClient, RequestStream, ResponseStream } from './types.ts';

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
    return NO_FAILURE;
  });
}

const NO_FAILURE = () => undefined;

function clientStreaming(service: ServiceCalls, method: AnyMethod, requests: RequestStream<unknown>, options: CallOptions = {}): Promise<unknown> {
  return singleResponse(service, method, options, (call) => {
    let requestFailure: unknown;
    void sendAll(call, requests).catch((error: unknown) => (requestFailure = error));
    return () => requestFailure;
  });
}

/**
 * A call with one response (unary, client streaming): starts it, lets `send` write the requests, and
 * settles with the response or a CallError (whose cause is what made the requests fail, if anything did).
 */
function singleResponse(service: ServiceCalls, method: AnyMethod, options: CallOptions, send: (call: ClientCall) => () => unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const call = new ClientCall(service, method, engineOptions(options));
    let response: unknown;
    let received = false;
    let requestFailure: () => unknown = NO_FAILURE;
    const detach = cancelOnAbort(call, options.signal);
    call.start(requestMetadata(options), {
      onReceiveMetadata: (headers) => options.onHeaders?.(headers),
      onReceiveMessage: (message) => {
        response = message;
        received = true;
      },
      onReceiveStatus: (status) => {
        detach();
        options.onTrailers?.(status.metadata);
        const final = status as CallStatus;
        const cause = requestFailure();
        if (status.code !== Status.OK) return reject(new CallError(final, cause === undefined ? undefined : { cause }));
        if (!received) return reject(new CallError({ ...final, code: Status.UNIMPLEMENTED, details: 'No message received' }));
        resolve(response);
      },
    });
    requestFailure = send(call);
  });
}

function serverStreaming(service: ServiceCalls, method: AnyMethod, request: unknown, options: CallOptions = {}): ResponseStream<unknown> {
  const call = new ClientCall(service, method, engineOptions(options));
  const responses = new Responses(call, options);
  call.sendMessage(request);
  call.halfClose();
  return responses.asStream();
}

function bidiStreaming(service: ServiceCalls, method: AnyMethod, requests: RequestStream<unknown>, options: CallOptions = {}): ResponseStream<unknown> {
  const call = new ClientCall(service, method, engineOptions(options));
  const responses = new Responses(call, options);
  void sendAll(call, requests).catch((error: unknown) => responses.failRequests(error));
  return responses.asStream();
}

/**
 * Writes every request as the transport accepts it (each write waits for the previous one to be
 * flushed), then half-closes. A throwing request iterable cancels the call.
 */
async function sendAll(call: ClientCall, requests: RequestStream<unknown>): Promise<void> {
  try {
    for await (const request of requests) {
      if (call.ended) return;
      await new Promise<void>((written) => call.sendMessageWithContext({ callback: () => written() }, request));
    }
    call.halfClose();
  } catch (error) {
    call.cancelWithStatus(Status.CANCELLED, `the request stream failed: ${error instanceof Error ? error.message : String(error)}`);
    throw error;
  }
}

/** The async iterable of a streaming call's responses, reading one message ahead of the consumer at most. */
class Responses implements Omit<ResponseStream<unknown>, 'then'> {
  private readonly call: ClientCall;
  private readonly queue: unknown[] = [];
  private status: CallStatus | undefined;
  private requestFailure: unknown;
  private waiting: { resolve: (result: IteratorResult<unknown>) => void; reject: (error: unknown) => void } | undefined;
  /** The engine reads the first message by itself; later reads are asked for by next(). */
  private reading = true;
  private detach: () => void;

  constructor(call: ClientCall, options: CallOptions) {
    this.call = call;
    this.detach = cancelOnAbort(call, options.signal);
    call.start(requestMetadata(options), {
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

  failRequests(error: unknown): void {
    this.requestFailure = error;
  }

  private settle(waiter: { resolve: (result: IteratorResult<unknown>) => void; reject: (error: unknown) => void }): void {
    const status = this.status!;
    if (status.code === Status.OK) return waiter.resolve({ value: undefined, done: true });
    waiter.reject(new CallError(status, this.requestFailure === undefined ? undefined : { cause: this.requestFailure }));
  }
}

function engineOptions(options: CallOptions): ClientCallOptions {
  const { deadline, parent } = options;
  return {
    deadline: typeof deadline === 'number' ? Date.now() + deadline : deadline,
    parent,
    // requestMetadata() makes a new Metadata unless the caller passed one (and did not ask for waitForReady).
    ownsMetadata: !isMetadata(options.metadata) || options.waitForReady !== undefined,
  };
}

function requestMetadata(options: CallOptions): Metadata {
  const given = options.metadata;
  let metadata: Metadata;
  // The caller's own Metadata object is never changed: it may be reused for other calls.
  if (isMetadata(given)) metadata = options.waitForReady === undefined ? given : given.clone();
  else {
    metadata = new Metadata();
    for (const [key, value] of Object.entries(given ?? {})) {
      for (const item of typeof value === 'string' ? [value] : value) metadata.add(key, item);
    }
  }
  if (options.waitForReady !== undefined) metadata.setOptions({ ...metadata.getOptions(), waitForReady: options.waitForReady });
  return metadata;
}

/**
 * A grpc-js Metadata, also one made by another copy of grpc-js than the SDK's (an app or a library may
 * bring its own), so not `instanceof`; a plain-object form has no function values.
 */
function isMetadata(value: CallOptions['metadata']): value is Metadata {
  return typeof (value as Partial<Metadata> | undefined)?.getMap === 'function';
}

const NOTHING_TO_DETACH = () => {};

/** Cancels the call when the signal aborts (at once if it already has); returns a function that stops listening. */
function cancelOnAbort(call: ClientCall, signal: AbortSignal | undefined): () => void {
  if (!signal) return NOTHING_TO_DETACH;
  const onAbort = () => call.cancelWithStatus(Status.CANCELLED, abortReason(signal));
  if (signal.aborted) {
    queueMicrotask(onAbort);
    return NOTHING_TO_DETACH;
  }
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  const text = reason instanceof Error ? reason.message : reason === undefined ? '' : String(reason);
  return text ? `Cancelled on client: ${text}` : 'Cancelled on client';
}
