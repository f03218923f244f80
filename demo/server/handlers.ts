// Turns the demo's async handler functions into grpc-js handlers, each traced (server-span.ts),
// subject to injected faults (faults.ts) and counted (served-calls.ts), so the service files hold only
// their business logic.
import { Metadata, status as Status, type handleServerStreamingCall, type handleUnaryCall, type ServerWritableStream } from '@grpc/grpc-js';
import type { Faults } from './faults.ts';
import { grpcCode, grpcDetails, inServerSpan } from './server-span.ts';
import type { ServedCalls } from './served-calls.ts';

/** An error a handler throws to answer with a status other than OK. */
export function rpcError(code: Status, details: string): Error & { code: Status } {
  return Object.assign(new Error(details), { code });
}

export interface HandlerFactory {
  unary<Req, Res>(method: string, handle: (request: Req, metadata: Metadata) => Promise<Res>): handleUnaryCall<Req, Res>;
  serverStream<Req, Res>(method: string, handle: (request: Req, write: (message: Res) => void, metadata: Metadata) => Promise<void>): handleServerStreamingCall<Req, Res>;
}

/** Handlers of one service, e.g. `handlersFor('book.v1.BookService', faults, served)`. */
export function handlersFor(serviceName: string, faults?: Faults, served?: ServedCalls): HandlerFactory {
  const run = <T>(method: string, call: { metadata: Metadata; cancelled: boolean }, handle: () => Promise<T>) => {
    served?.received();
    const result = inServerSpan(`${serviceName}/${method}`, call.metadata, async () => {
      await faults?.apply();
      return handle();
    });
    void result.then(() => served?.ended(call.cancelled), () => served?.ended(call.cancelled));
    return result;
  };

  return {
    unary: (method, handle) => (call, callback) => {
      run(method, call, () => handle(call.request, call.metadata)).then(
        (response) => callback(null, response),
        (error: unknown) => callback(statusOf(error)),
      );
    },
    serverStream: (method, handle) => (call) => {
      run(method, call, () => handle(call.request, (message) => writeUnlessCancelled(call, message), call.metadata)).then(
        () => call.end(),
        (error: unknown) => call.destroy(Object.assign(new Error(grpcDetails(error)), statusOf(error))),
      );
    },
  };
}

function writeUnlessCancelled<Req, Res>(call: ServerWritableStream<Req, Res>, message: Res): void {
  if (!call.cancelled) call.write(message);
}

function statusOf(error: unknown): { code: Status; details: string; metadata: Metadata } {
  return { code: grpcCode(error), details: grpcDetails(error), metadata: new Metadata() };
}
