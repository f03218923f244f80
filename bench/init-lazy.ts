// init() with 200 configured lazy services and a typed client for each, in a fresh process run with
// --expose-gc: wall time of the init() call and the heap it keeps (after GC).
import * as grpc from '@grpc/grpc-js';
import { init } from '../src/index.ts';
import { loadBookProto } from './book-proto.ts';
import { telemetryConfig, type TelemetryProfile } from './variants/grpcclient.ts';

export interface InitReport {
  services: number;
  ms: number;
  heapMb: number;
}

const SERVICES = 200;
const [profile = 'off', sinkUrl = 'http://127.0.0.1:1'] = process.argv.slice(2) as [TelemetryProfile?, string?];
const gc = globalThis.gc;
if (!gc) throw new Error('init-lazy.ts needs --expose-gc');

const { BookService } = loadBookProto(grpc).book.v1;
const names = Array.from({ length: SERVICES }, (_, index) => `service-${String(index).padStart(3, '0')}`);
// Nothing listens on port 1: lazy services never connect during init().
const services = names.map((name) => ({ name, address: '127.0.0.1:1', connect: 'lazy' }));
const clients = Object.fromEntries(names.map((name) => [name, BookService]));

gc();
gc();
const heapBefore = process.memoryUsage().heapUsed;
const started = performance.now();
const sdk = await init({ service: 'bench-init', config: { grpc_clients: { services, telemetry: telemetryConfig(profile, sinkUrl) } }, clients, env: {} });
const ms = performance.now() - started;
gc();
gc();
const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
if (Object.keys(sdk.clients).length !== SERVICES) throw new Error('init() did not return every client');
await sdk.shutdown();
process.send?.({ services: SERVICES, ms, heapMb } satisfies InitReport, () => process.exit(0));
