// Promise forms of grpc-js client calls, so the demo's handlers read as plain async code.
import type { ClientReadableStream, requestCallback } from '@grpc/grpc-js';

/** `await unary<Book__Output>((done) => books.getBook({ id }, done))` */
export function unary<T>(start: (done: requestCallback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    start((error, response) => (error ? reject(error) : resolve(response as T)));
  });
}

/** Every message of a server stream, or its error. */
export function collect<T>(stream: ClientReadableStream<T>): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const messages: T[] = [];
    stream.on('data', (message: T) => messages.push(message));
    stream.on('error', reject);
    stream.on('end', () => resolve(messages));
  });
}
