// Calls for tests through either front door: a promise client (init()'s clients, manager.client()) or a
// grpc-js client (manager.getClient()), so one behaviour test can run against both.
import type { ServiceError } from '@grpc/grpc-js';
import type { BookServiceClient } from '../../protos/gen/book/v1/BookService.ts';
import type { Book__Output } from '../../protos/gen/book/v1/Book.ts';
import { Metadata, type CallOptions as GrpcCallOptions } from '@grpc/grpc-js';
import type { CallError, PromiseClient } from '../../src/index.ts';

/** Either front door to BookService. */
export type BookClient = BookServiceClient | PromiseClient<BookServiceClient>;

/** grpc-js call options; for promise clients they are mapped onto the promise call options. */
export type TestCallOptions = GrpcCallOptions & { signal?: AbortSignal };

function isGrpcJs(client: BookClient): client is BookServiceClient {
  return typeof (client as BookServiceClient).getChannel === 'function';
}

function promiseOptions(options: TestCallOptions, metadata: Metadata) {
  const { deadline, parent, signal } = options;
  return {
    metadata,
    ...(deadline !== undefined ? { deadline: deadline instanceof Date ? deadline : new Date(deadline) } : {}),
    ...(parent ? { parent } : {}),
    ...(signal ? { signal } : {}),
  };
}

export function getBook(client: BookClient, id: string, options: TestCallOptions = {}, metadata = new Metadata()): Promise<Book__Output> {
  if (!isGrpcJs(client)) return client.getBook({ id }, promiseOptions(options, metadata));
  return new Promise((resolve, reject) => {
    const call = client.getBook({ id }, metadata, options, (error, book) => (error ? reject(error) : resolve(book!)));
    options.signal?.addEventListener('abort', () => call.cancel(), { once: true });
  });
}

/**
 * The error of a failed call: a CallError (promise door) or a grpc-js ServiceError (grpc-js door), which
 * carries the same service, target, method and attempts fields (grpc-js copies the engine's final status onto it).
 */
export type CallFailure = CallError | (ServiceError & Pick<CallError, 'service' | 'target' | 'method' | 'attempts'>);

/** Settles to the error of a call that must fail. */
export async function getBookError(client: BookClient, id: string, options: TestCallOptions = {}, metadata = new Metadata()): Promise<CallFailure> {
  try {
    await getBook(client, id, options, metadata);
  } catch (error) {
    return error as CallFailure;
  }
  throw new Error('call succeeded but was expected to fail');
}

export async function streamBooks(client: BookClient, limit = 0, options: TestCallOptions = {}): Promise<Book__Output[]> {
  if (!isGrpcJs(client)) {
    const books: Book__Output[] = [];
    for await (const book of client.streamBooks({ limit }, promiseOptions(options, new Metadata()))) books.push(book);
    return books;
  }
  return new Promise((resolve, reject) => {
    const books: Book__Output[] = [];
    const stream = client.streamBooks({ limit }, options);
    stream.on('data', (book: Book__Output) => books.push(book));
    stream.on('error', reject);
    stream.on('end', () => resolve(books));
  });
}

/** init() env for tests of behaviour other than telemetry: no OpenTelemetry SDK, no exporters, no ports. */
export const TELEMETRY_OFF: NodeJS.ProcessEnv = { GRPC_CLIENTS_TELEMETRY_ENABLED: 'false' };
