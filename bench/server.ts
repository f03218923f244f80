// The bench backend, in its own process: one grpc-js server answering GetBook and StreamBooks on a
// plaintext port and a TLS port. It reports { port, tlsPort } to its parent over IPC.
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { loadBookProto } from './book-proto.ts';
import type { Book } from '../protos/gen/book/v1/Book.ts';
import type { BookServiceHandlers } from '../protos/gen/book/v1/BookService.ts';

const [caFile, certFile, keyFile] = process.argv.slice(2);
if (!caFile || !certFile || !keyFile) throw new Error('usage: server.ts <ca.crt> <server.crt> <server.key>');

const BOOK: Book = { id: 'b1', title: 'The Pragmatic Benchmark', author: 'A. Author', year: 2024, ownerId: 'u1' };
const handlers: BookServiceHandlers = {
  GetBook: (_call, callback) => callback(null, BOOK),
  ListBooks: (_call, callback) => callback(null, { books: [BOOK] }),
  ListBooksByOwner: (_call, callback) => callback(null, { books: [BOOK] }),
  StreamBooks: (call) => {
    for (let index = 0; index < (call.request.limit ?? 1); index++) call.write(BOOK);
    call.end();
  },
};

function bind(server: grpc.Server, credentials: grpc.ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => server.bindAsync('127.0.0.1:0', credentials, (error, port) => (error ? reject(error) : resolve(port))));
}

const server = new grpc.Server();
server.addService(loadBookProto(grpc).book.v1.BookService.service, handlers);
const port = await bind(server, grpc.ServerCredentials.createInsecure());
const tls = grpc.ServerCredentials.createSsl(readFileSync(caFile), [{ cert_chain: readFileSync(certFile), private_key: readFileSync(keyFile) }], false);
const tlsPort = await bind(server, tls);
process.send?.({ port, tlsPort });
process.on('disconnect', () => server.forceShutdown());
