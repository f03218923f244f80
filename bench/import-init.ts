// The cost of starting to use grpcclient, in a fresh process: `import('grpcclient')` (the built package in
// dist/, as users load it: no type stripping) plus init() of one lazy service (nothing connects), with the
// telemetry config given as JSON (default: off). Wall time and this process's CPU time. Needs `npm run build`.
import type * as Grpcclient from '../src/index.ts';

export interface ImportInitReport {
  importMs: number;
  initMs: number;
  /** import + init() */
  ms: number;
  /** CPU time (user + system, every thread) of import + init(); less disturbed by other load than wall time. */
  cpuMs: number;
}

const telemetry = JSON.parse(process.argv[2] ?? '{"enabled":false}') as Record<string, unknown>;
// A variable, so the type-check does not need dist/ to exist; the package's own name resolves to its exports entry.
const packageName = 'grpcclient';
const cpuBefore = process.cpuUsage();
const started = performance.now();
const { init } = (await import(packageName)) as typeof Grpcclient;
const imported = performance.now();
// grpcclient already loaded grpc-js: this import costs nothing.
const { makeGenericClientConstructor } = await import('@grpc/grpc-js');
const sdk = await init({
  service: 'bench-import',
  // Nothing listens on port 1: a lazy service never connects during init().
  config: { grpc_clients: { services: [{ name: 'lazy', address: '127.0.0.1:1' }], telemetry } },
  clients: { lazy: makeGenericClientConstructor({}, 'Lazy') },
  env: {},
});
const done = performance.now();
const cpu = process.cpuUsage(cpuBefore);
await sdk.shutdown();
const report: ImportInitReport = { importMs: imported - started, initMs: done - imported, ms: done - started, cpuMs: (cpu.user + cpu.system) / 1000 };
// Run by bench/run.ts over IPC, or by hand: node bench/import-init.ts ['{"enabled":false}']
if (process.send) process.send(report, () => process.exit(0));
else console.log(JSON.stringify(report));
