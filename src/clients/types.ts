// The types of promise clients, derived from the grpc-js client interfaces that codegens write
// (proto-loader-gen-types, ts-proto with outputServices=grpc-js): the last overload of each generated
// method tells its kind (unary, server, client or bidi streaming) and its request and response types.
import type { CallOptions as GrpcCallOptions, Client, ClientDuplexStream, ClientReadableStream, ClientUnaryCall, ClientWritableStream, Metadata, requestCallback, ServiceError } from '@grpc/grpc-js';

/** Any grpc-js server call (unary or streaming), as grpc-js accepts it for `parent`. */
type ServerCall = NonNullable<GrpcCallOptions['parent']>;

/** Options of one call. */
export interface CallOptions {
  /**
   * When the call must be done, as in grpc-js: a Date, or a number of epoch milliseconds (`Date.now() + 700`).
   * A number too small to be a time (before 2001) is refused at once (INVALID_ARGUMENT naming the option), so
   * a duration passed here by mistake never becomes a deadline decades away or in the past. For a duration,
   * use `timeout`. Default: the service's `deadline`.
   */
  deadline?: Date | number;
  /**
   * Milliseconds from now the call may take. With `deadline` too, the earlier of the two wins. Default: the
   * service's `deadline`.
   */
  timeout?: number;
  /** Aborting it cancels the call (status CANCELLED), also while it waits to retry. */
  signal?: AbortSignal;
  /**
   * Request metadata: a grpc-js Metadata (of any grpc-js copy), or a plain object whose values are strings,
   * or Buffers for keys ending in `-bin`, or arrays of them. A key or value grpc-js refuses rejects the call
   * (INVALID_ARGUMENT naming the key) before anything is sent.
   */
  metadata?: Metadata | Record<string, MetadataValue | readonly MetadataValue[]>;
  /** Wait (up to the deadline) for a connection instead of failing fast; overrides the service's wait_for_ready. */
  waitForReady?: boolean;
  /** Called with the response headers, when they arrive. */
  onHeaders?: (headers: Metadata) => void;
  /** Called with the response trailers, when the call ends (also on failure). */
  onTrailers?: (trailers: Metadata) => void;
  /**
   * The server call this call is made for: the outgoing call gets its remaining deadline (when earlier than
   * its own) and is cancelled with it.
   */
  parent?: ServerCall;
}

/** One metadata value: text, or binary (Buffer) for a key ending in `-bin`. */
export type MetadataValue = string | Buffer;

/** Requests of a client- or bidi-streaming call: any (async) iterable; the call half-closes when it ends. */
export type RequestStream<Req> = AsyncIterable<Req> | Iterable<Req>;

/**
 * Responses of a server- or bidi-streaming call, read with `for await`. Leaving the loop early (break,
 * return, throw) cancels the call, and the server sees the cancellation. A failed call throws CallError
 * from the loop after the messages that did arrive.
 */
export interface ResponseStream<Res> extends AsyncIterable<Res> {
  /** Cancels the call (CANCELLED); the loop then ends with that error. */
  cancel(): void;
  /**
   * Type-level only, so that `await stream` (a mistake: it is not a promise) is a compile error (TS1320).
   * The object has no `then`, and nothing can be passed to this signature.
   * @deprecated Iterate the stream with `for await`.
   */
  then(neverCalled: never): never;
}

type UnaryMethod<Req, Res> = (request: Req, options?: CallOptions) => Promise<Res>;
type ServerStreamingMethod<Req, Res> = (request: Req, options?: CallOptions) => ResponseStream<Res>;
type ClientStreamingMethod<Req, Res> = (requests: RequestStream<Req>, options?: CallOptions) => Promise<Res>;
type BidiStreamingMethod<Req, Res> = (requests: RequestStream<Req>, options?: CallOptions) => ResponseStream<Res>;

/**
 * The promise form of one generated grpc-js method, read from its last overload: the kind from what it
 * returns, the request from its first parameter, the response from its callback, which is the last
 * parameter (proto-loader-gen-types ends with `(request, callback)`, ts-proto with
 * `(request, metadata, options, callback)`). A duplex stream is also readable and writable, and every
 * stream is also a ClientUnaryCall, so the order of the checks matters.
 */
export type PromiseMethod<F> = F extends (...args: infer Args) => infer Returned
  ? Returned extends ClientDuplexStream<infer Req, infer Res>
    ? BidiStreamingMethod<Req, Res>
    : Returned extends ClientWritableStream<infer Req>
      ? ClientStreamingMethod<Req, CallbackResponse<Args>>
      : Returned extends ClientReadableStream<infer Res>
        ? ServerStreamingMethod<Args[0], Res>
        : Returned extends ClientUnaryCall
          ? UnaryMethod<Args[0], CallbackResponse<Args>>
          : never
  : never;

/**
 * What the callback (the last parameter) receives: proto-loader-gen-types types it as grpc-js's
 * requestCallback (`value?: Res`), ts-proto as `(error, response: Res) => void`; neither pattern matches both.
 */
type CallbackResponse<Args extends unknown[]> = Args extends [...unknown[], infer Callback]
  ? Callback extends requestCallback<infer Res>
    ? Res
    : Callback extends (error: ServiceError | null, response: infer Res) => void
      ? Res
      : never
  : never;

type MethodNames<C> = { [K in keyof C]: K extends keyof Client ? never : C[K] extends (...args: never[]) => unknown ? K : never }[keyof C];

/** A promise client for the grpc-js client interface `C` (e.g. the generated `BookServiceClient`). */
export type PromiseClient<C> = { readonly [K in MethodNames<C>]: PromiseMethod<C[K]> };
