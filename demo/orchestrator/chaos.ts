// The `--chaos` scenario: one book-service replica turns slow (hedges and least_request keep calls
// fast), then the whole of book-service fails, then stalls, then drops off the network, then recovers,
// so hedges, retries (attempts > calls), error ratios, DEADLINE_EXCEEDED latencies and the channel- and
// endpoint-state gauges all visibly react, in the terminal table and on the Grafana dashboard.
import { status as Status } from '@grpc/grpc-js';
import { NO_FAULTS } from '../server/faults.ts';
import type { ServiceProcess } from './processes.ts';

/** The slow replica's delay per call: far above the callers' 75 ms hedging delay, far below their 1 s deadline. */
export const SLOW_REPLICA_MS = 300;

export interface ChaosPhase {
  title: string;
  durationMs: number;
  /** Changes book-service's replicas (book-service-1, book-service-2). */
  apply(replicas: readonly ServiceProcess[]): void;
  /** A replica this phase treats differently, to mark in the table. */
  marked?: { index: number; note: string };
}

const everyReplica = (replicas: readonly ServiceProcess[], command: Parameters<ServiceProcess['control']>[0]) => {
  for (const replica of replicas) replica.control(command);
};

export function chaosPhases(phaseMs: number): ChaosPhase[] {
  return [
    {
      title: `one book-service replica answers in ${SLOW_REPLICA_MS} ms, the other at once (hedges and least_request keep calls fast)`,
      durationMs: phaseMs,
      apply: (replicas) => replicas.forEach((replica, index) => replica.control({ type: 'faults', settings: index === 1 ? { ...NO_FAULTS, latencyMs: SLOW_REPLICA_MS } : NO_FAULTS })),
      marked: { index: 1, note: `← slow (${SLOW_REPLICA_MS} ms per call)` },
    },
    {
      title: 'book-service fails half of its calls with UNAVAILABLE (callers retry, or hedge at once)',
      durationMs: phaseMs,
      apply: (replicas) => everyReplica(replicas, { type: 'faults', settings: { errorRate: 0.5, errorCode: Status.UNAVAILABLE, latencyMs: 0 } }),
    },
    {
      title: 'book-service stalls 1.5 s per call (past the 1 s deadline: DEADLINE_EXCEEDED)',
      durationMs: phaseMs,
      apply: (replicas) => everyReplica(replicas, { type: 'faults', settings: { errorRate: 0, errorCode: Status.UNAVAILABLE, latencyMs: 1_500 } }),
    },
    {
      title: 'book-service is off the network (channels leave READY, calls fail UNAVAILABLE)',
      durationMs: phaseMs,
      apply: (replicas) => {
        everyReplica(replicas, { type: 'faults', settings: NO_FAULTS });
        everyReplica(replicas, { type: 'outage', ms: phaseMs });
      },
    },
    {
      title: 'book-service is back and healthy (channels reconnect to READY)',
      durationMs: phaseMs,
      apply: (replicas) => everyReplica(replicas, { type: 'faults', settings: NO_FAULTS }),
    },
  ];
}
