// EchoService (test/fixtures/protos/echo.proto): one method of each kind, served by a real grpc-js
// server on 127.0.0.1:0 that records what it saw (requests, cancellations).
import { fileURLToPath } from 'node:url';
import { Server, ServerCredentials, type ServerDuplexStream, type ServerReadableStream, type ServerWritableStream } from '@grpc/grpc-js';
import type { ExecutionContext } from 'ava';
import { init, loadProtos } from '../../src/index.ts';
import { TELEMETRY_OFF } from './calls.ts';
import type { ProtoGrpcType } from '../fixtures/protos/gen/echo.ts';
import type { EchoReply } from '../fixtures/protos/gen/echo/v1/EchoReply.ts';
import type { EchoRequest__Output } from '../fixtures/protos/gen/echo/v1/EchoRequest.ts';
import type { EchoServiceHandlers } from '../fixtures/protos/gen/echo/v1/EchoService.ts';
import type { RepeatRequest__Output } from '../fixtures/protos/gen/echo/v1/RepeatRequest.ts';

const PROTO_DIR = fileURLToPath(new URL('../fixtures/protos', import.meta.url));
export const { EchoService } = loadProtos<ProtoGrpcType>('echo.proto', { includeDirs: [PROTO_DIR] }).echo.v1;

export interface EchoServer {
  address: string;
  /** Resolves when the server sees a call cancelled by its client. */
  cancelled: Promise<string>;
  /** Replies written by Repeat before it noticed the cancellation. */
  repeated: () => number;
  /** How many calls each method's handler was run for (a call that was never sent runs none). */
  handled: Record<'Echo' | 'Repeat' | 'Join' | 'Chat', number>;
  stop(): void;
}

export async function startEchoServer(): Promise<EchoServer> {
  let onCancel: (method: string) => void = () => {};
  const cancelled = new Promise<string>((resolve) => (onCancel = resolve));
  let repeated = 0;
  const handled = { Echo: 0, Repeat: 0, Join: 0, Chat: 0 };
  const handlers: EchoServiceHandlers = {
    Echo: (call, callback) => {
      handled.Echo++;
      callback(null, { text: call.request.text, sequence: 1 });
    },
    // Writes slowly (one reply per 5 ms) until done or cancelled, so a client can stop in the middle.
    Repeat: (call: ServerWritableStream<RepeatRequest__Output, EchoReply>) => {
      handled.Repeat++;
      let stopped = false;
      call.on('cancelled', () => {
        stopped = true;
        onCancel('Repeat');
      });
      const write = (sequence: number) => {
        if (stopped) return;
        if (sequence > call.request.count) return call.end();
        repeated++;
        call.write({ text: call.request.text, sequence });
        setTimeout(() => write(sequence + 1), 5);
      };
      write(1);
    },
    Join: (call: ServerReadableStream<EchoRequest__Output, EchoReply>, callback) => {
      handled.Join++;
      const texts: string[] = [];
      call.on('data', (request: EchoRequest__Output) => texts.push(request.text));
      call.on('end', () => callback(null, { text: texts.join(' '), sequence: texts.length }));
      call.on('cancelled', () => onCancel('Join'));
    },
    Chat: (call: ServerDuplexStream<EchoRequest__Output, EchoReply>) => {
      handled.Chat++;
      let sequence = 0;
      call.on('data', (request: EchoRequest__Output) => call.write({ text: request.text.toUpperCase(), sequence: ++sequence }));
      call.on('end', () => call.end());
      call.on('cancelled', () => onCancel('Chat'));
    },
  };
  const server = new Server();
  server.addService(EchoService.service, handlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return { address: `127.0.0.1:${port}`, cancelled, repeated: () => repeated, handled, stop: () => server.forceShutdown() };
}

/** An echo server (or the one given) and a promise client of it through init(), telemetry off; both torn down with the test. */
export async function echoClient(t: ExecutionContext, server?: EchoServer) {
  const echo = server ?? (await startEchoServer());
  t.teardown(() => echo.stop());
  const sdk = await init({ config: { grpc_clients: { services: [{ name: 'echo', address: echo.address }] } }, clients: { echo: EchoService }, env: TELEMETRY_OFF });
  t.teardown(() => sdk.shutdown());
  return { echo, client: sdk.clients.echo, sdk };
}
