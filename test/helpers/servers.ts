// Real grpc-js servers on 127.0.0.1:0 for tests, with behaviour a test can steer per call.
import { Server, ServerCredentials, status as Status, Metadata, type ServerUnaryCall, type sendUnaryData, type ServerWritableStream, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { BookServiceHandlers } from '../../protos/gen/book/v1/BookService.ts';
import type { Book } from '../../protos/gen/book/v1/Book.ts';
import { BookService } from './protos.ts';

export const BOOKS: Book[] = Array.from({ length: 5 }, (_, index) => ({
  id: `b${index + 1}`,
  title: `Book ${index + 1}`,
  author: `Author ${index + 1}`,
  year: 2000 + index,
  ownerId: `u${(index % 2) + 1}`,
}));

export interface BookServerOptions {
  /** Credentials to listen with (default insecure). */
  credentials?: ServerCredentials;
  /** Port to bind (default 0: any free port). */
  port?: number;
  /** Loopback address to bind (default 127.0.0.1; all of 127.0.0.0/8 is loopback, for several replicas). */
  host?: string;
  /** Runs before each GetBook answer; may delay, or return a status to fail with. */
  onGetBook?: (call: ServerUnaryCall<{ id: string }, Book>) => Promise<InjectedFailure | void> | InjectedFailure | void;
  /** More services served next to BookService (e.g. grpc.health.v1.Health). */
  extraServices?: { definition: ServiceDefinition; handlers: UntypedServiceImplementation }[];
  /** Runs before StreamBooks writes; may write messages itself, delay, or return a status to end with. */
  onStreamBooks?: (call: ServerWritableStream<{ limit: number }, Book>) => Promise<InjectedFailure | void> | InjectedFailure | void;
}

/** A status a hook makes the server answer with instead of the normal response. */
export interface InjectedFailure {
  code: Status;
  details?: string;
  trailers?: Metadata;
}

export interface RunningServer {
  server: Server;
  port: number;
  address: string;
  /** Metadata of every call received, in order. */
  received: Metadata[];
  stop(): Promise<void>;
}

export async function startBookServer(options: BookServerOptions = {}): Promise<RunningServer> {
  const received: Metadata[] = [];
  const handlers: BookServiceHandlers = {
    GetBook: (call: ServerUnaryCall<{ id: string }, Book>, callback: sendUnaryData<Book>) => {
      received.push(call.metadata);
      void Promise.resolve(options.onGetBook?.(call)).then((failure) => {
        if (failure) return callback({ code: failure.code, details: failure.details ?? 'injected', metadata: failure.trailers ?? new Metadata() });
        const book = BOOKS.find((candidate) => candidate.id === call.request.id);
        if (!book) return callback({ code: Status.NOT_FOUND, details: `book ${call.request.id} not found` });
        callback(null, book);
      });
    },
    ListBooks: (call, callback) => {
      received.push(call.metadata);
      callback(null, { books: BOOKS.slice(0, call.request.pageSize || BOOKS.length) });
    },
    ListBooksByOwner: (call, callback) => {
      received.push(call.metadata);
      callback(null, { books: BOOKS.filter((book) => book.ownerId === call.request.ownerId) });
    },
    StreamBooks: (call: ServerWritableStream<{ limit: number }, Book>) => {
      received.push(call.metadata);
      void Promise.resolve(options.onStreamBooks?.(call)).then((failure) => {
        // grpc-js ends a server stream with the status of an 'error' event.
        if (failure) return void call.emit('error', { code: failure.code, details: failure.details ?? 'injected', metadata: failure.trailers ?? new Metadata() });
        for (const book of BOOKS.slice(0, call.request.limit || BOOKS.length)) call.write(book);
        call.end();
      });
    },
  };
  const server = new Server();
  server.addService(BookService.service, handlers);
  for (const extra of options.extraServices ?? []) server.addService(extra.definition, extra.handlers);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${options.host ?? '127.0.0.1'}:${options.port ?? 0}`, options.credentials ?? ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
  });
  return {
    server,
    port,
    address: `${options.host ?? '127.0.0.1'}:${port}`,
    received,
    stop: () => stopServer(server),
  };
}

/** Stops a server at once, cancelling whatever it was serving. */
export function stopServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.forceShutdown();
    resolve();
  });
}

/** A port that was free a moment ago and has nothing listening on it. */
export async function deadPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
