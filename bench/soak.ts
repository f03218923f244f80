// The soak: a long run of unary calls at c=64 through one variant, in a process run with --expose-gc;
// heap after GC once warmed up, at every tenth of the run, and at the end.
import { runLoad } from './load.ts';
import type { BenchTargets, VariantFactory, VariantName } from './variant.ts';

export interface SoakReport {
  variant: VariantName;
  calls: number;
  errors: number;
  seconds: number;
  totalCalls: number;
  traceRatio: number;
  heapBaselineMb: number;
  heapEndMb: number;
  heapGrowthMb: number;
  /** [calls done, heap MB after GC] samples across the run. */
  heapSamples: [number, number][];
}

const [variantName, callsText, targetsJson] = process.argv.slice(2) as [VariantName, string, string];
const calls = Number(callsText);
const gc = globalThis.gc;
if (!gc) throw new Error('soak.ts needs --expose-gc');
const heapMb = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

const { create } = (await import(`./variants/${variantName}.ts`)) as { create: VariantFactory };
const variant = await create(JSON.parse(targetsJson) as BenchTargets);
// Warm-up: JIT, connection, telemetry pipelines and histograms all reach their steady shape.
const warm = await runLoad(variant.unary, { concurrency: 64, warmupMs: 0, durationMs: 0, calls: Math.min(50_000, Math.ceil(calls / 10)) });
const heapBaselineMb = heapMb();
const heapSamples: [number, number][] = [[0, heapBaselineMb]];
const progressEvery = Math.max(1, Math.floor(calls / 10));
const result = await runLoad(variant.unary, {
  concurrency: 64,
  warmupMs: 0,
  durationMs: 0,
  calls,
  progressEvery,
  onProgress: (done) => heapSamples.push([done, heapMb()]),
});
const heapEndMb = heapMb();
await variant.close();
const report: SoakReport = {
  variant: variantName,
  calls: result.calls,
  errors: warm.errors + result.errors,
  seconds: result.seconds,
  totalCalls: warm.totalCalls + result.totalCalls,
  traceRatio: variant.traceRatio,
  heapBaselineMb,
  heapEndMb,
  heapGrowthMb: heapEndMb - heapBaselineMb,
  heapSamples,
};
process.send?.(report, () => process.exit(0));
