// Waiting on OpenTelemetry work (a flush, a shutdown) for a bounded time: telemetry must never hold up or
// fail the application's shutdown, so failures and the timeout become warnings.

/** Waits for every promise, at most timeoutMs; never rejects. */
export async function settleWithin(timeoutMs: number, work: Promise<unknown>[], what: string, warn: (message: string) => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
    // A flush still waiting on a dead collector must not be what keeps the process alive.
    timer.unref();
  });
  const outcome = await Promise.race([Promise.allSettled(work), timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    warn(`OpenTelemetry ${what} did not finish within flush_timeout (${timeoutMs}ms); spans and metrics not exported by then are dropped`);
    return;
  }
  for (const result of outcome) if (result.status === 'rejected') warn(`OpenTelemetry ${what} failed: ${String((result.reason as Error)?.message ?? result.reason)}`);
}
