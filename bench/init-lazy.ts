// init() with 200 configured lazy services and a typed client for each, in a fresh process run with
// --expose-gc: wall and CPU time of the init() call and the heap it keeps (after GC). init() is the built
// package's (dist/), as users load it: the modules it imports on the way are not type-stripped sources.
// Needs `npm run build` (bench/run.ts and bench/init-rounds.ts build first).
import * as grpc from '@grpc/grpc-js';
import type * as Grpcclient from '../src/index.ts';
import { loadBookProto } from './book-proto.ts';
// The profiles' telemetry sections; this also loads the sources' grpcclient, outside the measured call.
import { telemetryConfig, type TelemetryProfile } from './variants/grpcclient.ts';

export interface InitReport {
  services: number;
  ms: number;
  heapMb: number;
  /** CPU time (user + system, every thread) of the init() call: less disturbed by other load than wall time. */
  cpuMs: number;
  /** The init() call on the monotonic clock of V8's CPU profiles (µs), to read a --cpu-prof profile of that window only. */
  window?: [number, number];
}

const SERVICES = 200;
const [profile = 'off', sinkUrl = 'http://127.0.0.1:1'] = process.argv.slice(2) as [TelemetryProfile?, string?];
const gc = globalThis.gc;
if (!gc) throw new Error('init-lazy.ts needs --expose-gc');

// A variable, so the type-check does not need dist/ to exist; the package's own name resolves to its exports entry.
const packageName = 'grpcclient';
const { init } = (await import(packageName)) as typeof Grpcclient;
const { BookService } = loadBookProto(grpc).book.v1;
const names = Array.from({ length: SERVICES }, (_, index) => `service-${String(index).padStart(3, '0')}`);
// Nothing listens on port 1: lazy services never connect during init().
const services = names.map((name) => ({ name, address: '127.0.0.1:1', connect: 'lazy' as const }));
const clients = Object.fromEntries(names.map((name) => [name, BookService]));

gc();
gc();
const heapBefore = process.memoryUsage().heapUsed;
const cpuBefore = process.cpuUsage();
const started = performance.now();
const windowStart = process.hrtime.bigint() / 1000n;
const sdk = await init({ service: 'bench-init', config: { grpc_clients: { services, telemetry: telemetryConfig(profile, sinkUrl) } }, clients, env: {} });
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
const window: [number, number] = [Number(windowStart), Number(process.hrtime.bigint() / 1000n)];
gc();
gc();
const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
if (Object.keys(sdk.clients).length !== SERVICES) throw new Error('init() did not return every client');
await sdk.shutdown();
process.send?.({ services: SERVICES, ms, heapMb, cpuMs: (cpu.user + cpu.system) / 1000, window } satisfies InitReport, () => process.exit(0));
