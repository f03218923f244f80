// Promise wrappers over grpc-js callback calls, so tests can await a result or an error.
import type { ServiceError } from '@grpc/grpc-js';
import type { BookServiceClient } from '../../protos/gen/book/v1/BookService.ts';
import type { Book__Output } from '../../protos/gen/book/v1/Book.ts';
import { Metadata, type CallOptions } from '@grpc/grpc-js';

export function getBook(client: BookServiceClient, id: string, options: CallOptions = {}, metadata = new Metadata()): Promise<Book__Output> {
  return new Promise((resolve, reject) => {
    client.getBook({ id }, metadata, options, (error, book) => (error ? reject(error) : resolve(book!)));
  });
}

/** Settles to the ServiceError of a call that must fail. */
export async function getBookError(client: BookServiceClient, id: string, options: CallOptions = {}, metadata = new Metadata()): Promise<ServiceError> {
  try {
    await getBook(client, id, options, metadata);
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('call succeeded but was expected to fail');
}

export function streamBooks(client: BookServiceClient, limit = 0, options: CallOptions = {}): Promise<Book__Output[]> {
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
