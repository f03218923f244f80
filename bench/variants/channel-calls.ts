// unary() and stream() made directly with channel.createCall, as grpc-js's own Client does underneath:
// no Client, no interceptor chain, no promise adapter of ours. The limit any client on grpc-js can reach.
import * as grpc from '@grpc/grpc-js';
import { GET_BOOK_REQUEST, loadBookProto, STREAM_LIMIT } from '../book-proto.ts';

type WireCall = ReturnType<grpc.Channel['createCall']>;

/** Told what each call did, so the metrics variant can record it; the bare variant passes nothing. */
export interface CallObserver {
  started(): void;
  ended(code: grpc.status, seconds: number, sentBytes: number, rcvdBytes: number): void;
}

export function channelCalls(address: string, observer?: CallObserver) {
  const { BookService } = loadBookProto(grpc).book.v1;
  const { GetBook, StreamBooks } = BookService.service;
  const channel = new grpc.Channel(address, grpc.credentials.createInsecure(), {});

  /** Starts one call; `onMessage` gets each response, `done` the status. */
  function call(path: string, request: Buffer, onMessage: (bytes: Buffer, wire: WireCall) => void, done: (status: grpc.StatusObject, rcvd: number) => void): void {
    observer?.started();
    const startedAt = observer ? performance.now() : 0;
    const wire = channel.createCall(path, Infinity, undefined, null, undefined);
    let rcvd = 0;
    wire.start(new grpc.Metadata(), {
      onReceiveMetadata: () => {},
      onReceiveMessage: (bytes: Buffer) => {
        rcvd += bytes.length;
        onMessage(bytes, wire);
      },
      onReceiveStatus: (status) => {
        observer?.ended(status.code, (performance.now() - startedAt) / 1_000, request.length, rcvd);
        done(status, rcvd);
      },
    });
    wire.sendMessageWithContext({}, request);
    wire.halfClose();
    wire.startRead();
  }

  const settle = (resolve: () => void, reject: (error: Error) => void, ok: () => boolean) => (status: grpc.StatusObject) =>
    status.code === grpc.status.OK && ok() ? resolve() : reject(new Error(`${grpc.status[status.code]}: ${status.details}`));

  return {
    unary: () =>
      new Promise<void>((resolve, reject) => {
        let response: unknown;
        const request = GetBook.requestSerialize(GET_BOOK_REQUEST);
        call(GetBook.path, request, (bytes) => (response = GetBook.responseDeserialize(bytes)), settle(resolve, reject, () => response !== undefined));
      }),
    stream: () =>
      new Promise<void>((resolve, reject) => {
        let received = 0;
        const request = StreamBooks.requestSerialize({ limit: STREAM_LIMIT });
        const onMessage = (bytes: Buffer, wire: WireCall) => {
          StreamBooks.responseDeserialize(bytes);
          received++;
          wire.startRead();
        };
        call(StreamBooks.path, request, onMessage, settle(resolve, reject, () => received === STREAM_LIMIT));
      }),
    close: () => channel.close(),
  };
}
