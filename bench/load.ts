// Closed-loop load: `concurrency` workers each make one call after another, first for a warm-up
// that is thrown away, then for the measured window (a duration, or a number of calls for the soak).
import { startAllocationMeter } from './allocation.ts';

export interface LoadOptions {
  concurrency: number;
  warmupMs: number;
  /** Measured window length; ignored when `calls` is set. */
  durationMs: number;
  /** Measure exactly this many calls instead of a duration. */
  calls?: number;
  /** Called every `progressEvery` measured calls (the soak samples the heap there). */
  onProgress?: (done: number) => void;
  progressEvery?: number;
}

export interface LoadResult {
  /** Calls completed in the measured window. */
  calls: number;
  errors: number;
  firstError?: string;
  /** Calls made in total, warm-up included (what the sink should have seen spans of). */
  totalCalls: number;
  seconds: number;
  callsPerSecond: number;
  p50Us: number;
  p99Us: number;
  /** Client CPU (user + system) per measured call. */
  cpuUsPerCall: number;
  /** JS heap bytes the client allocated per measured call (everything in the process: grpc-js, the SDK, the load loop). */
  allocatedBytesPerCall: number;
  /** Time in garbage collection per measured call. */
  gcUsPerCall: number;
  /** Peak resident set of the client process so far. */
  peakRssMb: number;
}

class Latencies {
  private values = new Float64Array(1 << 16);
  length = 0;
  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }
  percentile(p: number): number {
    if (this.length === 0) return Number.NaN;
    const sorted = this.values.subarray(0, this.length).sort();
    return sorted[Math.min(this.length - 1, Math.floor(p * this.length))]!;
  }
}

export async function runLoad(call: () => Promise<void>, options: LoadOptions): Promise<LoadResult> {
  let totalCalls = 0;
  let errors = 0;
  let firstError: string | undefined;

  async function phase(until: () => boolean, latencies?: Latencies): Promise<number> {
    let done = 0;
    const worker = async () => {
      while (!until()) {
        const started = process.hrtime.bigint();
        try {
          await call();
        } catch (error) {
          errors++;
          firstError ??= (error as Error).message;
        }
        totalCalls++;
        if (latencies) {
          latencies.push(Number(process.hrtime.bigint() - started) / 1000);
          done++;
          if (options.onProgress && done % (options.progressEvery ?? 100_000) === 0) options.onProgress(done);
        }
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    return done;
  }

  const warmupEnd = performance.now() + options.warmupMs;
  await phase(() => performance.now() >= warmupEnd);
  errors = 0;
  firstError = undefined;

  const latencies = new Latencies();
  let started = 0;
  const limit = options.calls;
  const measureEnd = performance.now() + options.durationMs;
  // In call-count mode a worker claims its call before making it, so exactly `calls` are made.
  const until = limit === undefined ? () => performance.now() >= measureEnd : () => started++ >= limit;
  const cpuBefore = process.cpuUsage();
  const allocation = startAllocationMeter();
  const t0 = performance.now();
  const calls = await phase(until, latencies);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const allocated = allocation.stop();

  return {
    calls,
    errors,
    ...(firstError === undefined ? {} : { firstError }),
    totalCalls,
    seconds,
    callsPerSecond: calls / seconds,
    p50Us: latencies.percentile(0.5),
    p99Us: latencies.percentile(0.99),
    cpuUsPerCall: (cpu.user + cpu.system) / calls,
    allocatedBytesPerCall: allocated.bytes / calls,
    gcUsPerCall: (allocated.gcMs * 1000) / calls,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}
