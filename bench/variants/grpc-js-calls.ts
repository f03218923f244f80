// unary() and stream() over a grpc-js BookService client, shared by the variants built on raw grpc-js.
import type { BookServiceClient } from '../../protos/gen/book/v1/BookService.ts';
import { GET_BOOK_REQUEST, STREAM_LIMIT } from '../book-proto.ts';

export function unaryCall(client: BookServiceClient): Promise<void> {
  return new Promise((resolve, reject) => {
    client.getBook(GET_BOOK_REQUEST, (error) => (error ? reject(error) : resolve()));
  });
}

export function streamCall(client: BookServiceClient): Promise<void> {
  return new Promise((resolve, reject) => {
    let received = 0;
    const stream = client.streamBooks({ limit: STREAM_LIMIT });
    stream.on('data', () => received++);
    stream.on('error', reject);
    stream.on('end', () => (received === STREAM_LIMIT ? resolve() : reject(new Error(`stream ended after ${received} of ${STREAM_LIMIT} messages`))));
  });
}
