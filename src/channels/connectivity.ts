// Connectivity-state plumbing over grpc-js: wait for READY with a deadline, and follow every change.
import { connectivityState, type Channel } from '@grpc/grpc-js';

/** State names as gRPC spells them (IDLE, CONNECTING, READY, TRANSIENT_FAILURE, SHUTDOWN). */
export type ConnectivityStateName = keyof typeof connectivityState & string;

export function stateName(state: connectivityState): ConnectivityStateName {
  return connectivityState[state] as ConnectivityStateName;
}

/**
 * Resolves when the channel is READY; rejects with the last state seen once `timeoutMs` passes.
 * Asking for the state with tryToConnect leaves IDLE, so this also starts the connection.
 */
export function waitForReady(channel: Channel, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = () => {
      const state = channel.getConnectivityState(true);
      if (state === connectivityState.READY) return resolve();
      if (state === connectivityState.SHUTDOWN) return reject(new WaitError(state, 'channel was closed'));
      channel.watchConnectivityState(state, deadline, (error) => {
        if (error) reject(new WaitError(channel.getConnectivityState(false), `not READY within ${timeoutMs}ms`));
        else check();
      });
    };
    check();
  });
}

export class WaitError extends Error {
  readonly lastState: ConnectivityStateName;
  constructor(state: connectivityState, message: string) {
    super(message);
    this.lastState = stateName(state);
  }
}

/**
 * Calls `onChange(previous, current)` on every state change until the channel shuts down.
 * The watch has no deadline, so it holds no timer and never keeps the process alive.
 */
export function followConnectivity(channel: Channel, onChange: (previous: connectivityState, current: connectivityState) => void): void {
  const watch = (state: connectivityState) => {
    channel.watchConnectivityState(state, Infinity, () => {
      const next = channel.getConnectivityState(false);
      onChange(state, next);
      if (next !== connectivityState.SHUTDOWN) watch(next);
    });
  };
  watch(channel.getConnectivityState(false));
}
