// book-service (gRPC, port 9002; the demo runs two replicas, see demo/ports.ts): the catalogue. A leaf:
// it calls nobody, serves grpc.health.v1, takes injected latency, errors and outages for the chaos
// scenario, and counts the calls it served.
import { status as Status } from '@grpc/grpc-js';
import type { BookServiceHandlers } from '../../protos/gen/book/v1/BookService.ts';
import type { Book } from '../../protos/gen/book/v1/Book.ts';
import { BOOKS } from '../data.ts';
import { bindHost, listenPort } from '../ports.ts';
import { BookService, Health } from '../protos.ts';
import { Faults, faultsFromEnv } from '../server/faults.ts';
import { GrpcHost } from '../server/grpc-host.ts';
import { handlersFor, rpcError } from '../server/handlers.ts';
import { HealthService } from '../server/health.ts';
import { ServedCalls } from '../server/served-calls.ts';
import { leafTracing } from '../server/leaf-tracing.ts';
import { announceReady, followChaosCommands, stopOnSignal } from '../server/process.ts';

const NAME = 'book-service';
const tracing = leafTracing(NAME);
const faults = new Faults(faultsFromEnv());
const served = new ServedCalls();
const rpc = handlersFor('book.v1.BookService', faults, served);

const books: BookServiceHandlers = {
  GetBook: rpc.unary('GetBook', async ({ id }) => {
    const book = BOOKS.find((candidate) => candidate.id === id);
    if (!book) throw rpcError(Status.NOT_FOUND, `book ${id} not found`);
    return book;
  }),
  ListBooks: rpc.unary('ListBooks', async ({ pageSize }) => ({ books: BOOKS.slice(0, pageSize || BOOKS.length) })),
  ListBooksByOwner: rpc.unary('ListBooksByOwner', async ({ ownerId }) => ({ books: BOOKS.filter((book) => book.ownerId === ownerId) })),
  StreamBooks: rpc.serverStream<{ limit: number }, Book>('StreamBooks', async ({ limit }, write) => {
    for (const book of BOOKS.slice(0, limit || BOOKS.length)) write(book);
  }),
};

const health = new HealthService(['book.v1.BookService']);
const host = new GrpcHost(bindHost(), [
  { definition: BookService.service, implementation: books },
  { definition: Health.service, implementation: health.handlers },
]);

followChaosCommands(NAME, faults, host, served);
stopOnSignal(NAME, async () => {
  health.setServing(false);
  await host.stop();
  await tracing.shutdown();
});
announceReady(NAME, await host.start(listenPort(NAME)));
