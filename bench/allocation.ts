// Bytes the process allocates on the JS heap over a window, read from V8's GC profiler: what every GC in
// the window freed, plus how much more is in use at its end than at its start. No sampling, no guess.
import { GCProfiler, getHeapStatistics } from 'node:v8';

export interface AllocationMeter {
  /** Ends the window: bytes allocated since start, and the time the GCs in it took (ms). */
  stop(): { bytes: number; gcMs: number };
}

export function startAllocationMeter(): AllocationMeter {
  const profiler = new GCProfiler();
  const usedBefore = getHeapStatistics().used_heap_size;
  profiler.start();
  return {
    stop() {
      const { statistics } = profiler.stop();
      const usedAfter = getHeapStatistics().used_heap_size;
      let freed = 0;
      let gcUs = 0;
      for (const gc of statistics) {
        freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
        gcUs += gc.cost;
      }
      return { bytes: usedAfter - usedBefore + freed, gcMs: gcUs / 1000 };
    },
  };
}
