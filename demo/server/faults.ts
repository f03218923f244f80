// Latency and error injection for book- and order-service: how the chaos scenario makes a backend
// slow or failing. Set at start from env, changed at run time by the orchestrator over IPC.
import { status as Status } from '@grpc/grpc-js';

export interface FaultSettings {
  /** Fraction of calls (0-1) that fail with errorCode. */
  errorRate: number;
  /** Status code of an injected failure; UNAVAILABLE is what an overloaded backend says, and is retryable. */
  errorCode: Status;
  /** Delay added before every answer. */
  latencyMs: number;
}

export const NO_FAULTS: FaultSettings = { errorRate: 0, errorCode: Status.UNAVAILABLE, latencyMs: 0 };

/** FAULT_ERROR_RATE (0-1), FAULT_ERROR_CODE (a code name, default UNAVAILABLE), FAULT_LATENCY_MS. */
export function faultsFromEnv(env = process.env): FaultSettings {
  const code = env['FAULT_ERROR_CODE'] ? Status[env['FAULT_ERROR_CODE'] as keyof typeof Status] : Status.UNAVAILABLE;
  if (typeof code !== 'number') throw new Error(`FAULT_ERROR_CODE=${env['FAULT_ERROR_CODE']} is not a gRPC status code name`);
  return {
    errorRate: Math.min(1, Math.max(0, Number(env['FAULT_ERROR_RATE'] ?? 0) || 0)),
    errorCode: code,
    latencyMs: Math.max(0, Number(env['FAULT_LATENCY_MS'] ?? 0) || 0),
  };
}

export interface InjectedError extends Error {
  code: Status;
}

export class Faults {
  settings: FaultSettings;

  constructor(settings: FaultSettings = NO_FAULTS) {
    this.settings = settings;
  }

  /** Waits the injected latency, then throws the injected error for the configured share of calls. */
  async apply(): Promise<void> {
    const { latencyMs, errorRate, errorCode } = this.settings;
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
    if (errorRate > 0 && Math.random() < errorRate) {
      throw Object.assign(new Error(`injected fault (${Status[errorCode]})`), { code: errorCode }) satisfies InjectedError;
    }
  }
}
