// The lines under the demo's table, one per replica of book-service: its address, the calls it served
// in the table's window by its own count (served-calls.ts, asked over IPC), and its state as each caller
// sees it (grpcclient.endpoint.state), so the terminal shows how the callers spread calls over replicas.
import type { ServedCounts } from '../server/served-calls.ts';
import type { EndpointRow } from './metrics-table.ts';
import type { ServiceProcess } from './processes.ts';

/** One replica as the table shows it. */
export interface ReplicaLine extends ServedCounts {
  name: string;
  service: string;
  /** address:port, as the callers' endpoint gauge names it. */
  endpoint: string;
  note?: string;
}

/** What each replica has served so far (0s for one that does not answer, e.g. during an outage). */
export async function servedBy(replicas: readonly ServiceProcess[], host: string): Promise<ReplicaLine[]> {
  const counts = await Promise.all(replicas.map((replica) => replica.served().catch(() => ({ calls: 0, cancelled: 0 }))));
  return replicas.map((replica, index) => ({ name: replica.name, service: replica.service, endpoint: `${host}:${replica.port}`, ...counts[index]! }));
}

/** The calls served between two readings, with a note for the replicas `notes` names. */
export function servedSince(now: readonly ReplicaLine[], before: readonly ReplicaLine[], notes = new Map<string, string>()): ReplicaLine[] {
  return now.map((line) => {
    const old = before.find((candidate) => candidate.name === line.name) ?? { calls: 0, cancelled: 0 };
    const note = notes.get(line.name);
    return { ...line, calls: line.calls - old.calls, cancelled: line.cancelled - old.cancelled, ...(note === undefined ? {} : { note }) };
  });
}

/** "book-service-2  127.0.0.1:9012  served 41 calls (38 cancelled by the caller)  READY for api-gateway, ..." */
export function renderReplicaLines(endpoints: readonly EndpointRow[], replicas: readonly ReplicaLine[]): string[] {
  if (replicas.length === 0) return [];
  const name = Math.max(...replicas.map((replica) => replica.name.length));
  const endpoint = Math.max(...replicas.map((replica) => replica.endpoint.length));
  const calls = Math.max(...replicas.map((replica) => String(replica.calls).length));
  return [
    `  ${REPLICA_NOTE}`,
    ...replicas.map((replica) => {
      const seen = endpoints.filter((row) => row.service === replica.service && row.endpoint === replica.endpoint).map((row) => `${row.state} for ${row.caller}`);
      return [
        `  ${replica.name.padEnd(name)}`,
        replica.endpoint.padEnd(endpoint),
        `served ${String(replica.calls).padStart(calls)} calls (${replica.cancelled} cancelled by the caller)`,
        seen.length > 0 ? seen.join(', ') : 'no caller holds a connection to it',
        ...(replica.note ? [replica.note] : []),
      ].join('  ');
    }),
  ];
}

/** Heads the replica lines: the served counts are the servers' own; the states are the callers' endpoint gauge. */
export const REPLICA_NOTE = 'replicas (calls each one served, by its own count; "cancelled": a hedge elsewhere answered first or the caller gave up), state per caller (grpcclient.endpoint.state):';
