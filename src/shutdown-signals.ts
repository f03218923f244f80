// SIGTERM/SIGINT handling for init({ handleSignals }): the first signal runs shutdown() (drain, close,
// flush telemetry). Installing a listener removes Node's default "exit on signal", so once shutdown is
// done the signal is raised again if nothing else listens for it, and the process ends as it would have.

export type ShutdownSignal = 'SIGTERM' | 'SIGINT';

export const DEFAULT_SHUTDOWN_SIGNALS: readonly ShutdownSignal[] = ['SIGTERM', 'SIGINT'];

/** Installs the handlers; returns a function that removes them (shutdown() calls it). */
export function handleShutdownSignals(shutdown: () => Promise<void>, signals: readonly ShutdownSignal[], onError: (error: unknown) => void): () => void {
  const uninstall = () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
  function onSignal(signal: ShutdownSignal): void {
    uninstall();
    shutdown()
      .catch(onError)
      .finally(() => {
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
  }
  for (const signal of signals) process.on(signal, onSignal);
  return uninstall;
}
