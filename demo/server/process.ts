// What every demo service process shares: announcing that it is ready (a log line for humans and
// containers, an IPC message for the orchestrator), following chaos commands over IPC, reporting the
// calls it served, and stopping cleanly once on SIGINT, SIGTERM or the orchestrator going away.
import type { Faults, FaultSettings } from './faults.ts';
import type { ServedCalls, ServedCounts } from './served-calls.ts';

/** Messages the orchestrator sends to a service. */
export type ControlMessage = { type: 'faults'; settings: FaultSettings } | { type: 'outage'; ms: number } | { type: 'report-served' };

/** Messages a service sends to the orchestrator. */
export type StatusMessage = { type: 'ready'; service: string; port: number } | { type: 'served'; counts: ServedCounts };

export function announceReady(service: string, port: number): void {
  log(service, `listening on port ${port}`);
  const message: StatusMessage = { type: 'ready', service, port };
  process.send?.(message);
}

/**
 * Applies the orchestrator's chaos commands (new fault settings, or an outage of the whole server) and
 * answers its requests for the served-call counts.
 */
export function followChaosCommands(service: string, faults: Faults, host: { outage(ms: number): Promise<void> }, served?: ServedCalls): void {
  process.on('message', (raw) => {
    const message = raw as ControlMessage;
    if (message.type === 'faults') faults.settings = message.settings;
    if (message.type === 'report-served' && served) {
      const reply: StatusMessage = { type: 'served', counts: served.snapshot() };
      process.send?.(reply);
    }
    if (message.type === 'outage') {
      log(service, `outage for ${message.ms}ms`);
      void host.outage(message.ms).then(() => log(service, 'back after outage'));
    }
  });
}

/** Runs `stop` once on the first signal (or when the parent's IPC channel closes), then exits. */
export function stopOnSignal(service: string, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = (reason: string) => {
    if (stopping) return;
    stopping = true;
    log(service, `stopping (${reason})`);
    // A stuck drain must not keep the process alive forever.
    setTimeout(() => process.exit(1), 10_000).unref();
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log(service, `stop failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('disconnect', () => shutdown('orchestrator went away'));
}

export function log(service: string, message: string): void {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), service, msg: message })}\n`);
}
