// The `--chaos` scenario: book-service fails, then stalls, then drops off the network, then recovers,
// so retries (attempts > calls), error ratios, DEADLINE_EXCEEDED latencies and the channel-state
// gauge all visibly react, in the terminal table and on the Grafana dashboard.
import { status as Status } from '@grpc/grpc-js';
import { NO_FAULTS } from '../server/faults.ts';
import type { ServiceProcess } from './processes.ts';

export interface ChaosPhase {
  title: string;
  durationMs: number;
  apply(book: ServiceProcess): void;
}

export function chaosPhases(phaseMs: number): ChaosPhase[] {
  return [
    {
      title: 'book-service fails half of its calls with UNAVAILABLE (callers retry)',
      durationMs: phaseMs,
      apply: (book) => book.control({ type: 'faults', settings: { errorRate: 0.5, errorCode: Status.UNAVAILABLE, latencyMs: 0 } }),
    },
    {
      title: 'book-service stalls 1.5 s per call (past the 1 s deadline: DEADLINE_EXCEEDED)',
      durationMs: phaseMs,
      apply: (book) => book.control({ type: 'faults', settings: { errorRate: 0, errorCode: Status.UNAVAILABLE, latencyMs: 1_500 } }),
    },
    {
      title: 'book-service is off the network (channels leave READY, calls fail UNAVAILABLE)',
      durationMs: phaseMs,
      apply: (book) => {
        book.control({ type: 'faults', settings: NO_FAULTS });
        book.control({ type: 'outage', ms: phaseMs });
      },
    },
    {
      title: 'book-service is back and healthy (channels reconnect to READY)',
      durationMs: phaseMs,
      apply: (book) => book.control({ type: 'faults', settings: NO_FAULTS }),
    },
  ];
}
