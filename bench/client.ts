// One client run, in a fresh process: builds the variant named on the command line, drives the
// scenario's load through it, closes it (flushing its telemetry) and reports to the parent over IPC.
import { runLoad, type LoadResult } from './load.ts';
import type { BenchTargets, VariantFactory, VariantName } from './variant.ts';

export interface ClientSpec {
  variant: VariantName;
  kind: 'unary' | 'stream';
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  targets: BenchTargets;
}

export interface ClientReport extends LoadResult {
  traceRatio: number;
}

const spec = JSON.parse(process.argv[2] ?? '') as ClientSpec;
// Imported here, not statically: variant 5 must register its instrumentation before grpc-js loads.
const { create } = (await import(`./variants/${spec.variant}.ts`)) as { create: VariantFactory };
const variant = await create(spec.targets);
const call = spec.kind === 'unary' ? variant.unary : variant.stream;
const result = await runLoad(call, { concurrency: spec.concurrency, warmupMs: spec.warmupMs, durationMs: spec.durationMs });
await variant.close();
const report: ClientReport = { ...result, traceRatio: variant.traceRatio };
process.send?.(report, () => process.exit(0));
