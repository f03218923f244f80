// One book-service replica in its own process for the balancing bench: a grpc-js server on the host and
// port given, answering GetBook with its own host as the title after a delay the parent sets over IPC.
import * as grpc from '@grpc/grpc-js';
import { loadBookProto } from './book-proto.ts';
import type { Book } from '../protos/gen/book/v1/Book.ts';

const [host = '127.0.0.1', portArg = '0'] = process.argv.slice(2);
let delayMs = 0;

const answer: Book = { id: 'b1', title: host, author: 'bench', year: 2024, ownerId: 'u1' };
const getBook: grpc.handleUnaryCall<unknown, Book> = (_call, callback) => {
  if (delayMs > 0) setTimeout(() => callback(null, answer), delayMs);
  else callback(null, answer);
};

const server = new grpc.Server();
// Only GetBook: grpc-js answers UNIMPLEMENTED for the methods left out.
server.addService(loadBookProto(grpc).book.v1.BookService.service, { GetBook: getBook });
const port = await new Promise<number>((resolve, reject) => server.bindAsync(`${host}:${portArg}`, grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
process.on('message', (message: { delayMs: number }) => {
  delayMs = message.delayMs;
  process.send?.({ delayMs });
});
process.send?.({ port });
process.on('disconnect', () => server.forceShutdown());
