// One client run, in a fresh process: builds the variant named on the command line, drives the
// scenario's load through it, closes it (flushing its telemetry) and reports to the parent over IPC.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { runLoad, type LoadResult } from './load.ts';
import type { BenchTargets, VariantFactory, VariantName } from './variant.ts';

export interface ClientSpec {
  variant: VariantName;
  kind: 'unary' | 'stream';
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  targets: BenchTargets;
  /** Write a sampled allocation profile (every allocation, collected or not) of the run here. */
  heapProfile?: string;
}

export interface ClientReport extends LoadResult {
  traceRatio: number;
}

const spec = JSON.parse(process.argv[2] ?? '') as ClientSpec;
// Imported here, not statically: variant 5 must register its instrumentation before grpc-js loads.
const { create } = (await import(`./variants/${spec.variant}.ts`)) as { create: VariantFactory };
const variant = await create(spec.targets);
const call = spec.kind === 'unary' ? variant.unary : variant.stream;
const stopHeapProfile = spec.heapProfile ? await startHeapProfile(spec.heapProfile) : undefined;
const result = await runLoad(call, { concurrency: spec.concurrency, warmupMs: spec.warmupMs, durationMs: spec.durationMs });
await stopHeapProfile?.();
await variant.close();
const report: ClientReport = { ...result, traceRatio: variant.traceRatio };
process.send?.(report, () => process.exit(0));

/**
 * V8's sampling heap profiler, told to keep the samples of objects the GC already collected: what a
 * call allocates, not only what it keeps (node --heap-prof records only the survivors). Read it with bench/heap-top.ts.
 */
async function startHeapProfile(path: string): Promise<() => Promise<void>> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  return async () => {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    writeFileSync(path, JSON.stringify(profile));
    session.disconnect();
  };
}
