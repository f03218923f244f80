// The `--chaos` scenario: one book-service replica turns slow (hedges and least_request keep calls
// fast), then book- and order-service fail half of their calls (book-service's hedged reads are hedged
// again at once, order-service's calls retried after a backoff), then book-service stalls, drops off the
// network and recovers, so hedges, retries (attempts > calls), error ratios, DEADLINE_EXCEEDED latencies
// and the channel- and endpoint-state gauges all visibly react, in the terminal table and on the Grafana
// dashboard.
import { status as Status } from '@grpc/grpc-js';
import { NO_FAULTS } from '../server/faults.ts';
import type { Demo } from './demo.ts';
import type { ServiceProcess } from './processes.ts';

/** The slow replica's delay per call: far above the callers' 75 ms hedging delay, far below their 1 s deadline. */
export const SLOW_REPLICA_MS = 300;

export interface ChaosPhase {
  title: string;
  durationMs: number;
  /** Changes the demo's processes, found by service (book-service: both replicas). */
  apply(demo: Pick<Demo, 'replicas'>): void;
  /** A book-service replica (index) this phase treats differently, to mark in the table. */
  marked?: { index: number; note: string };
}

type Command = Parameters<ServiceProcess['control']>[0];
const books = (demo: Pick<Demo, 'replicas'>, command: Command) => {
  for (const replica of demo.replicas('book-service')) replica.control(command);
};
const FAILING = { type: 'faults', settings: { errorRate: 0.5, errorCode: Status.UNAVAILABLE, latencyMs: 0 } } as const;
const HEALTHY = { type: 'faults', settings: NO_FAULTS } as const;

export function chaosPhases(phaseMs: number): ChaosPhase[] {
  return [
    {
      title: `one book-service replica answers in ${SLOW_REPLICA_MS} ms, the other at once (hedges and least_request keep calls fast)`,
      durationMs: phaseMs,
      apply: (demo) => demo.replicas('book-service').forEach((replica, index) => replica.control(index === 1 ? { type: 'faults', settings: { ...NO_FAULTS, latencyMs: SLOW_REPLICA_MS } } : HEALTHY)),
      marked: { index: 1, note: `← slow (${SLOW_REPLICA_MS} ms per call)` },
    },
    {
      title: 'book- and order-service fail half of their calls with UNAVAILABLE (callers hedge book reads again at once, retry the rest)',
      durationMs: phaseMs,
      apply: (demo) => {
        books(demo, FAILING);
        for (const orders of demo.replicas('order-service')) orders.control(FAILING);
      },
    },
    {
      title: 'book-service stalls 1.5 s per call (past the 1 s deadline: DEADLINE_EXCEEDED)',
      durationMs: phaseMs,
      apply: (demo) => {
        for (const orders of demo.replicas('order-service')) orders.control(HEALTHY);
        books(demo, { type: 'faults', settings: { ...NO_FAULTS, latencyMs: 1_500 } });
      },
    },
    {
      title: 'book-service is off the network (channels leave READY, calls fail UNAVAILABLE)',
      durationMs: phaseMs,
      apply: (demo) => {
        books(demo, HEALTHY);
        books(demo, { type: 'outage', ms: phaseMs });
      },
    },
    {
      title: 'book-service is back and healthy (channels reconnect to READY)',
      durationMs: phaseMs,
      apply: (demo) => books(demo, HEALTHY),
    },
  ];
}
