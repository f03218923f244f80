// Retry amplification: grpcclient with retries on (max 4, so naive retry makes 5 attempts per call)
// calls a backend that answers UNAVAILABLE to everything, for a fixed time at c=4. The backend, in
// this process, counts the attempts that reach it; attempts per call is the amplification.
import * as grpc from '@grpc/grpc-js';
import { init } from '../src/index.ts';
import { loadBookProto } from './book-proto.ts';
import type { BookServiceClient } from '../protos/gen/book/v1/BookService.ts';

export interface RetryReport {
  seconds: number;
  calls: number;
  attempts: number;
  attemptsPerCall: number;
  /** Attempts of the very first call: 1 means no retry layer acted at all. */
  firstCallAttempts: number;
  /** Attempts per call after the first 10% of the run, once throttling had time to engage. */
  steadyAttemptsPerCall: number;
  naiveAttemptsPerCall: number;
  unexpected: string[];
}

const seconds = Number(process.argv[2] ?? 30);
const MAX_RETRIES = 4;
const CONCURRENCY = 4;

const grpcProto = loadBookProto(grpc).book.v1;
let attempts = 0;
const server = new grpc.Server();
server.addService(grpcProto.BookService.service, {
  GetBook: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => {
    attempts++;
    callback({ code: grpc.status.UNAVAILABLE, details: 'backend down' });
  },
});
const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));

const sdk = await init({
  service: 'bench-retry',
  config: {
    grpc_clients: {
      services: [{ name: 'down', address: `127.0.0.1:${port}`, connect: 'eager', deadline: 2_000, retry: { max: MAX_RETRIES, retryable_codes: ['UNAVAILABLE'] } }],
      telemetry: { enabled: false },
    },
  },
  clients: { down: grpcProto.BookService },
  env: {},
});
const client: BookServiceClient = sdk.manager.getClient('down', grpcProto.BookService);
const unexpected = new Set<string>();
const call = () =>
  new Promise<void>((resolve) =>
    client.getBook({ id: 'b1' }, (error) => {
      if (error?.code !== grpc.status.UNAVAILABLE) unexpected.add(error ? `${grpc.status[error.code]}: ${error.details}` : 'a call succeeded');
      resolve();
    }),
  );

await call();
const firstCallAttempts = attempts;
let calls = 1;
const started = performance.now();
const steadyFrom = started + seconds * 100;
let steadyCalls = 0;
let steadyAttempts = -1;
const end = started + seconds * 1000;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < end) {
      if (steadyAttempts < 0 && performance.now() >= steadyFrom) {
        steadyAttempts = attempts;
        steadyCalls = calls;
      }
      await call();
      calls++;
    }
  }),
);
await sdk.shutdown();
server.forceShutdown();
const report: RetryReport = {
  seconds,
  calls,
  attempts,
  attemptsPerCall: attempts / calls,
  firstCallAttempts,
  steadyAttemptsPerCall: (attempts - steadyAttempts) / Math.max(1, calls - steadyCalls),
  naiveAttemptsPerCall: MAX_RETRIES + 1,
  unexpected: [...unexpected],
};
process.send?.(report, () => process.exit(0));
